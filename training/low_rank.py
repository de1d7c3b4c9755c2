"""The -lr<r> modifier (SVDQuant, Li et al. 2024: a 16-bit low-rank branch absorbs the outliers, the residual is
quantised): the PyTorch twin of src/quant/lowRank.ts + the engine's prepareLowRank (src/models/runtime/methodWeights.ts).
Conventions as the TypeScript states them (W [N, K], y = x W^T + b, c = f32(1 / s)):
  W_s  = W diag(s)                  SmoothQuant's s (training/ref_ptq.py), alpha 0.5 unless the setting has -sq<alpha>;
                                    s = 1 (no smoothing) when activations are not quantised
  W_s ~ U_r S_r V_r^T               torch.linalg.svd in float64; each (u_i, v_i) flipped so that v_i's entry of
                                    largest magnitude is positive (the TypeScript's sign rule)
  up   = f16(U_r S_r)      [N, r]
  down = f16(V_r^T diag(c)) [r, K]  (c = 1 where 1/s is folded into the operation before the Linear)
  R    = W_s - up down diag(1/c)    in float64, rounded to f32 once
  y    = Q_A(x c) Q_W(R)^T + (x down^T) up^T + b
f16 values are rounded float64 -> float32 -> float16, as the TypeScript's roundToF16 (which takes an f32) does.

Fixture: python3 training/low_rank.py            (writes test/quant/fixtures/low-rank-parity.json)
Measure: python3 training/low_rank.py --measure dit-d3 blocks.1.mlp.fc1
"""
import argparse
import base64
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import quant  # noqa: E402
from ref_ptq import smooth_factors_from_absmax  # noqa: E402

DEFAULT_ALPHA = 0.5
FIXTURE = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'quant', 'fixtures',
                       'low-rank-parity.json')


def to_f16(t):
    return t.to(torch.float32).to(torch.float16).to(torch.float32)


def truncated_svd(a, rank):
    """(U_r [N, r], S_r [r], V_r^T [r, K]) in float64, signs as the TypeScript's."""
    n, k = a.shape
    if not (1 <= rank <= min(n, k)):
        raise ValueError(f'truncated_svd: rank {rank} must be in 1..{min(n, k)} for a {n}x{k} matrix')
    u, s, vt = torch.linalg.svd(a.to(torch.float64), full_matrices=False)
    u, s, vt = u[:, :rank].clone(), s[:rank].clone(), vt[:rank].clone()
    peak = vt.gather(1, vt.abs().argmax(dim=1, keepdim=True)).squeeze(1)
    sign = torch.where(peak < 0, -1.0, 1.0).to(torch.float64)
    return u * sign[None, :], s, vt * sign[:, None]


def low_rank_split(w_s, rank, input_scale=None):
    """(up [N, r], down [r, K], residual [N, K]) of a smoothed weight w_s (f32), as lowRankSplit."""
    n, k = w_s.shape
    if not (1 <= rank <= min(n, k) - 1):
        raise ValueError(f'low-rank branch of rank {rank} does not fit a {n}x{k} weight; the largest rank is '
                         f'{min(n, k) - 1}')
    u, s, vt = truncated_svd(w_s, rank)
    c = torch.ones(k, dtype=torch.float64) if input_scale is None else input_scale.to(torch.float64)
    up = to_f16(u * s[None, :])
    down = to_f16(vt * c[None, :])
    residual = (w_s.to(torch.float64) - (up.double() @ down.double()) / c[None, :]).to(torch.float32)
    return up, down, residual


def low_rank_linear(x, w, setting, rank, act_max=None, alpha=DEFAULT_ALPHA, bias=None):
    """Output (f32) of one Linear under `setting` (weight/activation parts, e.g. 'W4g32-A4') with a rank-r branch:
    1/s applied at run time (the engine's path for proj, fc2, adaLN; qkv / fc1 fold it, which is the same math)."""
    if quant.parse_setting(setting)['act']['kind'] != 'none':
        s = smooth_factors_from_absmax(x.abs().amax(dim=0) if act_max is None else act_max, w, alpha)
        c = (1.0 / s.double()).float()
        w_s = (w * s[None, :]).float()
    else:
        c, w_s = None, w.float()
    up, down, residual = low_rank_split(w_s, rank, c)
    xq = quant.fake_quant_act(x * c[None, :], setting) if c is not None else x
    y = xq.double() @ quant.fake_quant_weight(residual, setting).double().T
    y = y + (x.double() @ down.double().T) @ up.double().T
    if bias is not None:
        y = y + bias.double()
    return y.float(), {'up': up, 'down': down, 'residual': residual, 'inputScale': c}


def _b64(t):
    return base64.b64encode(t.detach().to(torch.float32).contiguous().numpy().astype('<f4').tobytes()).decode()


def write_fixture(path=FIXTURE):
    """Random Linears with a strong low-rank part and inputs with outlier channels; their split and outputs."""
    g = torch.Generator().manual_seed(1515)
    cases = []
    for tokens, n, k, rank, setting in [(4, 24, 64, 4, 'W4g32-A4'), (3, 48, 32, 8, 'W4g32-A4'),
                                        (5, 16, 96, 2, 'W3g32'), (2, 40, 40, 6, 'W4g32-A8')]:
        x = torch.randn(tokens, k, generator=g)
        x[:, torch.randint(0, k, (2,), generator=g)] *= 30
        w = (torch.randn(n, 2, generator=g) @ torch.randn(2, k, generator=g) + 0.2 * torch.randn(n, k, generator=g))
        w = (w * 0.05).float()
        y, parts = low_rank_linear(x, w, setting, rank)
        plain = quant.fake_quant_act(x, setting).double() @ quant.fake_quant_weight(w, setting).double().T
        case = {'tokens': tokens, 'n': n, 'k': k, 'rank': rank, 'setting': setting, 'x': _b64(x), 'w': _b64(w),
                'up': _b64(parts['up']), 'down': _b64(parts['down']), 'residual': _b64(parts['residual']),
                'y': _b64(y), 'yPlain': _b64(plain.float()), 'yExact': _b64((x.double() @ w.double().T).float())}
        if parts['inputScale'] is not None:
            case['inputScale'] = _b64(parts['inputScale'])
        cases.append(case)
    with open(path, 'w') as f:
        json.dump({'alpha': DEFAULT_ALPHA, 'cases': cases}, f, indent=1)
        f.write('\n')


def _capture_input(model, name, run):
    inputs = []
    handle = dict(model.named_modules())[name].register_forward_pre_hook(lambda m, a: inputs.append(a[0].detach()))
    try:
        with torch.no_grad():
            run()
    finally:
        handle.remove()
    x = torch.cat([t.reshape(-1, t.shape[-1]) for t in inputs])
    return x.float()


def measure(model_name, layer, ranks=(8, 16, 32), setting='W4g32-A4', batch=64):
    """Relative RMS output error of one zoo Linear on its real inputs (DiT: random (x_t, t, y) as the sensitivity
    table uses), calibrated on the first half of the rows, measured on the second, and the bits each costs."""
    import zoo  # noqa: E402
    family, depth = model_name.split('-d')
    if family != 'dit':
        raise SystemExit('measure: only DiT models (their inputs need no tokenizer)')
    model = zoo.load_dit(int(depth))[0].eval()
    g = torch.Generator().manual_seed(0)
    xt, t, y = (torch.randn(batch, 4, 8, 8, generator=g), torch.randint(0, 1000, (batch,), generator=g),
                torch.randint(0, 10, (batch,), generator=g))
    x = _capture_input(model, layer, lambda: model(xt, t, y))
    module = dict(model.named_modules())[layer]
    w = module.weight.detach().float()
    cal, test = x[: len(x) // 2], x[len(x) // 2:]
    exact = test.double() @ w.double().T
    rel = lambda out: ((out.double() - exact).pow(2).mean().sqrt() / exact.pow(2).mean().sqrt()).item()  # noqa: E731
    n, k = w.shape
    wq = quant.parse_setting(setting)['weight']
    wbits = wq['bits'] + (16 / wq['group_size'] if wq['granularity'] == 'group' else 0)  # code + f16 group scale
    print(f'{model_name} {layer} [{n} x {k}], {len(test)} test rows ({len(cal)} calibration rows), {setting}:')
    plain = quant.fake_quant_act(test, setting).double() @ quant.fake_quant_weight(w, setting).double().T
    print(f'| {setting} | {rel(plain):.4f} | {wbits:.3f} bits/weight |')
    if quant.parse_setting(setting)['act']['kind'] != 'none':
        # Smoothing alone (1/s at run time, alpha 0.5, no branch): how much of -lr's gain is the smoothing's.
        sm = smooth_factors_from_absmax(cal.abs().amax(dim=0), w, DEFAULT_ALPHA)
        c = (1.0 / sm.double()).float()
        smoothed = quant.fake_quant_act(test * c[None, :], setting).double() @ \
            quant.fake_quant_weight((w * sm[None, :]).float(), setting).double().T
        print(f'| {setting}, smoothed only | {rel(smoothed):.4f} | {wbits:.3f} bits/weight |')
    for r in ranks:
        if r > min(n, k) - 1:
            continue
        out, _ = low_rank_linear(test, w, setting, r, act_max=cal.abs().amax(dim=0))
        branch = (n + k) * r * 16 / (n * k)
        print(f'| {setting}-lr{r} | {rel(out):.4f} | {wbits + branch:.3f} bits/weight ({branch:.3f} branch) |')


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--measure', nargs=2, metavar=('MODEL', 'LINEAR'))
    p.add_argument('--setting', default='W4g32-A4')
    a = p.parse_args()
    if a.measure:
        measure(*a.measure, setting=a.setting)
    else:
        write_fixture()


if __name__ == '__main__':
    main()
