"""PyTorch fake quantisation that mirrors src/quant (the browser's quantiser) value for value.

Used as the reference for quantised parity goldens, for PTQ baselines in PyTorch, and (through the
straight-through estimators `ste_weight` / `ste_act`) for quantisation-aware training. The TypeScript code is
the contract; this file re-derives each rule from it:

Weights (src/quant/groupScale.ts, codec.ts, quantizeWeight.ts), W [out, in], groups along `in`
(per tensor: one group over the whole matrix; per channel: one per row; gN: N consecutive columns of a row,
the last one shorter). Group min/max in f64, then
  - INT symmetric, b bits, half = 2^(b-1): scale = f16_ceil(max(-min/half, max/(half-1), 0)),
    code = clamp(round_half_even(w/scale), -half, half-1), w' = code*scale;
  - INT asymmetric: offset = f16_floor(min) (-0 stored as +0), scale = f16_ceil((max-offset)/(2^b-1)),
    code = clamp(round_half_even((w-offset)/scale), 0, 2^b-1), w' = f32(f32(code*scale) + offset);
  - FP (OCP MX e4m3/e5m2/e3m2/e2m3/e2m1): scale = f16_ceil(absmax/maxFinite), w' = fp_round(w/scale)*scale,
    fp_round = nearest grid value, ties to even, saturating at +-maxFinite;
  - a group whose values are all equal uses fitConstantGroup's rule (the code/f16-scale pair that reproduces
    the constant best); an all-zero group decodes to zeros.
f16_ceil / f16_floor are the smallest f16 >= x / largest f16 <= x (exact, computed in f64). Division by the
stored scale is f64, as in the TS encoder; the dequantised value is f32, one rounding per operation.

Activations (src/quant/activation.ts), f32 arithmetic, one rounding per operation:
  - INT k: qmax = 2^(k-1)-1, s = f32(absmax/qmax), y = clamp(round_half_even(f32(x/s)), -qmax, qmax) * s;
  - FP8 e4m3/e5m2: s = f32(absmax/maxFinite), y = fp_round(f32(x/s)) * s;
  - per token: absmax over the last dim (dynamic); per tensor: a static scale (argument `scale`); scale 0
    gives zeros.

The setting grammar is src/quant/setting.ts's ('fp32', 'W4g32-A8', 'Wfp4g32', 'W3ac-A16', '...-Lqp12ah-sq0.5').
The method part (rtn/clip/sq/gptq) is parsed but `fake_quant_weight` always applies plain RTN to the weights it
is given: SmoothQuant and GPTQ change the weights first and then round them with this same RTN.
"""
import math
import re

import numpy as np
import torch

FP_SPECS = {
    'e4m3': dict(bits=8, exp_bits=4, man_bits=3, bias=7, max_finite=448.0),
    'e5m2': dict(bits=8, exp_bits=5, man_bits=2, bias=15, max_finite=57344.0),
    'e3m2': dict(bits=6, exp_bits=3, man_bits=2, bias=3, max_finite=28.0),
    'e2m3': dict(bits=6, exp_bits=2, man_bits=3, bias=1, max_finite=7.5),
    'e2m1': dict(bits=4, exp_bits=2, man_bits=1, bias=1, max_finite=6.0),
}
FP_WEIGHT_TOKENS = {'fp8e4m3': 'e4m3', 'fp8e5m2': 'e5m2', 'fp6e3m2': 'e3m2', 'fp6e2m3': 'e2m3', 'fp4': 'e2m1'}
LAYER_LETTERS = {'q': 'qkv', 'p': 'proj', '1': 'fc1', '2': 'fc2', 'a': 'adaLN', 'e': 'embed', 'h': 'head'}
LAYER_ORDER = ['qkv', 'proj', 'fc1', 'fc2', 'adaLN', 'embed', 'head']
DEFAULT_LAYERS = ['qkv', 'proj', 'fc1', 'fc2', 'adaLN']
F16_MAX = 65504.0


class QuantError(ValueError):
    """A setting or tensor this quantiser cannot handle; `code` names the case, `fix` says what to do."""

    def __init__(self, message, code='invalid-quantization', fix=''):
        super().__init__(message + (f' Fix: {fix}' if fix else ''))
        self.code = code
        self.fix = fix


# ---------------------------------------------------------------------------------------------- settings

def parse_setting(s):
    """Same grammar and defaults as src/quant/setting.ts parseSetting. Returns a plain dict:
    {'text', 'weight': None | {'kind': 'int'|'fp', 'bits', 'symmetric', 'fp': name|None, 'granularity':
    'tensor'|'channel'|'group', 'group_size': int|None}, 'act': {'kind': 'none'|'int'|'fp', 'bits', 'fp',
    'per_tensor'}, 'layers': [...], 'method': {'kind', 'alpha'?}}."""
    text = s.strip()

    def fail(problem):
        raise QuantError(f'"{s}" is not a quantisation setting: {problem}.', code='invalid-setting',
                         fix='Use a setting such as fp32, W8c-A8, W4g128-A16 or Wfp4g32-A8.')

    none_act = {'kind': 'none', 'bits': 16, 'fp': None, 'per_tensor': False}
    if text == 'fp32':
        return {'text': 'fp32', 'weight': None, 'act': none_act, 'layers': list(DEFAULT_LAYERS), 'method': {'kind': 'rtn'},
                'transforms': {}}
    parts = text.split('-')
    w_part = parts.pop(0)
    if not w_part.startswith('W'):
        fail('it must start with W (weights) or be fp32')
    weight = None
    if w_part != 'W32':
        m = re.fullmatch(r'(?:([2-8])(a?)|(fp8e4m3|fp8e5m2|fp6e3m2|fp6e2m3|fp4))(t|c|g32|g64|g128)', w_part[1:])
        if not m:
            fail(f'weight part "{w_part}" should be like W4g128, W3ac or Wfp4g32')
        bits, asym, fp_tok, gran = m.groups()
        granularity = {'t': 'tensor', 'c': 'channel'}.get(gran, 'group')
        weight = {
            'kind': 'int' if bits else 'fp',
            'bits': int(bits) if bits else FP_SPECS[FP_WEIGHT_TOKENS[fp_tok]]['bits'],
            'symmetric': asym != 'a',
            'fp': None if bits else FP_WEIGHT_TOKENS[fp_tok],
            'granularity': granularity,
            'group_size': int(gran[1:]) if granularity == 'group' else None,
        }
    act = dict(none_act)
    if parts and parts[0].startswith('A'):
        body = parts.pop(0)[1:]
        if body != '16':
            m = re.fullmatch(r'(?:([2-8])|fp8(e4m3|e5m2))(t?)', body)
            if not m:
                fail(f'activation part "A{body}" should be like A8, A4t, Afp8e4m3 or A16')
            bits, fp, per_tensor = m.groups()
            act = {'kind': 'int' if bits else 'fp', 'bits': int(bits) if bits else 8, 'fp': fp,
                   'per_tensor': per_tensor == 't'}
    layers = list(DEFAULT_LAYERS)
    if parts and parts[0].startswith('L'):
        body = parts.pop(0)[1:]
        chosen = set()
        for ch in body:
            if ch not in LAYER_LETTERS:
                fail(f'unknown layer letter "{ch}" (use q p 1 2 a e h)')
            chosen.add(LAYER_LETTERS[ch])
        if not chosen:
            fail('the layer list is empty')
        layers = [l for l in LAYER_ORDER if l in chosen]
    method = {'kind': 'rtn'}
    if parts and not _transform_token(parts[0]):
        tok = parts.pop(0)
        if tok in ('rtn', 'clip', 'gptq'):
            method = {'kind': tok}
        else:
            m = re.fullmatch(r'sq(0(?:\.\d+)?|1(?:\.0+)?)', tok)
            if not m:
                fail(f'unknown method "{tok}" (rtn, clip, sq<alpha in 0..1>, gptq)')
            method = {'kind': 'smoothquant', 'alpha': float(m.group(1))}
    transforms = {}
    for tok in parts:
        key = _transform_token(tok)
        if not key:
            fail(f'unexpected "{tok}" where a modifier belongs (-had, -lr<rank>, -tg<k>, -mp<bits>)')
        if key in transforms:
            fail(f'the modifier -{TRANSFORM_TOKENS[key]} appears twice')
        transforms[key] = _transform_value(key, tok[len(TRANSFORM_TOKENS[key]):], weight, fail)
    if transforms:
        if weight is None and act['kind'] == 'none':
            fail('nothing is quantised, so a modifier has nothing to act on')
        if 'lowRank' in transforms and weight is None:
            fail('-lr<rank> splits quantised weights, and the weights are not quantised')
        if 'timestepGroups' in transforms and act['kind'] == 'none':
            fail('-tg<k> groups activation scales, and the activations are not quantised')
    return {'text': text, 'weight': weight, 'act': act, 'layers': layers, 'method': method, 'transforms': transforms}


# Setting modifiers (src/quant/vocabulary.ts TRANSFORM_ROWS, in their print order): key -> token.
TRANSFORM_TOKENS = {'hadamard': 'had', 'lowRank': 'lr', 'timestepGroups': 'tg', 'mixedBits': 'mp'}


def _transform_token(tok):
    """The transforms key a token is a modifier of, or None ('had' exactly; 'lr', 'tg', 'mp' followed by a value)."""
    for key, t in TRANSFORM_TOKENS.items():
        if tok == t if key == 'hadamard' else tok.startswith(t):
            return key
    return None


def _transform_value(key, arg, weight, fail):
    if key == 'hadamard':
        return True
    if key in ('lowRank', 'timestepGroups'):
        if not re.fullmatch(r'\d+', arg) or int(arg) < 1:
            fail(f'-{TRANSFORM_TOKENS[key]}: needs a whole number >= 1, got "{arg}"')
        return int(arg)
    if weight is None:
        fail('-mp<bits> needs quantised weights to spread bits over')
    lo, hi = (2, 8) if weight['kind'] == 'int' else (min(f['bits'] for f in FP_SPECS.values()),
                                                     max(f['bits'] for f in FP_SPECS.values()))
    if not re.fullmatch(r'\d+(\.\d+)?', arg) or not lo <= float(arg) <= hi:
        fail(f'-mp: "{arg}" is not a number of bits within {lo}..{hi} for this weight format')
    return float(arg)


def _as_setting(setting):
    return parse_setting(setting) if isinstance(setting, str) else setting


# ---------------------------------------------------------------------------------------------- grids

def _binade_exponent(a):
    """e with 2^e <= a < 2^(e+1) for a > 0 (exact, from frexp); 0 where a == 0 (callers clamp)."""
    _, e = torch.frexp(a)
    return (e - 1).to(torch.float64)


def f16_ceil(x):
    """Smallest f16 value >= x for x >= 0 (f64 in, f64 out; inf beyond 65504)."""
    x = x.to(torch.float64)
    e = torch.clamp(_binade_exponent(torch.where(x > 0, x, torch.ones_like(x))), min=-14.0)
    quantum = torch.pow(2.0, e - 10)
    q = torch.ceil(x / quantum) * quantum
    return torch.where(q > F16_MAX, torch.full_like(q, math.inf), q)


def f16_floor(x):
    """Largest f16 value <= x (any sign; f64), -0 returned as +0; -inf below -65504."""
    x = x.to(torch.float64)
    a = x.abs()
    e = torch.clamp(_binade_exponent(torch.where(a > 0, a, torch.ones_like(a))), min=-14.0)
    quantum = torch.pow(2.0, e - 10)
    down = torch.floor(a / quantum) * quantum  # magnitude rounded down: for x >= 0
    up = torch.ceil(a / quantum) * quantum  # magnitude rounded up: for x < 0
    r = torch.where(x >= 0, down, -up)
    r = torch.where(r < -F16_MAX, torch.full_like(r, -math.inf), r)
    return r + 0.0  # -0 -> +0


def fp_round(x, fp_name):
    """Nearest value of the OCP MX element grid (ties to even, saturating at +-maxFinite); f64 math, same dtype out."""
    spec = FP_SPECS[fp_name]
    xd = x.to(torch.float64)
    a = xd.abs()
    min_normal_exp = 1 - spec['bias']
    e = torch.clamp(_binade_exponent(torch.where(a > 0, a, torch.ones_like(a))), min=float(min_normal_exp))
    quantum = torch.pow(2.0, e - spec['man_bits'])
    q = torch.clamp(torch.round(a / quantum) * quantum, max=spec['max_finite'])
    q = torch.where(a >= spec['max_finite'], torch.full_like(q, spec['max_finite']), q)
    out = torch.where(xd < 0, -q, q)
    return (out + 0.0).to(x.dtype)  # zero results as +0 (code 0)


def fp_grid_values(fp_name):
    """All finite values of the format, ascending (for tests)."""
    spec = FP_SPECS[fp_name]
    vals = set()
    for code in range(1 << spec['bits']):
        sign = -1.0 if (code >> (spec['bits'] - 1)) & 1 else 1.0
        e = (code >> spec['man_bits']) & ((1 << spec['exp_bits']) - 1)
        m = code & ((1 << spec['man_bits']) - 1)
        if fp_name == 'e5m2' and e == 31:
            continue
        if fp_name == 'e4m3' and e == 15 and m == 7:
            continue
        frac = m / (1 << spec['man_bits'])
        v = sign * frac * 2.0 ** (1 - spec['bias']) if e == 0 else sign * (1 + frac) * 2.0 ** (e - spec['bias'])
        vals.add(v + 0.0)
    return sorted(vals)


# ---------------------------------------------------------------------------------------------- weights

def _grouped(w, weight):
    """W [out, in] (f64) -> [G, n] groups (zero padding marked by the mask) and a function back to [out, in]."""
    rows, cols = w.shape
    gran = weight['granularity']
    if gran == 'tensor':
        return w.reshape(1, -1), torch.ones(1, rows * cols, dtype=torch.bool), lambda g: g.reshape(rows, cols)
    size = cols if gran == 'channel' else weight['group_size']
    n_groups = -(-cols // size)
    pad = n_groups * size - cols
    wp = torch.nn.functional.pad(w, (0, pad))
    mask = torch.nn.functional.pad(torch.ones(rows, cols, dtype=torch.bool), (0, pad))
    return (wp.reshape(rows * n_groups, size), mask.reshape(rows * n_groups, size),
            lambda g: g.reshape(rows, n_groups * size)[:, :cols])


def _code_values(weight):
    """value(code) for every code of the format (f64), excluding specials."""
    if weight['kind'] == 'fp':
        return torch.tensor(fp_grid_values(weight['fp']), dtype=torch.float64)
    levels = 1 << weight['bits']
    if weight['symmetric']:
        return torch.arange(levels, dtype=torch.float64) - levels // 2
    return torch.arange(levels, dtype=torch.float64)


def _f16_nearest(x):
    """Nearest f16 of x via f32 (f32ToF16Bits path), as a Python float; inf where it overflows."""
    return float(np.float16(np.float32(x)))


def _fit_constant(weight, c):
    """fitConstantGroup: (scale, offset, dequantised value) for a group whose values all equal c."""
    if c == 0:
        return 0.0
    offset = 0.0
    target = c
    if weight['kind'] == 'int' and not weight['symmetric']:
        offset = float(f16_floor(torch.tensor([c], dtype=torch.float64))[0])
        target = c - offset
        if target == 0:
            return float(np.float32(offset))
    best_value = float(np.float32(np.float32(0.0) + np.float32(offset)))
    best_err = abs(best_value - c)
    for v in _code_values(weight).tolist():
        if v == 0 or math.copysign(1, v) != math.copysign(1, target):
            continue
        scale = _f16_nearest(target / v)
        if not math.isfinite(scale):
            continue
        value = float(np.float32(np.float32(v * scale) + np.float32(offset)))
        err = abs(value - c)
        if err < best_err:
            best_err, best_value = err, value
    return best_value


def fake_quant_weight(w, setting):
    """Dequantised RTN weights of a Linear weight w [out, in] under `setting` (str or parse_setting dict),
    as f32 with the same dtype/device as w (f32 in -> bit-exact with src/quant dequantizeWeight(quantizeWeight)).
    The setting's weight part only; 'fp32'/'W32' returns w unchanged."""
    setting = _as_setting(setting)
    weight = setting['weight']
    if weight is None:
        return w
    if w.dim() != 2:
        raise QuantError(f'fake_quant_weight expects a 2-D [out, in] weight, got shape {tuple(w.shape)}',
                         fix='reshape conv kernels to [out, in*k*k] first')
    if not torch.isfinite(w).all():
        raise QuantError('weight has non-finite values; cannot quantize them', fix='fix the checkpoint first')
    w64 = w.detach().to(torch.float64)
    groups, mask, back = _grouped(w64, weight)
    big = torch.full_like(groups, math.inf)
    gmin = torch.where(mask, groups, big).amin(dim=1, keepdim=True)
    gmax = torch.where(mask, groups, -big).amax(dim=1, keepdim=True)
    if weight['kind'] == 'fp':
        spec = FP_SPECS[weight['fp']]
        scale = f16_ceil(torch.maximum(gmin.abs(), gmax.abs()) / spec['max_finite'])
        _check_f16(scale)
        safe = torch.where(scale > 0, scale, torch.ones_like(scale))
        deq = (fp_round(groups / safe, weight['fp']) * scale).to(torch.float32)
    elif weight['symmetric']:
        half = 2.0 ** (weight['bits'] - 1)
        scale = f16_ceil(torch.clamp(torch.maximum(-gmin / half, gmax / (half - 1)), min=0.0))
        _check_f16(scale)
        safe = torch.where(scale > 0, scale, torch.ones_like(scale))
        code = torch.clamp(torch.round(groups / safe), -half, half - 1)
        deq = (code * scale).to(torch.float32)
    else:
        levels = 2.0 ** weight['bits']
        offset = f16_floor(gmin)
        _check_f16(offset)
        scale = f16_ceil((gmax - offset) / (levels - 1))
        _check_f16(scale)
        safe = torch.where(scale > 0, scale, torch.ones_like(scale))
        code = torch.clamp(torch.round((groups - offset) / safe), 0, levels - 1)
        deq = (code * scale).to(torch.float32) + offset.to(torch.float32)
    constant = (gmin == gmax).squeeze(1)
    if constant.any():
        for i in torch.nonzero(constant).flatten().tolist():
            deq[i] = _fit_constant(weight, float(gmin[i, 0]))
    return back(deq).to(device=w.device, dtype=w.dtype)


def _check_f16(t):
    if not torch.isfinite(t).all():
        raise QuantError('a group scale or offset exceeds the f16 range (max 65504): the weights are too large for this format',
                         code='f16-overflow', fix='rescale the layer or pick a format with a larger range')


# ---------------------------------------------------------------------------------------------- activations

def act_qmax(act):
    if act['kind'] == 'int':
        return float(2 ** (act['bits'] - 1) - 1)
    if act['kind'] == 'fp':
        return FP_SPECS[act['fp']]['max_finite']
    raise QuantError("activation format 'none' has no scale", fix='pick an int or fp format')


def fake_quant_act(x, setting, scale=None):
    """Activation fake quantisation of x [..., in] (f32 math, per token = per row of the last dim), the mirror of
    src/quant/activation.ts fakeQuantActivations. Per-tensor settings ('A8t') need the static `scale`
    (from calibrate_act_scale); without it the tensor's own absmax is used (dynamic per tensor)."""
    setting = _as_setting(setting)
    act = setting['act']
    if act['kind'] == 'none':
        return x
    qmax = act_qmax(act)
    xf = x.to(torch.float32)
    if act['per_tensor']:
        s = torch.tensor(scale, dtype=torch.float32) if scale is not None else xf.detach().abs().amax() / qmax
        s = s.reshape([1] * xf.dim())
    else:
        s = xf.detach().abs().amax(dim=-1, keepdim=True) / qmax
    s = s.to(xf.device)
    safe = torch.where(s > 0, s, torch.ones_like(s))
    if act['kind'] == 'int':
        q = torch.clamp(torch.round(xf / safe), -qmax, qmax)
    else:
        q = fp_round(xf / safe, act['fp'])
    y = torch.where(s > 0, q * s, torch.zeros_like(xf))
    return y.to(x.dtype)


def calibrate_act_scale(samples, setting):
    """Static per-tensor scale: absmax over all samples / qmax (f32), as calibrateActivationScale."""
    act = _as_setting(setting)['act']
    absmax = max(float(s.detach().abs().max()) for s in samples)
    if absmax == 0:
        raise QuantError('calibration samples are all zero', fix='run the model on real inputs to calibrate')
    return float(np.float32(np.float32(absmax) / np.float32(act_qmax(act))))


# ---------------------------------------------------------------------------------------------- STE

class _StraightThrough(torch.autograd.Function):
    """Returns the precomputed quantised tensor exactly (w + (q - w).detach() would re-round in f32) and passes
    the upstream gradient to the latent tensor unchanged."""

    @staticmethod
    def forward(ctx, latent, quantised):
        return quantised

    @staticmethod
    def backward(ctx, grad):
        return grad, None


def ste_weight(w, setting):
    """Forward: exactly fake_quant_weight(w); backward: identity w.r.t. w (straight-through estimator)."""
    if _as_setting(setting)['weight'] is None:
        return w
    return _StraightThrough.apply(w, fake_quant_weight(w.detach(), setting))


def ste_act(x, setting, scale=None):
    """Forward: exactly fake_quant_act(x); backward: identity w.r.t. x."""
    if _as_setting(setting)['act']['kind'] == 'none':
        return x
    return _StraightThrough.apply(x, fake_quant_act(x.detach(), setting, scale))
