"""DiT and diffusion: respacing, timestep embedding order, unpatchify, CFG on all channels, safetensors."""
import os
import sys
import tempfile
import unittest

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import safetensors_io  # noqa: E402
from diffusion import Diffusion, linear_betas, space_timesteps  # noqa: E402
from models.dit import DiT, timestep_embedding  # noqa: E402


class TestDiffusion(unittest.TestCase):
    def test_space_timesteps(self):
        use = space_timesteps(1000, 50)
        self.assertEqual(len(use), 50)
        self.assertEqual((use[0], use[1], use[-1]), (0, 20, 999))  # 999/49 = 20.39 -> round(20.39) = 20
        self.assertEqual(space_timesteps(1000, 1000), list(range(1000)))
        # The official loop accumulates the stride: at 21 steps its 11th timestep is 499, not round(10 * 49.95) = 500.
        self.assertIn(499, space_timesteps(1000, 21))
        self.assertNotIn(500, space_timesteps(1000, 21))

    def test_respaced_schedule_keeps_alphas_cumprod(self):
        base = Diffusion(linear_betas(1000))
        sp = Diffusion.respaced(1000, 50)
        np.testing.assert_allclose(sp.alphas_cumprod, base.alphas_cumprod[sp.timestep_map], rtol=1e-12)
        full = Diffusion.respaced(1000, 1000)
        np.testing.assert_allclose(full.betas, base.betas, rtol=1e-9)

    def test_linear_betas(self):
        b = linear_betas(1000)
        self.assertAlmostEqual(b[0], 1e-4)
        self.assertAlmostEqual(b[-1], 0.02)

    def test_ddpm_step_at_zero_is_the_mean(self):
        d = Diffusion.respaced(1000, 10)
        g = torch.Generator().manual_seed(0)
        x = torch.randn(1, 4, 8, 8, generator=g)
        out = torch.randn(1, 8, 8, 8, generator=g)
        a = d.ddpm_step(out, x, 0, torch.randn(1, 4, 8, 8, generator=g))
        b = d.ddpm_step(out, x, 0, torch.zeros(1, 4, 8, 8))
        torch.testing.assert_close(a, b)
        c = d.ddpm_step(out, x, 5, torch.ones(1, 4, 8, 8))
        self.assertFalse(torch.allclose(c, d.ddpm_step(out, x, 5, torch.zeros(1, 4, 8, 8))))


class TestDiT(unittest.TestCase):
    def test_timestep_embedding_cos_first(self):
        e = timestep_embedding(torch.tensor([0.0, 5.0]), 256)
        torch.testing.assert_close(e[0, :128], torch.ones(128))
        torch.testing.assert_close(e[0, 128:], torch.zeros(128))
        self.assertAlmostEqual(e[1, 0].item(), float(np.cos(5.0)), places=5)
        self.assertAlmostEqual(e[1, 128].item(), float(np.sin(5.0)), places=5)

    def test_unpatchify_inverts_patch_order(self):
        m = DiT(depth=1, width=32, heads=1, learn_sigma=False)
        x = torch.arange(4 * 8 * 8, dtype=torch.float32).view(1, 4, 8, 8)
        # token (r, c) holds [p rows, p cols, C] of patch (r, c)
        tokens = x.view(1, 4, 4, 2, 4, 2).permute(0, 2, 4, 3, 5, 1).reshape(1, 16, 16)
        torch.testing.assert_close(m.unpatchify(tokens), x)

    def test_cfg_applies_to_all_channels(self):
        torch.manual_seed(0)
        m = DiT(depth=1, width=32, heads=1).eval()
        with torch.no_grad():
            for p in m.parameters():
                p.copy_(torch.randn_like(p) * 0.3)
            x = torch.randn(1, 4, 8, 8)
            t = torch.tensor([500])
            out, cond, uncond = m.forward_with_cfg(x, t, torch.tensor([2]), 3.0)
        torch.testing.assert_close(out[:, :4], uncond[:, :4] + 3.0 * (cond[:, :4] - uncond[:, :4]))
        torch.testing.assert_close(out[:, 4:], cond[:, 4:])
        self.assertGreater((cond - uncond).abs().max().item(), 1e-3)


class TestSafetensors(unittest.TestCase):
    def test_roundtrip_and_offsets(self):
        g = np.random.default_rng(0)
        tensors = {'a': g.standard_normal((3, 5)).astype(np.float16), 'b': np.arange(7, dtype=np.int32),
                   'c': g.standard_normal(2)}
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, 'x.safetensors')
            index = safetensors_io.save(p, tensors, {'k': 1})
            back, meta = safetensors_io.load(p)
            with open(p, "rb") as f:
                raw = f.read()
        self.assertEqual(meta, {'k': '1'})
        for e in index:
            np.testing.assert_array_equal(back[e['name']], tensors[e['name']])
            got = np.frombuffer(raw[e['byteOffset']:e['byteOffset'] + e['byteLength']], dtype=tensors[e['name']].dtype)
            np.testing.assert_array_equal(got, tensors[e['name']].ravel())
            self.assertEqual(e['byteOffset'] % 8, 0)


if __name__ == '__main__':
    unittest.main()
