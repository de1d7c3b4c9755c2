"""qat.py's losses and quant_model.py's fake-quant wrapper (small random models, no checkpoints needed)."""
import os
import sys
import unittest

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import quant  # noqa: E402
from models.dit import DiT  # noqa: E402
from models.var import VAR  # noqa: E402
from qat import forward_kl, reverse_kl, topkld_loss  # noqa: E402
from quant_model import FakeQuantLinear, quantize_model, quantised_layers  # noqa: E402


def log_probs(g, shape):
    return (torch.randn(*shape, generator=g) * 2).log_softmax(-1)


class TestLosses(unittest.TestCase):
    def setUp(self):
        self.g = torch.Generator().manual_seed(7)
        self.t = log_probs(self.g, (4, 30, 64))
        self.s = log_probs(self.g, (4, 30, 64))

    def test_kl_against_torch(self):
        # F.kl_div(input=log q, target=log p, log_target=True) = sum p (log p - log q)
        want_f = F.kl_div(self.s, self.t, reduction='sum', log_target=True) / (4 * 30)
        want_r = F.kl_div(self.t, self.s, reduction='sum', log_target=True) / (4 * 30)
        self.assertAlmostEqual(forward_kl(self.t, self.s).item(), want_f.item(), places=5)
        self.assertAlmostEqual(reverse_kl(self.t, self.s).item(), want_r.item(), places=5)

    def test_topkld_limits_are_forward_and_reverse_kl(self):
        self.assertAlmostEqual(topkld_loss(self.t, self.s, k=64, lam=1.0).item(), forward_kl(self.t, self.s).item(), places=5)
        self.assertAlmostEqual(topkld_loss(self.t, self.s, k=0, lam=0.0).item(), reverse_kl(self.t, self.s).item(), places=5)

    def test_topkld_is_nonnegative_and_zero_only_at_the_teacher(self):
        for k in (1, 4, 16, 40):
            for lam in (0.2, 0.5, 0.9):
                self.assertGreater(topkld_loss(self.t, self.s, k, lam).item(), 0)
                self.assertLess(abs(topkld_loss(self.t, self.t.clone(), k, lam).item()), 1e-6)

    def test_topkld_splits_at_the_teachers_top_k(self):
        # Changing the student only outside the teacher's top-1 code changes only the reverse (tail) part.
        t = self.t[:1, :1]
        top = t.argmax(-1).item()
        s = t.clone()
        s[..., (top + 1) % 64] += 1.0
        s = s.log_softmax(-1)
        fwd_only = topkld_loss(t, s, k=1, lam=1.0).item()
        p_t, p_s = t.exp()[0, 0, top], s.exp()[0, 0, top]
        self.assertAlmostEqual(fwd_only, (p_t * (t[0, 0, top] - s[0, 0, top]) - p_t + p_s).item(), places=6)


class TestQuantModel(unittest.TestCase):
    def setUp(self):
        torch.manual_seed(3)

    def test_var_layers_and_forward(self):
        var = VAR(depth=2, vocab_size=64, cvae=8, cond_drop_rate=0.0).eval()
        with torch.no_grad():
            for p in var.parameters():
                p.add_(torch.randn_like(p) * 0.05)
        labels, inputs = torch.tensor([3, 10]), torch.randn(2, var.L - 1, 8)
        ref = var(labels, inputs)
        quantize_model(var, 'W4g32-A8', 'var')
        self.assertEqual(sorted(quantised_layers(var)), sorted(
            f'blocks.{b}.{n}' for b in range(2) for n in ('attn.mat_qkv', 'attn.proj', 'ffn.fc1', 'ffn.fc2', 'ada_lin.1')))
        out = var(labels, inputs)
        self.assertGreater((out - ref).abs().max().item(), 1e-3)  # quantisation changed the logits
        var.train()
        self.assertTrue(torch.equal(var(labels, inputs), out))  # the STE forward is the eval forward exactly

    def test_linear_is_fake_quant_act_then_fake_quant_weight(self):
        dit = DiT(depth=1, width=64, heads=2, class_dropout_prob=0.0).eval()
        quantize_model(dit, 'Wfp4g32-A8', 'dit')
        fc1 = dit.blocks[0].mlp.fc1
        self.assertIsInstance(fc1, FakeQuantLinear)
        x = torch.randn(3, 16, 64)
        w = quant.fake_quant_weight(fc1.weight.detach().half().float(), 'Wfp4g32-A8')
        want = F.linear(quant.fake_quant_act(x, 'Wfp4g32-A8'), w, fc1.bias)
        self.assertTrue(torch.equal(fc1(x), want))
        self.assertFalse(dit.final_layer.linear.quant_weight_on)  # head is not in the default layers
        self.assertEqual(len(quantised_layers(dit)), 5)

    def test_ste_gradient_reaches_latent_weights(self):
        var = VAR(depth=1, vocab_size=64, cvae=8, cond_drop_rate=0.0)
        quantize_model(var, 'W3g32', 'var').train()
        var(torch.tensor([1]), torch.randn(1, var.L - 1, 8)).logsumexp(-1).sum().backward()
        self.assertGreater(var.blocks[0].attn.mat_qkv.weight.grad.abs().sum().item(), 0)
        self.assertGreater(var.blocks[0].ffn.fc2.weight.grad.abs().sum().item(), 0)


if __name__ == '__main__':
    unittest.main()
