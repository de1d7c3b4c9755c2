"""training/ref_ptq.py: GPTQ beats RTN on the layer's calibration inputs and reduces to RTN with a diagonal
Hessian; SmoothQuant keeps the full-precision product and lowers the A8 error with outlier channels; the
committed fixture test/quant/fixtures/ptq_reference.json is what the script writes today."""
import base64
import json
import os
import sys
import unittest

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import ref_ptq  # noqa: E402
from quant import fake_quant_weight  # noqa: E402

FIXTURE = os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'quant', 'fixtures', 'ptq_reference.json')


def f32(b64, shape):
    return torch.from_numpy(np.frombuffer(base64.b64decode(b64), dtype='<f4').copy()).reshape(shape)


class TestRefPtq(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        torch.set_num_threads(1)
        cls.x, cls.w, cls.outliers = ref_ptq.make_layer()

    def test_gptq_beats_rtn_and_is_rtn_with_a_diagonal_hessian(self):
        for setting in ['W4g32', 'W3c']:
            q = ref_ptq.gptq(self.w, self.x, setting)
            self.assertLess(ref_ptq.rel_output_error(self.x, self.w, q), 0.5 * ref_ptq.rel_output_error(self.x, self.w, fake_quant_weight(self.w, setting)), setting)
        # Orthogonal inputs with distinct norms: H is diagonal, no error feedback, RTN exactly.
        cols = self.w.shape[1]
        diag_x = torch.diag(torch.linspace(0.5, 2.0, cols)).float()
        self.assertTrue(torch.equal(ref_ptq.gptq(self.w, diag_x, 'W4g32'), fake_quant_weight(self.w, 'W4g32')))

    def test_smoothquant_keeps_the_product_and_helps_a8_on_outlier_channels(self):
        s = ref_ptq.smooth_factors(self.x, self.w, 0.5)
        inv = (1.0 / s.double()).float()
        exact = self.x.double() @ self.w.double().T
        smoothed = (self.x * inv).double() @ (self.w * s).double().T
        self.assertLess(float((smoothed - exact).abs().max() / exact.abs().max()), 1e-5)
        y_sq, _ = ref_ptq.smoothquant_output(self.x, self.w, 'W8c-A8-sq0.5')
        y_rtn = ref_ptq.rtn_output(self.x, self.w, 'W8c-A8')
        err = lambda y: float(((y.double() - exact) ** 2).sum() / (exact ** 2).sum())  # noqa: E731
        self.assertLess(err(y_sq), 0.5 * err(y_rtn))

    def test_committed_fixture_is_reproduced(self):
        with open(FIXTURE) as f:
            fixture = json.load(f)
        self.assertTrue(torch.equal(f32(fixture['x'], self.x.shape), self.x))
        self.assertTrue(torch.equal(f32(fixture['w'], self.w.shape), self.w))
        for setting, entry in fixture['gptq'].items():
            self.assertTrue(torch.equal(f32(entry['dequantized'], self.w.shape), ref_ptq.gptq(self.w, self.x, setting)), setting)
        for setting, entry in fixture['smoothquant'].items():
            y, s = ref_ptq.smoothquant_output(self.x, self.w, setting)
            self.assertTrue(torch.equal(f32(entry['factors'], s.shape), s), setting)
            # The output matmul is f64 BLAS: the thread count may change the summation order in the last bits.
            self.assertLess(float((f32(entry['output'], y.shape) - y).abs().max() / y.abs().max()), 1e-6, setting)


if __name__ == '__main__':
    unittest.main()
