"""Randomized Hadamard rotation of a Linear's input dimension (the -had setting modifier), the PyTorch twin of
src/quant/hadamard.ts. Conventions (the TypeScript file states them once; repeated here only as code):
R = blockdiag(H_b, ...) diag(d) / sqrt(b), b the largest power of two dividing K, d_j = -1 when the top bit of
lowbias32(seed + j) is set. A Linear y = x W^T runs as (x R)(W R)^T; rotate_rows(v) = v R.

rotate_rows works in float64 with the same butterfly order as the TypeScript reference and rounds to f32 once,
so both give the same bits (test/quant/hadamardParity.test.ts checks that on this file's fixture).

Fixture: python3 training/hadamard.py   (writes test/quant/fixtures/hadamard-parity.json)
"""
import base64
import functools
import json
import math
import os
import sys

import torch

HADAMARD_SEED = 0x9E3779B9
_M32 = 0xFFFFFFFF


def block_size(k):
    """The largest power of two dividing k."""
    if k < 1 or int(k) != k:
        raise ValueError(f'block_size: k = {k} is not a positive integer')
    return k & -k


def hash32(x):
    """lowbias32 in u32 arithmetic (WGSL and TypeScript wrap the same way)."""
    x &= _M32
    x ^= x >> 16
    x = (x * 0x7FEB352D) & _M32
    x ^= x >> 15
    x = (x * 0x846CA68B) & _M32
    x ^= x >> 16
    return x


@functools.lru_cache(maxsize=64)
def signs(k, seed=HADAMARD_SEED):
    return torch.tensor([-1.0 if hash32((seed + j) & _M32) >> 31 else 1.0 for j in range(k)], dtype=torch.float64)


def fwht(v, block):
    """Unnormalized Walsh-Hadamard transform of each `block` consecutive values of the last dim (a new tensor)."""
    n = v.shape[-1]
    if block < 1 or block & (block - 1) or n % block:
        raise ValueError(f'fwht: block {block} must be a power of two dividing {n}')
    v = v.clone()
    h = 1
    while h < block:
        # Pairs (i, i + h) in spans of 2h: view the last dim as [n / 2h, 2, h].
        s = v.reshape(*v.shape[:-1], n // (2 * h), 2, h)
        a, b = s[..., 0, :].clone(), s[..., 1, :].clone()
        s[..., 0, :] = a + b
        s[..., 1, :] = a - b
        v = s.reshape(*v.shape)
        h *= 2
    return v


def rotate_rows(x, seed=HADAMARD_SEED):
    """x [..., K] times R, computed in float64 and rounded to float32 once."""
    k = x.shape[-1]
    b = block_size(k)
    y = fwht(x.to(torch.float64), b) * signs(k, seed) * (1 / math.sqrt(b))
    return y.to(torch.float32)


def rotation_matrix(k, seed=HADAMARD_SEED):
    """R [k, k] in float64 (rows of I rotated)."""
    b = block_size(k)
    return fwht(torch.eye(k, dtype=torch.float64), b) * signs(k, seed) * (1 / math.sqrt(b))


def _b64(t):
    return base64.b64encode(t.detach().to(torch.float32).contiguous().numpy().astype('<f4').tobytes()).decode()


def write_fixture(path):
    """Random inputs with outlier channels, their rotations, and one Linear's W4g32-A4-had output."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import quant  # noqa: E402

    g = torch.Generator().manual_seed(15)
    cases = []
    for tokens, k, n in [(3, 64, 8), (4, 192, 16), (2, 96, 8), (2, 7, 4)]:
        x = torch.randn(tokens, k, generator=g)
        x[:, torch.randint(0, k, (2,), generator=g)] *= 30  # outlier channels, as in real activations
        w = torch.randn(n, k, generator=g) * 0.1
        xr, wr = rotate_rows(x), rotate_rows(w)
        xq = quant.fake_quant_act(xr, 'W32-A4')
        wq = quant.fake_quant_weight(wr, 'W4g32')
        yq = (xq.double() @ wq.double().T).float()
        plain = (quant.fake_quant_act(x, 'W32-A4').double() @ quant.fake_quant_weight(w, 'W4g32').double().T).float()
        cases.append({'tokens': tokens, 'k': k, 'n': n, 'block': block_size(k), 'x': _b64(x), 'w': _b64(w),
                      'xRotated': _b64(xr), 'wRotated': _b64(wr), 'yHad': _b64(yq), 'yPlain': _b64(plain),
                      'yExact': _b64((x.double() @ w.double().T).float())})
    fixture = {'seed': HADAMARD_SEED, 'setting': 'W4g32-A4-had', 'signs64': [int(s) for s in signs(64).tolist()],
               'cases': cases}
    with open(path, 'w') as f:
        json.dump(fixture, f, indent=1)
        f.write('\n')


if __name__ == '__main__':
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    write_fixture(os.path.join(root, 'test', 'quant', 'fixtures', 'hadamard-parity.json'))
