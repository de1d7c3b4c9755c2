"""VAR: KV-cached sampling equals the teacher-forced forward; the Gumbel-max token draw and top-k/top-p filters."""
import math
import os
import sys
import unittest

import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from models.var import VAR  # noqa: E402
from models.vqvae import VQVAE  # noqa: E402
from var_sampling import draw_with_uniforms, filter_top_k_top_p, sample  # noqa: E402


def randomise_(model, g):
    # Non-trivial weights everywhere (the init zeroes some biases and shrinks the AdaLN gammas).
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=g) * 0.2)


class TestVar(unittest.TestCase):
    def setUp(self):
        torch.set_num_threads(1)
        g = torch.Generator().manual_seed(0)
        self.vq = VQVAE(vocab_size=64, cvae=8, ch=16, patch_nums=(1, 2, 3, 4)).eval()
        self.var = VAR(depth=2, vocab_size=64, cvae=8, patch_nums=(1, 2, 3, 4)).eval()
        self.var.cond_drop_rate = 0.0
        randomise_(self.vq, g)
        randomise_(self.var, g)

    def test_kv_cache_matches_teacher_forced(self):
        labels = torch.tensor([3, 7])
        rec = {}
        sample(self.var, self.vq.quantize, labels, cfg=2.0, generator=torch.Generator().manual_seed(1), record=rec)
        tokens = rec['tokens']
        with torch.no_grad():
            tf = self.var(labels, self.vq.quantize.idx_to_var_input(tokens))
        start = 0
        for k, pn in enumerate(self.var.patch_nums):
            cached = rec['logits_cond'][k]
            torch.testing.assert_close(cached, tf[:, start:start + pn * pn], atol=1e-4, rtol=1e-4)
            start += pn * pn
        self.assertGreater(tf.std().item(), 0.1)  # not a trivially constant output

    def test_cfg_ramp_is_zero_at_first_scale(self):
        rec = {}
        sample(self.var, self.vq.quantize, torch.tensor([5]), cfg=3.0, generator=torch.Generator().manual_seed(2), record=rec)
        torch.testing.assert_close(rec['logits_cfg'][0], rec['logits_cond'][0])
        last = rec['logits_cfg'][-1]
        torch.testing.assert_close(last, 4.0 * rec['logits_cond'][-1] - 3.0 * rec['logits_uncond'][-1])

    def test_draw_is_gumbel_max_over_kept_tokens(self):
        g = torch.Generator().manual_seed(3)
        logits = torch.randn(64, 40, generator=g) * 2
        for top_k, top_p in [(0, 0.0), (5, 0.0), (0, 0.7), (12, 0.9)]:
            filtered = filter_top_k_top_p(logits, top_k, top_p)
            u = torch.rand(64, 40, generator=g)
            u[0, :] = 0.0  # clamped to 2**-24: still finite
            idx = draw_with_uniforms(filtered, u)
            # Reference written out per row in plain Python (float64).
            for r in range(64):
                best, arg = -math.inf, None
                for i in range(40):
                    l = filtered[r, i].item()
                    if l == -math.inf:
                        continue
                    s = l - math.log(-math.log(max(u[r, i].item(), 2 ** -24)))
                    if s > best:
                        best, arg = s, i
                self.assertEqual(idx[r].item(), arg, (top_k, top_p, r))

    def test_removed_token_never_drawn(self):
        # Token 0 is removed by top-k but gets the largest possible Gumbel (u = 1 - 2**-24); the kept ones the
        # smallest (u = 0, clamped to 2**-24): a kept token still wins.
        logits = torch.tensor([[5.0, 9.0, 8.9, -3.0, 7.0]])
        filtered = filter_top_k_top_p(logits, 2, 0.0)
        u = torch.zeros(1, 5)
        u[0, 0] = 1 - 2 ** -24
        u[0, 3] = 1 - 2 ** -24
        self.assertIn(draw_with_uniforms(filtered, u).item(), (1, 2))
        # Every token but one removed: that one, whatever the uniforms.
        only = torch.full((3, 5), -torch.inf)
        only[:, 4] = 0.0
        self.assertEqual(draw_with_uniforms(only, torch.rand(3, 5, generator=torch.Generator().manual_seed(0))).tolist(),
                         [4, 4, 4])

    def test_draw_frequencies_match_softmax_of_kept_logits(self):
        # 200k draws on fresh random logits, filtered: the empirical frequencies match softmax over the kept tokens
        # within 0.005 absolute (about 4.5 standard errors at the worst p = 0.5; the generator is seeded).
        g = torch.Generator().manual_seed(11)
        n, V = 200000, 10
        logits = torch.randn(1, V, generator=g)
        for top_k, top_p in [(0, 0.0), (6, 0.0), (0, 0.8)]:
            filtered = filter_top_k_top_p(logits, top_k, top_p)
            idx = draw_with_uniforms(filtered.expand(n, V), torch.rand(n, V, generator=g))
            freq = idx.bincount(minlength=V).double() / n
            p = filtered[0].double().softmax(-1)
            self.assertLess((freq - p).abs().max().item(), 0.005, (top_k, top_p, freq, p))
            self.assertEqual(freq[p == 0].sum().item(), 0.0)

    def test_ties_go_to_the_smallest_index(self):
        logits = torch.tensor([[1.0, 3.0, 2.0, 3.0, 3.0], [-torch.inf, 0.5, 0.5, -torch.inf, 0.5]])
        u = torch.full((2, 5), 0.375)
        self.assertEqual(draw_with_uniforms(logits, u).tolist(), [1, 1])
        u[0, 1] = 0.25  # a smaller Gumbel for index 1: the next of the tied ones
        self.assertEqual(draw_with_uniforms(logits, u).tolist(), [3, 1])

    def test_sample_records_and_replays_uniforms_per_vocabulary_entry(self):
        labels = torch.tensor([3, 7])
        rec = {}
        sample(self.var, self.vq.quantize, labels, cfg=1.5, top_k=20, generator=torch.Generator().manual_seed(4), record=rec)
        for k, pn in enumerate(self.var.patch_nums):
            self.assertEqual(tuple(rec['uniforms'][k].shape), (2, pn * pn, self.var.V))
            self.assertEqual(tuple(rec['tokens'][k].shape), (2, pn * pn))
            u = rec['uniforms'][k].reshape(-1, self.var.V)
            scores = rec['logits_cfg'][k].reshape(-1, self.var.V).double() - torch.log(-torch.log(u.double()))
            kept = filter_top_k_top_p(rec['logits_cfg'][k].reshape(-1, self.var.V), 20, 0.0) != -torch.inf
            scores[~kept] = -torch.inf
            self.assertTrue(torch.equal(scores.argmax(-1), rec['tokens'][k].reshape(-1)))
        again = {}
        sample(self.var, self.vq.quantize, labels, cfg=1.5, top_k=20, uniforms=rec['uniforms'], record=again)
        for k in range(len(self.var.patch_nums)):
            self.assertTrue(torch.equal(again['tokens'][k], rec['tokens'][k]))

    def test_filters(self):
        logits = torch.tensor([[1.0, 4.0, 3.0, 2.0, 0.0]])
        k2 = filter_top_k_top_p(logits, 2, 0.0)
        self.assertEqual(torch.isfinite(k2).nonzero()[:, 1].tolist(), [1, 2])
        # softmax of [4,3,2,1,0]: 0.636, 0.234, 0.086, 0.032, 0.012; top-p 0.8 keeps the two largest
        p8 = filter_top_k_top_p(logits, 0, 0.8)
        self.assertEqual(torch.isfinite(p8).nonzero()[:, 1].tolist(), [1, 2])
        u = torch.full((1, 5), 0.5)
        u[0, 2] = 0.999  # Gumbel 6.9 for token 2, 0.37 for the others: 3 + 6.9 beats 4 + 0.37
        self.assertEqual(draw_with_uniforms(p8, u).item(), 2)
        u[0, 0] = 0.9999999  # a huge Gumbel on a removed token changes nothing
        self.assertEqual(draw_with_uniforms(p8, u).item(), 2)


if __name__ == '__main__':
    unittest.main()
