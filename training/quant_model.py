"""A VAR or DiT module whose Linear layers compute what the browser engine computes under a quantisation setting
(src/models/runtime/gpuLinear.ts): y = fake_quant_act(x) @ fake_quant_weight(W)^T + b for every Linear of the
setting's layer kinds (src/models/runtime/layers.ts), everything else unchanged.

Layer kinds (the setting letters): qkv (VAR attn.mat_qkv, DiT attn.qkv), proj, fc1, fc2, adaLN (the blocks'
ada_lin.1 / adaLN_modulation.1, whose input is SiLU(cond)), embed (VAR word_embed, DiT t_embedder.mlp.0/.2),
head (VAR head_nm.ada_lin.1 + head, DiT final_layer.adaLN_modulation.1 + final_layer.linear). DiT's patch conv
(also 'embed' in the engine) is not handled here.

In training mode the fake quantisers are straight-through (gradients reach the latent f32 weights and the
inputs unchanged) and the weight is quantised from its f16 rounding, because bundles store f16 weights and the
browser re-quantises those: the exported student is then exactly the trained one. In eval mode the quantised
weight is cached (call `refresh_quant_cache(model)` after changing weights in eval mode).

quantize_model(model, 'W4g32-A8') converts in place (the modules keep their class's parameters and state-dict
keys, so export_bundle.py and load_state_dict work unchanged) and returns the model.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

import hadamard
import quant
from models.var import SelfAttention as VarSelfAttention

VAR_KINDS = [('.attn.mat_qkv', 'qkv'), ('.attn.proj', 'proj'), ('.ffn.fc1', 'fc1'), ('.ffn.fc2', 'fc2'),
             ('.ada_lin.1', 'adaLN')]
DIT_KINDS = [('.attn.qkv', 'qkv'), ('.attn.proj', 'proj'), ('.mlp.fc1', 'fc1'), ('.mlp.fc2', 'fc2'),
             ('.adaLN_modulation.1', 'adaLN')]
VAR_OUTSIDE = {'word_embed': 'embed', 'head_nm.ada_lin.1': 'head', 'head': 'head'}
DIT_OUTSIDE = {'t_embedder.mlp.0': 'embed', 't_embedder.mlp.2': 'embed', 'final_layer.adaLN_modulation.1': 'head',
               'final_layer.linear': 'head'}


def layer_kind(name, family):
    """The setting letter's layer kind of a Linear module path, or None."""
    if name.startswith('blocks.'):
        for suffix, kind in (VAR_KINDS if family == 'var' else DIT_KINDS):
            if name.endswith(suffix):
                return kind
        return None
    return (VAR_OUTSIDE if family == 'var' else DIT_OUTSIDE).get(name)


class FakeQuantLinear(nn.Linear):
    """nn.Linear whose forward fake-quantises its input and weight (set up by quantize_model via class swap)."""

    setting = None
    quant_weight_on = False
    quant_act_on = False
    _cached = None
    # Set by ptq_model.apply_method: the weight a calibration-based method computed (already quantised where the
    # setting quantises this Linear), and the static per-tensor activation scale of per-tensor settings.
    prepared_weight = None
    act_scale = None
    # -had: the input is rotated by R and the weight by W R before their quantisers (training/hadamard.py).
    hadamard = False
    # -lr (ptq_model.apply_low_rank): 1/s multiplied into the input before its quantiser where it is not folded
    # (input_scale), and the f16 branch (up [N, r], down [r, K]) added to the output on the unquantised input.
    input_scale = None
    low_rank = None

    def branch(self, x):
        """The -lr branch's output (x down^T) up^T, or 0."""
        if self.low_rank is None:
            return 0
        up, down = self.low_rank
        return F.linear(F.linear(x, down), up)

    def quantised_input(self, x):
        if self.hadamard:
            x = hadamard.rotate_rows(x)
        if self.input_scale is not None:
            x = x * self.input_scale
        if not self.quant_act_on:
            return x
        if self.training:
            return quant.ste_act(x, self.setting)
        return quant.fake_quant_act(x, self.setting, self.act_scale)

    def quantised_weight(self):
        if self.prepared_weight is not None:
            return self.prepared_weight
        if not self.quant_weight_on:
            return hadamard.rotate_rows(self.weight) if self.hadamard else self.weight
        if not self.training:
            if self._cached is None:
                with torch.no_grad():
                    w = self.weight.detach().half().float()
                    self._cached = quant.fake_quant_weight(hadamard.rotate_rows(w) if self.hadamard else w, self.setting)
            return self._cached
        if self.hadamard:
            raise quant.QuantError('-had is not mirrored for training (QAT)', code='setting-unsupported',
                                   fix='train without -had')
        self._cached = None
        q = quant.fake_quant_weight(self.weight.detach().half().float(), self.setting)
        return quant._StraightThrough.apply(self.weight, q)

    def forward(self, x):
        return F.linear(self.quantised_input(x), self.quantised_weight(), self.bias) + self.branch(x)


class FakeQuantVarAttention(VarSelfAttention):
    """models.var.SelfAttention with mat_qkv going through the fake quantisers (the original calls F.linear on
    mat_qkv.weight directly to add the concatenated q/k/v bias); the rest is the same computation."""

    def forward(self, x, attn_bias):
        B, L, C = x.shape
        bias = torch.cat((self.q_bias, self.zero_k_bias, self.v_bias))
        qkv = F.linear(self.mat_qkv.quantised_input(x), self.mat_qkv.quantised_weight(), bias) + self.mat_qkv.branch(x)
        qkv = qkv.view(B, L, 3, self.H, self.hd).permute(2, 0, 3, 1, 4)
        q, k, v = qkv.unbind(0)
        scale_mul = self.scale_mul_1H11.clamp(max=self.max_scale_mul).exp()
        q = F.normalize(q, dim=-1) * scale_mul
        k = F.normalize(k, dim=-1)
        if self.caching:
            if self.cache_k is not None:
                k = torch.cat((self.cache_k, k), dim=2)
                v = torch.cat((self.cache_v, v), dim=2)
            self.cache_k, self.cache_v = k, v
        att = q @ k.transpose(-2, -1)
        if attn_bias is not None:
            att = att + attn_bias
        out = att.softmax(-1) @ v
        return self.proj(out.transpose(1, 2).reshape(B, L, C))


NOT_MIRRORED = {'timestepGroups': '-tg<k>'}


def quantize_model(model, setting, family=None, bits_by_linear=None):
    """In place: every Linear of the setting's layer kinds becomes a FakeQuantLinear. Returns the model.
    bits_by_linear ({Linear name: INT width}, the -mp allocation): those Linears quantise their weights at that
    width, the setting's granularity and symmetry kept."""
    setting = quant._as_setting(setting)
    family = family or ('var' if hasattr(model, 'word_embed') else 'dit')
    for key, token in NOT_MIRRORED.items():
        if key in setting.get('transforms', {}):
            raise quant.QuantError(f'{setting["text"]}: {token} is not mirrored in PyTorch', code='setting-unsupported',
                                   fix='measure it with the WebGPU engine (npm run sweep)')
    if 'mixedBits' in setting.get('transforms', {}) and bits_by_linear is None:
        raise quant.QuantError(f'{setting["text"]}: -mp needs the per-Linear widths', code='setting-unsupported',
                               fix='pass bits_by_linear (mixed_precision.allocation_for)')
    rotate = bool(setting.get('transforms', {}).get('hadamard'))
    if family == 'dit' and 'embed' in setting['layers']:
        raise quant.QuantError('the DiT patch conv (layer letter e) is not mirrored in PyTorch', code='setting-unsupported',
                               fix='drop the e from the layer list')
    for name, m in model.named_modules():
        if isinstance(m, nn.Linear):
            kind = layer_kind(name, family)
            m.__class__ = FakeQuantLinear
            m.setting = setting
            m.quant_weight_on = kind is not None and setting['weight'] is not None and kind in setting['layers']
            m.quant_act_on = kind is not None and setting['act']['kind'] != 'none' and kind in setting['layers']
            if bits_by_linear and name in bits_by_linear:
                m.setting = {**setting, 'weight': {**setting['weight'], 'bits': bits_by_linear[name]}}
            m.hadamard = rotate and (m.quant_weight_on or m.quant_act_on)
            m._cached = None
            m.prepared_weight = m.act_scale = m.input_scale = m.low_rank = None
        elif family == 'var' and type(m) is VarSelfAttention:
            m.__class__ = FakeQuantVarAttention
    return model


def refresh_quant_cache(model):
    for m in model.modules():
        if isinstance(m, FakeQuantLinear):
            m._cached = None
    return model


def quantised_layers(model):
    """Names of the Linears whose weights are quantised (for logs and tests)."""
    return [n for n, m in model.named_modules() if isinstance(m, FakeQuantLinear) and m.quant_weight_on]
