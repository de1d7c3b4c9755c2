"""Quantised one-forward goldens: the PyTorch fake-quant forward (quant_model.py, mirroring the browser's RTN
weights + per-token activation quantisation on the default layers 'qp12a') of a shipped bundle, for
test/gpu/models/quantizedGoldens.test.ts (docs/bundle-format.md, "Quantised goldens").

Reads the bundle's own weights (weights.safetensors, f16 -> f32) and its fp32 goldens' inputs (VAR: tf.label,
tf.input; DiT: tf.x, tf.t, tf.y), so the engine runs on exactly the same numbers. Writes
test/gpu/models/fixtures/<id>.quant-goldens.safetensors with, per setting S, `S.tf.logits` (VAR) or `S.tf.out`
(DiT), the inputs again, and metadata: the settings and the sha256 of the weights file (the test refuses to
compare against a re-exported bundle).

python3 training/quant_goldens.py [mnist-var-d1 mnist-dit-d1] [--settings W4g32-A8,Wfp4g32]
"""
import argparse
import hashlib
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_io  # noqa: E402
from models.dit import DiT  # noqa: E402
from models.var import VAR  # noqa: E402
from quant_model import quantize_model  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS_DIR = os.path.join(ROOT, 'public', 'models')
OUT_DIR = os.path.join(ROOT, 'test', 'gpu', 'models', 'fixtures')


def bundle_model(model_id):
    """The bundle's model in PyTorch with the bundle's weights (f16 upcast to f32) and its fp32 goldens."""
    folder = os.path.join(MODELS_DIR, model_id)
    manifest = json.load(open(os.path.join(folder, 'manifest.json')))
    weights = {k: torch.tensor(np.asarray(v, dtype=np.float32)) for k, v in safetensors_io.load(os.path.join(folder, 'weights.safetensors'))[0].items()}
    goldens = safetensors_io.load(os.path.join(folder, manifest['goldens']['path']))[0]
    c = manifest['config']
    if manifest['family'] == 'var':
        model = VAR(depth=c['depth'], vocab_size=c['vocabSize'], cvae=c['cvae'], patch_nums=c['patchNums'],
                    num_classes=c['numClasses'], cond_drop_rate=0.0)
        missing, unexpected = model.load_state_dict(weights, strict=False)
        assert not unexpected and all(k.split('.')[-1] in ('lvl_1L', 'attn_bias_for_masking', 'zero_k_bias') for k in missing), (missing, unexpected)
    else:
        model = DiT(depth=c['depth'], width=c['width'], heads=c['heads'], input_size=c['inputSize'], patch=c['patch'],
                    in_channels=c['inChannels'], num_classes=c['numClasses'], class_dropout_prob=0.0, learn_sigma=True)
        model.load_state_dict(weights)
    weights_sha = next(f['sha256'] for f in manifest['files'] if f['role'] == 'weights')
    return model.eval(), manifest, goldens, weights_sha


@torch.no_grad()
def quantised_forward(model, family, goldens):
    if family == 'var':
        return model(torch.tensor(goldens['tf.label']).long(), torch.tensor(goldens['tf.input']))
    return model(torch.tensor(goldens['tf.x']), torch.tensor(goldens['tf.t']).long(), torch.tensor(goldens['tf.y']).long())


def write(model_id, settings):
    model, manifest, goldens, weights_sha = bundle_model(model_id)
    family = manifest['family']
    inputs = ('tf.label', 'tf.input') if family == 'var' else ('tf.x', 'tf.t', 'tf.y')
    out_name = 'tf.logits' if family == 'var' else 'tf.out'
    fp = quantised_forward(model, family, goldens)
    fp_err = float(np.abs(fp.numpy() - goldens[out_name]).max() / np.abs(goldens[out_name]).max())
    assert fp_err < 1e-5, f'{model_id}: the unquantised PyTorch forward misses the bundle golden by {fp_err:.2e}'
    tensors = {k: goldens[k] for k in inputs}
    for s in settings:
        q_model, _, _, _ = bundle_model(model_id)
        quantize_model(q_model, s, family).eval()
        y = quantised_forward(q_model, family, goldens).numpy().astype(np.float32)
        tensors[f'{s}.{out_name}'] = y
        change = float(np.abs(y - goldens[out_name]).max() / np.abs(goldens[out_name]).max())
        print(f'{model_id} {s}: max |quantised - fp32| / max |fp32| = {change:.3e}')
    meta = {'bundle': model_id, 'weightsSha256': weights_sha, 'settings': ','.join(settings), 'output': out_name,
            'generator': 'training/quant_goldens.py', 'reference': 'training/quant.py + training/quant_model.py'}
    os.makedirs(OUT_DIR, exist_ok=True)
    path = os.path.join(OUT_DIR, f'{model_id}.quant-goldens.safetensors')
    safetensors_io.save(path, tensors, meta)
    print(f'wrote {path} ({os.path.getsize(path)} bytes)')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('ids', nargs='*', default=['mnist-var-d1', 'mnist-dit-d1'])
    ap.add_argument('--settings', default='W4g32-A8,Wfp4g32')
    args = ap.parse_args()
    torch.set_num_threads(1)
    for model_id in args.ids:
        write(model_id, args.settings.split(','))


if __name__ == '__main__':
    main()
