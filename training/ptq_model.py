"""Calibration-based settings on a whole PyTorch model, as the engine runs them, so that the PyTorch sweep
(sweep_torch.py) measures GPTQ, SmoothQuant and static per-tensor activation scales too:

  - calibration (src/engine/generation/calibration.ts): the fp32 model samples class-balanced images while every
    Linear input is recorded. Static per-tensor scales ('-A8t'): CALIBRATION['scale_images'] images, one of each
    class, seed 0, absmax / qmax. SmoothQuant and GPTQ: CALIBRATION['ptq_images'] images, image i of class
    i mod 10, in batches of CALIBRATION['ptq_batch'] (batch b with seed b): per-channel absmax and X^T X (f64).
    DiT calibrates with CALIBRATION['dit_steps'] DDPM steps, VAR over all scales; both with the zoo's CFG
    (cond and uncond rows).
  - GPTQ (src/quant/gptq.ts; ref_ptq.gptq_hessian): H = 2 X^T X from the fp32 model's inputs for every layer at
    once (one calibration run), the weight read as the bundle's f16 values.
  - SmoothQuant folded (src/models/runtime/methodWeights.ts): only qkv and fc1 are smoothed; W' = W diag(s) is
    quantised with the setting's weight quantiser and 1/s folds into the block's adaLN rows that produce that
    LayerNorm's scale and shift (scale' = (1 + scale)/s - 1, shift' = shift/s); the folded adaLN is then quantised
    like any adaLN. Other Linears stay plain RTN.

What cannot match the engine: the calibration draws (torch.Generator is not the engine's PRNG), so a GPTQ or
SmoothQuant point measured here and one measured by the WebGPU engine agree in distribution, not sample by sample;
engineAgreement's check (|d| <= 3 sigma) is how they are compared. Point method names are the engine's
('gptq128', 'sq<alpha>-folded').
"""
import torch
import torch.nn as nn

import quant
import ref_ptq
import zoo
from quant_model import FakeQuantLinear, layer_kind

CALIBRATION = {'seed': 0, 'dit_steps': 10, 'scale_images': 10, 'ptq_images': 128, 'ptq_batch': 16}

# Where a smoothed Linear's 1/s folds: (adaLN Linear suffix, scale chunk, shift chunk), as smoothFoldOf.
# VAR ada_lin chunks: gamma1, gamma2, scale1, scale2, shift1, shift2; DiT: shift_msa, scale_msa, gate_msa,
# shift_mlp, scale_mlp, gate_mlp.
FOLDS = {'attn.mat_qkv': ('ada_lin.1', 2, 4), 'ffn.fc1': ('ada_lin.1', 3, 5),
         'attn.qkv': ('adaLN_modulation.1', 1, 0), 'mlp.fc1': ('adaLN_modulation.1', 4, 3)}


def method_name(setting):
    """The name a measured point gives its method, as the engine does (qualityRun.ts)."""
    m = quant._as_setting(setting)['method']
    if m['kind'] == 'gptq':
        return f"gptq{CALIBRATION['ptq_images']}"
    if m['kind'] == 'smoothquant':
        return f"sq{m['alpha']:g}-folded"
    return m['kind']


def needs_calibration(setting):
    s = quant._as_setting(setting)
    return (s['method']['kind'] in ('gptq', 'smoothquant') or (s['act']['kind'] != 'none' and s['act']['per_tensor'])
            or 'lowRank' in s['transforms'])


def ptq_batches(images, batch, classes=10):
    """Labels of the calibration batches: image i asks for class i mod classes (ptqCalibrationBatches)."""
    return [[(first + i) % classes for i in range(min(batch, images - first))] for first in range(0, images, batch)]


class InputRecorder:
    """Forward pre-hooks on the named Linears: per-channel absmax (f32) and, with gram, X^T X (f64) of their inputs."""

    def __init__(self, modules, gram):
        self.stats = {}
        self.handles = []
        for name, m in modules.items():
            cols = m.mat_qkv.in_features if hasattr(m, 'mat_qkv') else m.in_features
            self.stats[name] = {'absmax': torch.zeros(cols), 'gram': None}
            self.handles.append(m.register_forward_pre_hook(self._hook(name, gram)))

    def _hook(self, name, gram):
        def record(_module, args):
            x = args[0].detach().reshape(-1, args[0].shape[-1]).float()
            st = self.stats[name]
            st['absmax'] = torch.maximum(st['absmax'], x.abs().amax(dim=0))
            if gram:
                xd = x.double()
                st['gram'] = xd.T @ xd if st['gram'] is None else st['gram'] + xd.T @ xd
        return record

    def close(self):
        for h in self.handles:
            h.remove()


@torch.no_grad()
def sample_for_calibration(model, family, labels, seed, decoder):
    labels = torch.tensor(labels)
    if family == 'var':
        zoo.var_sample(model, decoder.quantize, labels, cfg=zoo.VAR_SAMPLING['cfg'], top_k=zoo.VAR_SAMPLING['topK'],
                       top_p=zoo.VAR_SAMPLING['topP'], generator=torch.Generator().manual_seed(seed))
    else:
        diffusion = zoo.Diffusion.respaced(1000, CALIBRATION['dit_steps'])
        zoo.dit_sample(model, diffusion, labels, cfg=zoo.DIT_SAMPLING['cfg'], method='ddpm',
                       generator=torch.Generator().manual_seed(seed))


def calibrate(model, family, decoder, names, batches, gram):
    """Statistics of the inputs of the Linears `names` while the (full-precision) model samples `batches`."""
    all_modules = dict(model.named_modules())
    # VAR's attention calls F.linear on mat_qkv's weight (to add its q/v bias) instead of calling mat_qkv, so
    # mat_qkv's input is recorded at its attention module, whose input it is.
    modules = {n: all_modules[n[:-len('.mat_qkv')]] if n.endswith('attn.mat_qkv') else all_modules[n] for n in names}
    recorder = InputRecorder(modules, gram)
    try:
        for b, labels in enumerate(batches):
            sample_for_calibration(model, family, labels, CALIBRATION['seed'] + b, decoder)
    finally:
        recorder.close()
    return recorder.stats


def fold_target(name):
    block, _, layer = name.partition('.')[2].partition('.')
    if layer not in FOLDS:
        return None
    ada, scale_chunk, shift_chunk = FOLDS[layer]
    return f'blocks.{block}.{ada}', scale_chunk, shift_chunk


def fold_smoothing(weight, bias, scale_chunk, shift_chunk, inv):
    """adaLN weight [6C, K] and bias [6C] with 1/s (`inv`, f32 [C]) folded into one scale and one shift chunk
    (foldSmoothing: weights one f32 rounding of w * inv; bias (1 + b) inv - 1 computed in f64, rounded once)."""
    C = inv.shape[0]
    w, b = weight.clone(), bias.clone()
    for chunk in (scale_chunk, shift_chunk):
        rows = slice(chunk * C, (chunk + 1) * C)
        w[rows] = weight[rows] * inv[:, None]
    rs, rh = slice(scale_chunk * C, (scale_chunk + 1) * C), slice(shift_chunk * C, (shift_chunk + 1) * C)
    b[rs] = ((1 + bias[rs].double()) * inv.double() - 1).float()
    b[rh] = (bias[rh].double() * inv.double()).float()
    return w, b


def prepare(module, weight_f32, setting):
    """The module computes with this f32 weight: quantised now if the setting quantises it (no f16 rounding: the
    engine quantises the method's f32 result), else as is."""
    module.prepared_weight = quant.fake_quant_weight(weight_f32, setting) if module.quant_weight_on else weight_f32


def apply_gptq(model, stats, setting):
    for name, m in model.named_modules():
        if isinstance(m, FakeQuantLinear) and m.quant_weight_on:
            w = m.weight.detach().half().float()
            m.prepared_weight = ref_ptq.gptq_hessian(w, 2.0 * stats[name]['gram'], setting)


def smooth(m, w, absmax, alpha, setting):
    """SmoothQuant on one Linear (smoothingFactors / smoothLinear): its smoothed weight W diag(s) and 1/s (f32); sets
    the static scale of the smoothed input for per-tensor settings."""
    s = ref_ptq.smooth_factors_from_absmax(absmax, w, alpha)
    inv = (1.0 / s.double()).float()
    m.act_scale = static_scale(absmax * inv, setting)
    return w * s[None, :], inv


def fold_into(folds, modules, target, inv):
    """Folds 1/s into the adaLN rows of `target` (fold_target's triple), on top of the folds made so far."""
    ada_name, scale_chunk, shift_chunk = target
    ada = modules[ada_name]
    before = folds.get(ada_name, (ada.weight.detach().half().float(), ada.bias.detach().half().float()))
    folds[ada_name] = fold_smoothing(*before, scale_chunk, shift_chunk, inv)


def apply_smoothquant(model, stats, setting):
    alpha = setting['method']['alpha']
    modules = dict(model.named_modules())
    folded = {}
    for name, m in modules.items():
        if not (isinstance(m, FakeQuantLinear) and m.quant_act_on):
            continue
        target = fold_target(name)
        if target is None:
            continue  # no per-channel affine before it: plain RTN
        smoothed, inv = smooth(m, m.weight.detach().half().float(), stats[name]['absmax'], alpha, setting)
        prepare(m, smoothed, setting)
        fold_into(folded, modules, target, inv)
    for ada_name, (w, b) in folded.items():
        ada = modules[ada_name]
        prepare(ada, w, setting)
        ada.bias.data.copy_(b)


def static_scale(channel_absmax, setting):
    """Per-tensor static scale (absmax / qmax, f32) for per-tensor settings, else None (per token)."""
    act = setting['act']
    if act['kind'] == 'none' or not act['per_tensor']:
        return None
    return float(channel_absmax.float().amax() / quant.act_qmax(act))


def apply_method(model, family, setting, decoder):
    """After quantize_model(model, setting): calibrate the full-precision forward (the quantisers switched off)
    and prepare what the setting's method and static scales need. Returns the model."""
    setting = quant._as_setting(setting)
    if not needs_calibration(setting):
        return model
    if 'lowRank' in setting['transforms']:
        return apply_low_rank(model, family, setting, decoder)
    if setting['transforms'].get('hadamard'):  # as the engine (methodWeights.ts requireTransformsSupported)
        raise quant.QuantError(f"{setting['text']}: -had with calibration (GPTQ, SmoothQuant, static scales) is not "
                               'implemented (the statistics would have to be rotated too)', code='setting-unsupported',
                               fix='use -had with RTN or -clip and per-token activations, or drop -had')
    linears = [n for n, m in model.named_modules() if isinstance(m, FakeQuantLinear) and layer_kind(n, family)]
    with full_precision(model):
        per_tensor = setting['act']['kind'] != 'none' and setting['act']['per_tensor']
        if per_tensor and setting['method']['kind'] != 'smoothquant':
            scale_stats = calibrate(model, family, decoder, linears, [list(range(CALIBRATION['scale_images']))], False)
        method = setting['method']['kind']
        if method in ('gptq', 'smoothquant'):
            ptq = ptq_batches(CALIBRATION['ptq_images'], CALIBRATION['ptq_batch'])
            stats = calibrate(model, family, decoder, linears, ptq, method == 'gptq')
    if per_tensor and setting['method']['kind'] != 'smoothquant':
        for n, m in model.named_modules():
            if isinstance(m, FakeQuantLinear) and m.quant_act_on:
                m.act_scale = static_scale(scale_stats[n]['absmax'], setting)
    if setting['method']['kind'] == 'gptq':
        apply_gptq(model, stats, setting)
    elif setting['method']['kind'] == 'smoothquant':
        if setting['act']['kind'] == 'none':
            raise quant.QuantError(f"{setting['text']}: SmoothQuant needs activation quantisation",
                                   code='setting-unsupported', fix='add an activation format (e.g. W8c-A8-sq0.5)')
        if per_tensor:
            for n, m in model.named_modules():
                if isinstance(m, FakeQuantLinear) and m.quant_act_on and m.act_scale is None:
                    m.act_scale = static_scale(stats[n]['absmax'], setting)
        apply_smoothquant(model, stats, setting)
    return model


def apply_low_rank(model, family, setting, decoder):
    """-lr<r> as the engine's prepareLowRank (src/models/runtime/methodWeights.ts), on every weight-quantised Linear:
    with quantised activations, smooth (alpha from -sq<alpha>, else 0.5) and fold 1/s into the block's adaLN for qkv
    and fc1 when that adaLN is weight-quantised too, else keep 1/s at run time (input_scale; the branch's down factor
    carries it); split into an f16 rank-r branch and a residual (training/low_rank.py) and quantise the residual."""
    import low_rank  # noqa: E402 (imports this module's neighbours)
    t = setting['transforms']
    if setting['method']['kind'] == 'gptq' or t.get('hadamard') or 'mixedBits' in t:
        raise quant.QuantError(f"{setting['text']}: -lr with GPTQ, -had or -mp is not implemented (as in the engine)",
                               code='setting-unsupported', fix='use -lr with RTN or -sq<alpha>')
    rank = t['lowRank']
    alpha = setting['method']['alpha'] if setting['method']['kind'] == 'smoothquant' else 0.5
    act = setting['act']['kind'] != 'none'
    modules = dict(model.named_modules())
    targets = [n for n, m in modules.items() if isinstance(m, FakeQuantLinear) and m.quant_weight_on]
    stats = {}
    if act:
        with full_precision(model):
            ptq = ptq_batches(CALIBRATION['ptq_images'], CALIBRATION['ptq_batch'])
            stats = calibrate(model, family, decoder, targets, ptq, False)

    def fold_of(name):
        target = fold_target(name)
        return target if target and target[0] in modules and modules[target[0]].quant_weight_on else None

    folds = {}
    for name in [n for n in targets if fold_of(n)] + [n for n in targets if not fold_of(n)]:
        m = modules[name]
        w = folds[name][0] if name in folds else m.weight.detach().half().float()
        target, c = w, None
        if act and m.quant_act_on:
            target, inv = smooth(m, w, stats[name]['absmax'], alpha, setting)
            fold = fold_of(name)
            if fold:
                fold_into(folds, modules, fold, inv)
            else:
                c = inv
        up, down, residual = low_rank.low_rank_split(target, rank, c)
        m.residual = residual  # unquantised, for tests
        m.prepared_weight = quant.fake_quant_weight(residual, setting)
        m.input_scale = c
        m.low_rank = (up, down)
        if name in folds:
            m.bias.data.copy_(folds[name][1])
    return model


class full_precision:
    """Context: every FakeQuantLinear computes in full precision (what the engine's fp32 calibration model sees)."""

    def __init__(self, model):
        self.linears = [m for m in model.modules() if isinstance(m, FakeQuantLinear)]

    def __enter__(self):
        self.saved = [(m.quant_weight_on, m.quant_act_on) for m in self.linears]
        for m in self.linears:
            m.quant_weight_on = m.quant_act_on = False

    def __exit__(self, *exc):
        for m, (w, a) in zip(self.linears, self.saved):
            m.quant_weight_on, m.quant_act_on = w, a


assert issubclass(FakeQuantLinear, nn.Linear)
