"""Writes test/quant/fixtures/pytorch-fake-quant.json: random inputs and what training/quant.py makes of them,
for test/quant/pytorchFakeQuant.test.ts, which checks that src/quant reproduces every value bit for bit.

Arrays are little-endian f32 bytes in base64 (keeps the file small and exact). Weights: every weight format
(INT2..8 symmetric and asymmetric, FP8 e4m3/e5m2, FP6 e3m2/e2m3, FP4 e2m1) at every granularity (tensor,
channel, g32, g64, g128) on a fresh 3x80 matrix (80 columns: the last g32 and g64 group is short), rows on
different scales with a few outliers, plus constant and all-zero groups. Activations: INT8 and INT4 per token,
INT8 per tensor with a static scale that saturates the largest values, FP8 e4m3/e5m2 per token and per tensor,
on a 5x48 matrix with an all-zero row.

Run: /usr/bin/python3 training/write_quant_fixture.py
"""
import base64
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import quant  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, 'test', 'quant', 'fixtures', 'pytorch-fake-quant.json')

WEIGHT_TOKENS = [f'{b}{a}' for b in range(2, 9) for a in ('', 'a')] + ['fp8e4m3', 'fp8e5m2', 'fp6e3m2', 'fp6e2m3', 'fp4']
GRANULARITIES = ['t', 'c', 'g32', 'g64', 'g128']
ACT_SETTINGS = ['W32-A8', 'W32-A4', 'W32-A8t', 'W32-Afp8e4m3', 'W32-Afp8e5m2', 'W32-Afp8e4m3t', 'W32-Afp8e5m2t']


def b64(t):
    return base64.b64encode(t.detach().to(torch.float32).contiguous().numpy().astype('<f4').tobytes()).decode()


def random_weight(g, rows, cols):
    w = torch.randn(rows, cols, generator=g) * torch.exp(torch.randn(rows, 1, generator=g))
    spikes = torch.rand(rows, cols, generator=g) < 0.03
    return torch.where(spikes, w * 8, w)


def main():
    g = torch.Generator().manual_seed(20261125)
    weights = []
    for token in WEIGHT_TOKENS:
        for gran in GRANULARITIES:
            setting = f'W{token}{gran}'
            w = random_weight(g, 3, 80)
            weights.append({'setting': setting, 'rows': 3, 'cols': 80, 'w': b64(w), 'out': b64(quant.fake_quant_weight(w, setting))})
    # Constant and all-zero groups take fitConstantGroup's path.
    for setting in ['W4g32', 'W3ag32', 'Wfp4g32', 'W8ac', 'Wfp8e4m3c']:
        w = random_weight(g, 3, 64)
        w[0, :32] = float(torch.randn(1, generator=g)) * 0.37
        w[1, 32:] = 0.0
        w[2, :] = -float(torch.rand(1, generator=g)) * 2.3
        weights.append({'setting': setting, 'rows': 3, 'cols': 64, 'w': b64(w), 'out': b64(quant.fake_quant_weight(w, setting)),
                        'note': 'constant groups'})
    acts = []
    for setting in ACT_SETTINGS:
        x = torch.randn(5, 48, generator=g) * torch.exp(torch.randn(5, 1, generator=g))
        x[3] = 0.0
        entry = {'setting': setting, 'tokens': 5, 'cols': 48, 'x': b64(x)}
        scale = None
        if setting.endswith('t'):
            scale = quant.calibrate_act_scale([x], setting) * 0.7  # the largest values saturate
            scale = float(np.float32(scale))
            entry['scale'] = scale
        entry['out'] = b64(quant.fake_quant_act(x, setting, scale))
        acts.append(entry)
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, 'w') as f:
        json.dump({'generator': 'training/write_quant_fixture.py', 'encoding': 'base64 little-endian f32, row-major',
                   'weights': weights, 'activations': acts}, f, indent=0)
    print(f'wrote {OUT}: {len(weights)} weight cases, {len(acts)} activation cases, {os.path.getsize(OUT)} bytes')


if __name__ == '__main__':
    main()
