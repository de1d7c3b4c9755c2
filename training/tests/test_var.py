"""VAR: KV-cached sampling equals the teacher-forced forward; the token draw and top-k/top-p filters."""
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

    def test_draw_with_uniforms_follows_probabilities(self):
        logits = torch.log(torch.tensor([[0.1, 0.6, 0.3]]))
        u = (torch.arange(1000).float() + 0.5) / 1000
        idx = draw_with_uniforms(logits.expand(1000, 3), u)
        counts = idx.bincount(minlength=3).tolist()
        self.assertEqual(counts, [100, 600, 300])

    def test_filters(self):
        logits = torch.tensor([[1.0, 4.0, 3.0, 2.0, 0.0]])
        k2 = filter_top_k_top_p(logits, 2, 0.0)
        self.assertEqual(torch.isfinite(k2).nonzero()[:, 1].tolist(), [1, 2])
        # softmax of [4,3,2,1,0]: 0.636, 0.234, 0.086, 0.032, 0.012; top-p 0.8 keeps the two largest
        p8 = filter_top_k_top_p(logits, 0, 0.8)
        self.assertEqual(torch.isfinite(p8).nonzero()[:, 1].tolist(), [1, 2])
        idx = draw_with_uniforms(p8, torch.tensor([0.999]))
        self.assertEqual(idx.item(), 2)


if __name__ == '__main__':
    unittest.main()
