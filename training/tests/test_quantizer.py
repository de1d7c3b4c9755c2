"""Multi-scale quantiser details the browser re-implements: the Phi tick rule, area and bicubic resampling
as docs/bundle-format.md describes them."""
import math
import os
import sys
import unittest

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from models.vqvae import phi_index  # noqa: E402


def area_ref(x, out):
    n = x.shape[0]
    y = np.zeros((out, out))
    for i in range(out):
        r0, r1 = (i * n) // out, -(-((i + 1) * n) // out)
        for j in range(out):
            c0, c1 = (j * n) // out, -(-((j + 1) * n) // out)
            y[i, j] = x[r0:r1, c0:c1].mean()
    return y


def cubic_weights(t, a=-0.75):
    def w(d):
        d = abs(d)
        if d <= 1:
            return (a + 2) * d ** 3 - (a + 3) * d ** 2 + 1
        if d < 2:
            return a * d ** 3 - 5 * a * d ** 2 + 8 * a * d - 4 * a
        return 0.0
    return [w(t + 1), w(t), w(1 - t), w(2 - t)]


def bicubic_ref(x, out):
    n = x.shape[0]

    def resample_rows(m):
        res = np.zeros((out, m.shape[1]))
        for d in range(out):
            s = (d + 0.5) * n / out - 0.5
            f = math.floor(s)
            ws = cubic_weights(s - f)
            for k, wk in zip(range(f - 1, f + 3), ws):
                res[d] += wk * m[min(max(k, 0), n - 1)]
        return res
    return resample_rows(resample_rows(x).T).T


class TestQuantizer(unittest.TestCase):
    def test_phi_ticks(self):
        self.assertEqual([phi_index(k, 10, 4) for k in range(10)], [0, 0, 1, 1, 1, 2, 2, 3, 3, 3])
        self.assertEqual([phi_index(k, 4, 4) for k in range(4)], [0, 1, 2, 3])
        self.assertEqual([phi_index(k, 6, 4) for k in range(6)], [0, 0, 1, 2, 3, 3])

    def test_area_downsample_matches_doc(self):
        g = torch.Generator().manual_seed(0)
        x = torch.randn(1, 1, 8, 8, generator=g, dtype=torch.float64)
        for out in (1, 2, 3, 4, 6):
            got = F.interpolate(x, size=(out, out), mode='area')[0, 0].numpy()
            np.testing.assert_allclose(got, area_ref(x[0, 0].numpy(), out), atol=1e-12)

    def test_bicubic_upsample_matches_doc(self):
        g = torch.Generator().manual_seed(1)
        for n, out in ((1, 4), (2, 4), (3, 4), (3, 8), (6, 8)):
            x = torch.randn(1, 1, n, n, generator=g, dtype=torch.float64)
            got = F.interpolate(x, size=(out, out), mode='bicubic', align_corners=False)[0, 0].numpy()
            np.testing.assert_allclose(got, bicubic_ref(x[0, 0].numpy(), out), atol=1e-10)


if __name__ == '__main__':
    unittest.main()
