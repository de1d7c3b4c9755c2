"""PyTorch reference of the two calibration-based PTQ methods on one Linear, written from the papers
independently of the TypeScript (src/quant/smoothQuant.ts, src/quant/gptq.ts), and the fixture the vitest
tests compare the TypeScript with (test/quant/fixtures/ptq_reference.json).

  SmoothQuant (Xiao et al. 2023): s_j = max|X_j|^alpha / max|W_:,j|^(1-alpha) (both clamped at 1e-5 as the
  published code does), Y = fake_quant_act(X / s) fake_quant_weight(W s)^T.
  GPTQ (Frantar et al. 2023): H = 2 X^T X, dead channels zeroed, damping 0.01 * mean(diag H), U = upper
  Cholesky factor of H^-1, columns quantised in order with error feedback W_:,j>i -= (w - q) / U_ii * U_i,j>i;
  a group's scale is taken from the error-updated weights when its first column comes up.

Rounding rules (f16 scales, codes, f32 dequantisation, activation fake quant) come from training/quant.py,
the PyTorch mirror of src/quant. GPTQ's linear algebra is f64 (LAPACK Cholesky), the TypeScript's is its
own f64 Cholesky: codes can differ where a weight sits on a rounding tie, which the tests allow for.

  /usr/bin/python3 training/ref_ptq.py --out test/quant/fixtures/ptq_reference.json
"""
import argparse
import base64
import json
import math
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from quant import FP_SPECS, f16_ceil, f16_floor, fake_quant_act, fake_quant_weight, fp_round, parse_setting  # noqa: E402

SMOOTH_CLAMP = 1e-5
GPTQ_SETTINGS = ['W4g32', 'W3g32', 'W3c']
SQ_SETTINGS = ['W8c-A8-sq0.5', 'W4g32-A8-sq0.5', 'W8c-A8-sq0']


def make_layer(seed=20260, rows=64, cols=96, tokens=128, outliers=(3, 17, 58, 90)):
    """A Linear 96 -> 64 and calibration inputs: correlated channels (12 latent factors) plus noise, and a few
    channels scaled 25x (the activation outliers SmoothQuant is about). Weights have a 10x spread of row scales."""
    g = torch.Generator().manual_seed(seed)
    latent = torch.randn(tokens, 12, generator=g, dtype=torch.float64)
    mix = torch.randn(12, cols, generator=g, dtype=torch.float64) / math.sqrt(12)
    x = latent @ mix + 0.1 * torch.randn(tokens, cols, generator=g, dtype=torch.float64)
    x[:, list(outliers)] *= 25
    row_scale = 0.05 * torch.exp(0.8 * torch.randn(rows, 1, generator=g, dtype=torch.float64))
    w = row_scale * torch.randn(rows, cols, generator=g, dtype=torch.float64)
    return x.float(), w.float(), list(outliers)


# ------------------------------------------------------------------------------------------- SmoothQuant

def smooth_factors(x, w, alpha):
    return smooth_factors_from_absmax(x.abs().amax(dim=0), w, alpha)


def smooth_factors_from_absmax(act_max, w, alpha):
    """s per input channel from the calibration absmax of each input channel (f32 [cols]) and W [rows, cols]."""
    act_max = act_max.double()
    w_max = w.abs().amax(dim=0).double().clamp(min=SMOOTH_CLAMP)
    return (act_max.pow(alpha) / w_max.pow(1 - alpha)).clamp(min=SMOOTH_CLAMP).float()


def smoothquant_output(x, w, setting):
    """Layer output (f32) of SmoothQuant under `setting` (its method part gives alpha), and s."""
    alpha = parse_setting(setting)['method']['alpha']
    s = smooth_factors(x, w, alpha)
    inv = (1.0 / s.double()).float()
    xq = fake_quant_act(x * inv[None, :], setting)
    wq = fake_quant_weight(w * s[None, :], setting)
    return (xq.double() @ wq.double().T).float(), s


def rtn_output(x, w, setting):
    return (fake_quant_act(x, setting).double() @ fake_quant_weight(w, setting).double().T).float()


# ------------------------------------------------------------------------------------------- GPTQ

def group_quantizer(block, weight):
    """(scale, offset) per row of block [rows, n] (or one pair for the whole tensor), by the RTN rule of quant.py."""
    gmin = block.amin(dim=1, keepdim=True)
    gmax = block.amax(dim=1, keepdim=True)
    if weight['granularity'] == 'tensor':
        gmin, gmax = gmin.amin().reshape(1, 1), gmax.amax().reshape(1, 1)
    if (gmin == gmax).any():
        raise ValueError('a constant group: not exercised by this reference')
    if weight['kind'] == 'fp':
        return f16_ceil(torch.maximum(gmin.abs(), gmax.abs()) / FP_SPECS[weight['fp']]['max_finite']), torch.zeros_like(gmin)
    if weight['symmetric']:
        half = 2.0 ** (weight['bits'] - 1)
        return f16_ceil(torch.clamp(torch.maximum(-gmin / half, gmax / (half - 1)), min=0.0)), torch.zeros_like(gmin)
    offset = f16_floor(gmin)
    return f16_ceil((gmax - offset) / (2.0 ** weight['bits'] - 1)), offset


def quantize_column(col, scale, offset, weight):
    """Dequantised f32 values (as f64) of one column [rows] against fixed scales/offsets [rows, 1]."""
    scale, offset = scale[:, 0], offset[:, 0]
    if weight['kind'] == 'fp':
        return (fp_round(col / scale, weight['fp']) * scale).float().double()
    if weight['symmetric']:
        half = 2.0 ** (weight['bits'] - 1)
        code = torch.clamp(torch.round(col / scale), -half, half - 1)
        return (code * scale).float().double()
    code = torch.clamp(torch.round((col - offset) / scale), 0, 2.0 ** weight['bits'] - 1)
    return ((code * scale).float() + offset.float()).double()


def gptq(w, x, setting, damp=0.01):
    return gptq_hessian(w, 2.0 * x.double().T @ x.double(), setting, damp)


def gptq_hessian(w, hessian, setting, damp=0.01):
    """GPTQ of W [rows, cols] given H = 2 X^T X (f64 [cols, cols]; not changed). Returns the dequantised f32 weight."""
    weight = (setting if isinstance(setting, dict) else parse_setting(setting))['weight']
    W = w.double().clone()
    rows, cols = W.shape
    H = hessian.double().clone()
    dead = torch.diag(H) == 0
    H[dead, dead] = 1.0
    W[:, dead] = 0.0
    H += damp * torch.mean(torch.diag(H)) * torch.eye(cols, dtype=torch.float64)
    U = torch.linalg.cholesky(torch.cholesky_inverse(torch.linalg.cholesky(H)), upper=True)
    size = weight['group_size'] if weight['granularity'] == 'group' else cols
    Q = torch.zeros_like(W)
    for i in range(cols):
        if i % size == 0:
            scale, offset = group_quantizer(W[:, i:i + size], weight)
            if scale.shape[0] == 1:
                scale, offset = scale.expand(rows, 1), offset.expand(rows, 1)
        q = quantize_column(W[:, i], scale, offset, weight)
        Q[:, i] = q
        err = (W[:, i] - q) / U[i, i]
        W[:, i + 1:] -= err[:, None] * U[i, i + 1:][None, :]
    return Q.float()


def rel_output_error(x, w, q):
    y = x.double() @ w.double().T
    return float(((y - x.double() @ q.double().T) ** 2).sum() / (y ** 2).sum())


# ------------------------------------------------------------------------------------------- fixture

def b64(t):
    return base64.b64encode(t.detach().contiguous().numpy().astype('<f4').tobytes()).decode('ascii')


def main():
    torch.set_num_threads(1)
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--out', default='test/quant/fixtures/ptq_reference.json')
    args = parser.parse_args()
    x, w, outliers = make_layer()
    rows, cols = w.shape
    out = {'rows': rows, 'cols': cols, 'tokens': x.shape[0], 'outlierChannels': outliers, 'x': b64(x), 'w': b64(w),
           'gptq': {}, 'rtnError': {}, 'smoothquant': {}}
    for setting in GPTQ_SETTINGS:
        q = gptq(w, x, setting)
        rtn = fake_quant_weight(w, setting)
        out['gptq'][setting] = {'setting': setting, 'dequantized': b64(q)}
        out['rtnError'][setting] = rel_output_error(x, w, rtn)
        print(f'{setting}: layer output error GPTQ {rel_output_error(x, w, q):.3e}, RTN {out["rtnError"][setting]:.3e}')
    y = (x.double() @ w.double().T)
    for setting in SQ_SETTINGS:
        ysq, s = smoothquant_output(x, w, setting)
        out['smoothquant'][setting] = {'setting': setting, 'alpha': parse_setting(setting)['method']['alpha'], 'factors': b64(s), 'output': b64(ysq)}
        rtn_setting = setting.rsplit('-', 1)[0]
        err = lambda o: float(((o.double() - y) ** 2).sum() / (y ** 2).sum())  # noqa: E731
        print(f'{setting}: layer output error {err(ysq):.3e}, plain {rtn_setting} {err(rtn_output(x, w, rtn_setting)):.3e}')
    with open(args.out, 'w') as f:
        json.dump(out, f)
    print(f'wrote {args.out} ({os.path.getsize(args.out)} bytes)')


if __name__ == '__main__':
    main()
