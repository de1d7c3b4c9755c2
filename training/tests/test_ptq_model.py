"""training/ptq_model.py: the model-level SmoothQuant fold and GPTQ that the PyTorch sweep runs, on the zoo's d1
models. The fold must leave the full-precision function unchanged (a wrong chunk or a wrong bias formula changes
the output); GPTQ must beat RTN on its own objective, layer by layer; calibration batches follow the engine's."""
import os
import sys
import unittest

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..'))
import ptq_model  # noqa: E402
import quant  # noqa: E402
import zoo  # noqa: E402
from quant_model import FakeQuantLinear, quantize_model  # noqa: E402

torch.set_num_threads(1)


def load(family):
    if family == 'var':
        return zoo.load_var(1)[0], zoo.load_vqvae()[0]
    return zoo.load_dit(1)[0], zoo.load_vae()[0]


def forward(model, family):
    """One deterministic full-precision forward: VAR teacher-forced over its token sequence, DiT one step."""
    g = torch.Generator().manual_seed(5)
    labels = torch.tensor([3, 7])
    if family == 'var':
        L = sum(p * p for p in model.patch_nums)
        x = torch.randn(2, L - 1, model.Cvae, generator=g)
        return model(labels, x)
    x = torch.randn(2, model.in_channels, model.input_size, model.input_size, generator=g)
    return model(x, torch.tensor([500, 20]), labels)


def apply_small(model, family, setting, decoder):
    """ptq_model.apply_method with a cheap calibration (2 batches of 4 images), the module's set restored after."""
    saved = dict(ptq_model.CALIBRATION)
    ptq_model.CALIBRATION.update(ptq_images=8, ptq_batch=4)
    try:
        return ptq_model.apply_method(model.eval(), family, setting, decoder)
    finally:
        ptq_model.CALIBRATION.update(saved)


class PtqModelTest(unittest.TestCase):
    def test_batches_follow_the_engine(self):
        batches = ptq_model.ptq_batches(40, 16)
        self.assertEqual([len(b) for b in batches], [16, 16, 8])
        self.assertEqual(batches[1][:3], [6, 7, 8])  # image 16 asks for class 6

    def test_smoothquant_fold_keeps_the_function(self):
        for family in ('var', 'dit'):
            with self.subTest(family=family):
                model, decoder = load(family)
                with torch.no_grad():
                    before = forward(model, family)
                quantize_model(model, 'W32-A8-sq0.5', family)
                # Calibrate cheaply (2 batches of 4 images) and fold; then switch the activation quantiser off:
                # what remains is W diag(s) with 1/s folded into adaLN, which must compute the same function.
                apply_small(model, family, 'W32-A8-sq0.5', decoder)
                smoothed = [m for n, m in model.named_modules() if isinstance(m, FakeQuantLinear)
                            and m.prepared_weight is not None and not n.endswith(('ada_lin.1', 'adaLN_modulation.1'))]
                self.assertEqual(len(smoothed), 2)  # qkv and fc1 of the one block
                self.assertTrue(any(not torch.equal(m.prepared_weight, m.weight) for m in smoothed))
                for m in model.modules():
                    if isinstance(m, FakeQuantLinear):
                        m.quant_act_on = False
                with torch.no_grad():
                    after = forward(model, family)
                rel = float((after - before).norm() / before.norm())
                self.assertLess(rel, 1e-5, f'{family}: folded SmoothQuant changed the fp32 function by {rel:.2e}')

    def test_gptq_beats_rtn_on_its_objective(self):
        model, decoder = load('var')
        quantize_model(model, 'W3g32-gptq', 'var')
        saved = dict(ptq_model.CALIBRATION)
        ptq_model.CALIBRATION.update(ptq_images=20, ptq_batch=10)
        try:
            names = [n for n, m in model.named_modules() if isinstance(m, FakeQuantLinear) and m.quant_weight_on]
            with ptq_model.full_precision(model):
                stats = ptq_model.calibrate(model, 'var', decoder, names, ptq_model.ptq_batches(20, 10), True)
            self.assertEqual(sorted(stats), sorted(names))
            for n, st in stats.items():  # every Linear's input was seen (VAR's mat_qkv is called through F.linear)
                self.assertGreater(float(st['absmax'].min()), 0, n)
                self.assertEqual(tuple(st['gram'].shape), (st['absmax'].numel(),) * 2, n)
            ptq_model.apply_gptq(model, stats, quant.parse_setting('W3g32-gptq'))
        finally:
            ptq_model.CALIBRATION.update(saved)
        wins, total_gptq, total_rtn = 0, 0.0, 0.0
        for n in names:
            m = dict(model.named_modules())[n]
            w = m.weight.detach().half().float().double()
            H = stats[n]['gram']
            loss = lambda q: float(torch.trace((w - q.double()) @ H @ (w - q.double()).T))  # noqa: E731
            g, r = loss(m.prepared_weight), loss(quant.fake_quant_weight(w.float(), 'W3g32'))
            wins += g < r
            total_gptq += g
            total_rtn += r
        self.assertGreaterEqual(wins, 0.9 * len(names), f'GPTQ beat RTN on {wins} of {len(names)} layers')
        self.assertLess(total_gptq, 0.9 * total_rtn)

    def test_hadamard_rotation_keeps_the_function_without_quantisers(self):
        for family in ('var', 'dit'):
            with self.subTest(family=family):
                model, _ = load(family)
                with torch.no_grad():
                    before = forward(model, family)
                quantize_model(model, 'W4g32-A8-had', family).eval()
                rotated = [m for m in model.modules() if isinstance(m, FakeQuantLinear) and m.hadamard]
                self.assertEqual(len(rotated), 5)  # qkv, proj, fc1, fc2, adaLN of the one block
                with torch.no_grad():
                    quantised = forward(model, family)
                for m in rotated:  # (x R)(W R)^T = x W^T: only the quantisers may change the output
                    m.quant_weight_on = m.quant_act_on = False
                with torch.no_grad():
                    after = forward(model, family)
                rel = float((after - before).norm() / before.norm())
                self.assertLess(rel, 1e-5, f'{family}: -had without quantisers changed the output by {rel:.2e}')
                self.assertGreater(float((quantised - before).norm() / before.norm()), 1e-4)

    def test_low_rank_keeps_the_function_without_quantisers(self):
        # y = Q_A(x c) Q_W(R)^T + (x down^T) up^T: with both quantisers off the residual plus the f16 branch is
        # the weight again (the residual is taken against the rounded branch), folded or not.
        for family in ('var', 'dit'):
            for setting in ('W4g32-A8-lr8', 'W4g32-lr8'):
                with self.subTest(family=family, setting=setting):
                    model, decoder = load(family)
                    with torch.no_grad():
                        before = forward(model, family)
                    quantize_model(model, setting, family)
                    apply_small(model, family, setting, decoder)
                    split = [m for m in model.modules() if isinstance(m, FakeQuantLinear) and m.low_rank is not None]
                    self.assertEqual(len(split), 5)
                    self.assertEqual(tuple(split[0].low_rank[0].shape)[1], 8)
                    with torch.no_grad():
                        quantised = forward(model, family)
                    for m in split:
                        m.prepared_weight, m.quant_act_on = m.residual, False
                    with torch.no_grad():
                        after = forward(model, family)
                    rel = float((after - before).norm() / before.norm())
                    self.assertLess(rel, 1e-5, f'{family} {setting}: the split changed the function by {rel:.2e}')
                    self.assertGreater(float((quantised - before).norm() / before.norm()), 1e-5)

    def test_mixed_bits_per_linear(self):
        model, _ = load('var')
        quantize_model(model, 'W4g32-mp3', 'var', bits_by_linear={'blocks.0.ffn.fc1': 2, 'blocks.0.ffn.fc2': 4})
        widths = {n: m.setting['weight']['bits'] for n, m in model.named_modules()
                  if isinstance(m, FakeQuantLinear) and m.quant_weight_on}
        self.assertEqual(widths['blocks.0.ffn.fc1'], 2)
        self.assertEqual(widths['blocks.0.ffn.fc2'], 4)
        self.assertEqual(widths['blocks.0.attn.proj'], 4)  # not in the allocation: the setting's width
        with self.assertRaises(quant.QuantError):
            quantize_model(load('var')[0], 'W4g32-mp3', 'var')  # -mp without an allocation
        with self.assertRaises(quant.QuantError):
            quantize_model(load('dit')[0], 'W4g32-A8-tg5', 'dit')  # not mirrored: refused, not ignored

    def test_modifiers_parse_as_the_typescript_grammar(self):
        s = quant.parse_setting('W4g32-A8-sq0.5-had-mp3.5')
        self.assertEqual(s['method'], {'kind': 'smoothquant', 'alpha': 0.5})
        self.assertEqual(s['transforms'], {'hadamard': True, 'mixedBits': 3.5})
        self.assertEqual(quant.parse_setting('W4g32-A8-lr16-tg5')['transforms'], {'lowRank': 16, 'timestepGroups': 5})
        for bad, why in [('W4g32-had-had', 'twice'), ('W4g32-mp9', 'within 2..8'), ('W4g32-lr0', '>= 1'),
                         ('W32-A16-had', 'nothing is quantised'), ('W4g32-tg4', 'activations are not quantised')]:
            with self.assertRaisesRegex(quant.QuantError, why):
                quant.parse_setting(bad)

    def test_method_names_are_the_engines(self):
        self.assertEqual(ptq_model.method_name('W3g32-gptq'), 'gptq128')
        self.assertEqual(ptq_model.method_name('W8c-A8-sq0.5'), 'sq0.5-folded')
        self.assertEqual(ptq_model.method_name('W4g32'), 'rtn')
        self.assertTrue(ptq_model.needs_calibration('W8c-A8t'))
        self.assertFalse(ptq_model.needs_calibration('W8c-A8'))


if __name__ == '__main__':
    unittest.main()
