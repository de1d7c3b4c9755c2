"""The exported bundles are self-consistent: a model rebuilt from weights.safetensors + manifest config,
replaying the RECORDED uniforms/noises, reproduces the goldens (what the browser engine must also do).
Skipped when public/models has not been exported."""
import json
import os
import sys
import unittest

import numpy as np
import torch

TRAINING = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, TRAINING)
import safetensors_io  # noqa: E402
from diffusion import Diffusion  # noqa: E402
from diffusion import sample as dit_sample  # noqa: E402
from models.dit import DiT  # noqa: E402
from models.var import VAR  # noqa: E402
from models.vqvae import MultiScaleQuantizer  # noqa: E402
from var_sampling import sample as var_sample  # noqa: E402

MODELS = os.path.join(os.path.dirname(TRAINING), 'public', 'models')


def load_bundle(model_id):
    folder = os.path.join(MODELS, model_id)
    with open(os.path.join(folder, 'manifest.json')) as f:
        manifest = json.load(f)
    weights = {}
    if os.path.exists(os.path.join(folder, 'weights.safetensors')):
        w, _ = safetensors_io.load(os.path.join(folder, 'weights.safetensors'))
        weights = {k: torch.from_numpy(v.astype(np.float32)) for k, v in w.items()}
    g = {}
    if os.path.exists(os.path.join(folder, 'goldens.safetensors')):
        g, _ = safetensors_io.load(os.path.join(folder, 'goldens.safetensors'))
    return manifest, weights, {k: torch.from_numpy(np.array(v)) for k, v in g.items()}


def bundle_ids(family):
    if not os.path.exists(os.path.join(MODELS, 'index.json')):
        return []
    with open(os.path.join(MODELS, 'index.json')) as f:
        return [m['id'] for m in json.load(f)['models'] if m['family'] == family]


class TestBundles(unittest.TestCase):
    def setUp(self):
        torch.set_num_threads(1)

    def test_var_bundles_replay_goldens(self):
        ids = bundle_ids('var')
        if not ids:
            self.skipTest('no exported VAR bundles')
        vm, vw, _ = load_bundle('mnist-vqvae')
        c = vm['config']
        q = MultiScaleQuantizer(c['vocabSize'], c['cvae'], c['patchNums'], c['phiCount'])
        q.load_state_dict({k[len('quantize.'):]: v for k, v in vw.items()})
        for model_id in ids:
            m, w, g = load_bundle(model_id)
            cfg = m['config']
            var = VAR(depth=cfg['depth'], vocab_size=cfg['vocabSize'], cvae=cfg['cvae'], patch_nums=cfg['patchNums'])
            missing, unexpected = var.load_state_dict(w, strict=False)
            self.assertEqual(unexpected, [])
            self.assertEqual(sorted(missing), sorted(['attn_bias_for_masking', 'lvl_1L'] + [
                f'blocks.{i}.attn.zero_k_bias' for i in range(cfg['depth'])]))
            var.eval()
            K = len(cfg['patchNums'])
            uniforms = [g[f'step{k}.uniforms'] for k in range(K)]
            rec = {}
            s = m['sampling']
            with torch.no_grad():
                var_sample(var, q, g['tf.label'].long(), cfg=s['cfg'], top_k=s['topK'], top_p=s['topP'],
                           uniforms=uniforms, record=rec)
                tf = var(g['tf.label'].long(), g['tf.input'])
            for k in range(K):
                torch.testing.assert_close(rec['logits_cfg'][k], g[f'step{k}.logits_cfg'], atol=1e-4, rtol=1e-4)
                self.assertTrue(torch.equal(rec['tokens'][k].int(), g[f'step{k}.tokens']))
                torch.testing.assert_close(rec['f_hat'][k], g[f'step{k}.f_hat'], atol=1e-4, rtol=1e-4)
            torch.testing.assert_close(tf, g['tf.logits'], atol=1e-4, rtol=1e-4)

    def test_dit_bundles_replay_goldens(self):
        ids = bundle_ids('dit')
        if not ids:
            self.skipTest('no exported DiT bundles')
        for model_id in ids:
            m, w, g = load_bundle(model_id)
            c = m['config']
            dit = DiT(depth=c['depth'], width=c['width'], heads=c['heads'], input_size=c['inputSize'],
                      patch=c['patch'], in_channels=c['inChannels'], num_classes=c['numClasses'])
            dit.load_state_dict(w)
            dit.eval()
            S = m['sampling']['steps']
            diffusion = Diffusion.respaced(1000, S)
            np.testing.assert_array_equal(diffusion.timestep_map, g['schedule.timestep_map'].numpy())
            noises = [g['step0.x_t']] + [g[f'step{n}.noise'] for n in range(S - 1)]
            with torch.no_grad():
                z = dit_sample(dit, diffusion, torch.tensor([int(m['goldens']['class'])]), cfg=m['sampling']['cfg'],
                               noises=noises)
                out = dit(g['tf.x'], g['tf.t'].long(), g['tf.y'].long())
            torch.testing.assert_close(z, g['latent'], atol=1e-4, rtol=1e-4)
            torch.testing.assert_close(out, g['tf.out'], atol=1e-4, rtol=1e-4)
            self.assertGreater(g['tf.out'].abs().max().item(), 1e-2)


if __name__ == '__main__':
    unittest.main()
