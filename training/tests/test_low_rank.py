"""training/low_rank.py: the truncated SVD's sign rule and reconstruction, the split's invariants (f16 factors,
branch + residual = W_s), the rank refusal, smoothing only with quantised activations, and that the branch lowers
the W4g32-A4 output error of a Linear with a strong low-rank part. (Agreement with src/quant/lowRank.ts is
test/quant/lowRankParity.test.ts, on the fixture `python3 training/low_rank.py` writes.)"""
import os
import sys
import unittest

import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import low_rank  # noqa: E402
import quant  # noqa: E402


class TestLowRank(unittest.TestCase):
    def setUp(self):
        self.g = torch.Generator().manual_seed(7)

    def test_truncated_svd_signs_and_reconstruction(self):
        a = torch.randn(12, 20, generator=self.g, dtype=torch.float64)
        u, s, vt = low_rank.truncated_svd(a, 12)
        self.assertTrue(torch.allclose(u @ torch.diag(s) @ vt, a, atol=1e-12))
        peaks = vt.gather(1, vt.abs().argmax(dim=1, keepdim=True))
        self.assertTrue(torch.all(peaks > 0))
        self.assertTrue(torch.all(s[:-1] >= s[1:]))

    def test_split_invariants(self):
        w = torch.randn(16, 24, generator=self.g) * 0.1
        c = (0.5 + torch.rand(24, generator=self.g)).float()
        for scale in (None, c):
            up, down, residual = low_rank.low_rank_split(w, 4, scale)
            self.assertTrue(torch.equal(up, low_rank.to_f16(up)))
            self.assertTrue(torch.equal(down, low_rank.to_f16(down)))
            cc = torch.ones(24, dtype=torch.float64) if scale is None else scale.double()
            rebuilt = (up.double() @ down.double()) / cc[None, :] + residual.double()
            self.assertLess((rebuilt - w.double()).abs().max().item(), 1e-7)

    def test_rank_refusal(self):
        with self.assertRaisesRegex(ValueError, 'largest rank is 7'):
            low_rank.low_rank_split(torch.zeros(8, 12), 8)

    def test_smoothing_only_with_quantised_activations(self):
        x = torch.randn(6, 32, generator=self.g)
        w = torch.randn(8, 32, generator=self.g)
        self.assertIsNone(low_rank.low_rank_linear(x, w, 'W3g32', 2)[1]['inputScale'])
        self.assertIsNotNone(low_rank.low_rank_linear(x, w, 'W4g32-A4', 2)[1]['inputScale'])

    def test_branch_lowers_the_error_of_a_low_rank_heavy_linear(self):
        x = torch.randn(32, 64, generator=self.g)
        x[:, 5] *= 30
        w = (torch.randn(48, 2, generator=self.g) @ torch.randn(2, 64, generator=self.g)
             + 0.1 * torch.randn(48, 64, generator=self.g)) * 0.05
        exact = x.double() @ w.double().T
        rel = lambda y: ((y.double() - exact).norm() / exact.norm()).item()  # noqa: E731
        plain = quant.fake_quant_act(x, 'W4g32-A4').double() @ quant.fake_quant_weight(w, 'W4g32-A4').double().T
        with_branch, _ = low_rank.low_rank_linear(x, w, 'W4g32-A4', 4)
        self.assertLess(rel(with_branch), 0.7 * rel(plain))


if __name__ == '__main__':
    unittest.main()
