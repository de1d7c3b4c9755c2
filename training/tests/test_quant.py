"""training/quant.py: the straight-through estimators, the f16/FP grid helpers against brute force, and the
setting parser. (Bit-exactness against src/quant is test/quant/pytorchFakeQuant.test.ts.)"""
import os
import sys
import unittest

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import quant  # noqa: E402


def all_f16_values():
    bits = np.arange(0, 0x7c00, dtype=np.uint16)  # every finite non-negative f16
    return np.sort(bits.view(np.float16).astype(np.float64))


class TestQuant(unittest.TestCase):
    def setUp(self):
        self.g = torch.Generator().manual_seed(1234)

    def test_ste_weight_forward_is_fake_quant_and_gradient_passes_through(self):
        for setting in ['W4g32', 'W3ac', 'Wfp4g32', 'W2ag64']:
            w = (torch.randn(16, 96, generator=self.g) * 0.1).requires_grad_(True)
            y = quant.ste_weight(w, setting)
            self.assertTrue(torch.equal(y.detach(), quant.fake_quant_weight(w.detach(), setting)), setting)
            self.assertGreater((y.detach() - w.detach()).abs().max().item(), 0, setting)
            upstream = torch.randn(16, 96, generator=self.g)
            (y * upstream).sum().backward()
            self.assertTrue(torch.equal(w.grad, upstream), setting)

    def test_ste_act_forward_is_fake_quant_and_gradient_passes_through(self):
        for setting in ['W32-A8', 'W32-A4', 'W32-Afp8e4m3']:
            x = torch.randn(2, 7, 64, generator=self.g).requires_grad_(True)
            y = quant.ste_act(x, setting)
            self.assertTrue(torch.equal(y.detach(), quant.fake_quant_act(x.detach(), setting)), setting)
            self.assertGreater((y.detach() - x.detach()).abs().max().item(), 0, setting)
            upstream = torch.randn(2, 7, 64, generator=self.g)
            (y * upstream).sum().backward()
            self.assertTrue(torch.equal(x.grad, upstream), setting)

    def test_f16_ceil_and_floor_against_the_f16_table(self):
        table = all_f16_values()
        x = torch.cat([torch.rand(2000, generator=self.g, dtype=torch.float64) * 10.0 ** torch.randint(-9, 5, (2000,), generator=self.g),
                       torch.tensor(table[::97])])
        up = quant.f16_ceil(x).numpy()
        idx = np.searchsorted(table, x.numpy(), side='left')
        np.testing.assert_array_equal(up, table[idx])
        signed = torch.cat([x, -x])
        down = quant.f16_floor(signed).numpy()
        full = np.concatenate([-table[::-1], table])
        want = full[np.searchsorted(full, signed.numpy(), side='right') - 1]
        np.testing.assert_array_equal(down, want + 0.0)

    def test_fp_round_is_nearest_grid_value_ties_to_even(self):
        for name in quant.FP_SPECS:
            grid = np.array(quant.fp_grid_values(name))
            x = torch.randn(3000, generator=self.g, dtype=torch.float64) * grid.max() / 2
            x = torch.cat([x, torch.tensor((grid[1:] + grid[:-1]) / 2)])  # exact ties
            got = quant.fp_round(x, name).numpy()
            xs = np.clip(x.numpy(), grid[0], grid[-1])
            dist = np.abs(xs[:, None] - grid[None, :])
            best = dist.min(axis=1, keepdims=True)
            self.assertTrue(np.all(np.abs(xs - got) == best[:, 0]), name)
            # At ties, the chosen value has an even last mantissa bit: its code is even.
            ties = (dist == best).sum(axis=1) > 1
            self.assertTrue(ties.any(), name)
            codes = {v: i for i, v in enumerate(sorted(set(abs(v) for v in grid)))}
            for v in got[ties]:
                self.assertEqual(codes[abs(v)] % 2, 0, f'{name} tie -> {v}')

    def test_parse_setting_grammar(self):
        s = quant.parse_setting('W3ac-A8t-Lqph-sq0.5')
        self.assertEqual(s['weight'], {'kind': 'int', 'bits': 3, 'symmetric': False, 'fp': None, 'granularity': 'channel', 'group_size': None})
        self.assertEqual(s['act'], {'kind': 'int', 'bits': 8, 'fp': None, 'per_tensor': True})
        self.assertEqual(s['layers'], ['qkv', 'proj', 'head'])
        self.assertEqual(s['method'], {'kind': 'smoothquant', 'alpha': 0.5})
        self.assertEqual(quant.parse_setting('Wfp4g32')['weight']['fp'], 'e2m1')
        self.assertIsNone(quant.parse_setting('fp32')['weight'])
        for bad in ['W9g32', 'X4', 'W4g32-A1', 'W4g32-Lz', 'W4g32-foo', 'W4g16']:
            with self.assertRaises(quant.QuantError):
                quant.parse_setting(bad)


if __name__ == '__main__':
    unittest.main()
