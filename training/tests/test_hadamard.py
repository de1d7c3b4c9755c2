"""training/hadamard.py: R orthogonal and block diagonal, fwht an involution up to scale, the Linear invariance.
(Bit-exactness against src/quant/hadamard.ts is test/quant/hadamardParity.test.ts.)"""
import os
import sys
import unittest

import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import hadamard  # noqa: E402


class TestHadamard(unittest.TestCase):
    def test_block_size(self):
        self.assertEqual([hadamard.block_size(k) for k in (1, 64, 96, 192, 1536, 7)], [1, 64, 32, 64, 512, 1])

    def test_rotation_is_orthogonal_and_block_diagonal(self):
        for k in (8, 64, 192, 7):
            r = hadamard.rotation_matrix(k)
            self.assertTrue(torch.allclose(r @ r.T, torch.eye(k, dtype=torch.float64), atol=1e-12), k)
            b = hadamard.block_size(k)
            blocks = torch.arange(k) // b
            self.assertTrue(torch.all(r[blocks[:, None] != blocks[None, :]] == 0), k)

    def test_fwht_twice_is_scaled_identity(self):
        v = torch.randn(3, 192, dtype=torch.float64)
        self.assertTrue(torch.allclose(hadamard.fwht(hadamard.fwht(v, 64), 64), 64 * v))

    def test_linear_output_is_invariant(self):
        x, w = torch.randn(4, 192), torch.randn(6, 192)
        y = x.double() @ w.double().T
        yr = hadamard.rotate_rows(x).double() @ hadamard.rotate_rows(w).double().T
        self.assertLess((y - yr).abs().max().item(), 1e-4)


if __name__ == '__main__':
    unittest.main()
