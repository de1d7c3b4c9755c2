"""Converts official checkpoints into bundles (docs/bundle-format.md), reusing export_bundle's writers.

  python3 training/convert_official.py var --var var_d16.pth --vae vae_ch160v4096z32.pth --out DIR
  python3 training/convert_official.py dit --dit DiT-XL-2-256x256.pt --vae sd-vae-ft-ema.bin --out DIR

VAR (FoundationVision/VAR, MIT): the transformer keys already match ours; the buffers lvl_1L,
attn_bias_for_masking, zero_k_bias are dropped (they follow from patchNums). The tokenizer bundle ships the
codebook + Phi convs as weights and post_quant_conv + decoder as ONNX (f_hat -> image).
DiT (facebookresearch/DiT): same key names as ours; heads are not stored in the weights (--heads, default from
the official S/B/L/XL widths). The SD VAE decoder (CompVis/LDM or diffusers key layout) becomes the vae
bundle's ONNX (scaled latent -> image). The decoders are our own LDM-style modules (decoder.up.N.block.M ...),
written from the published architecture and checked by loading every decoder key with its exact shape.
Everything is inferred from tensor shapes; a checkpoint with other options (shared AdaLN, no L2-norm attention,
fixed sigma, ...) is rejected with a ConversionError naming what differs. Not shipped: the VQ-VAE encoder
(no tokenizer goldens, which would need an input image) and any classifier (official bundles carry no metrics).
"""
import argparse
import hashlib
import json
import math
import os
import re
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import export_bundle as eb  # noqa: E402
import safetensors_io  # noqa: E402
import zoo  # noqa: E402
from models.vqvae import MultiScaleQuantizer, phi_index, phi_ticks  # noqa: E402

OFFICIAL_VAR_PATCH_NUMS = (1, 2, 3, 4, 5, 6, 8, 10, 13, 16)
DIT_HEADS_BY_WIDTH = {384: 6, 768: 12, 1024: 16, 1152: 16}  # DiT-S/B/L/XL
IMAGENET = {'name': 'imagenet', 'imageSize': 256, 'channels': 3, 'range': [-1, 1], 'numClasses': 1000}
VAR_SAMPLING = {'cfg': 1.5, 'topK': 900, 'topP': 0.96, 'seed': 0}  # official FID recipe
# Official sample.py steps and FID cfg; the official forward_with_cfg guides only the first 3 latent channels, and
# its DDIM respacing ("ddimN") takes an integer stride: both are manifest options the engine follows for these bundles.
DIT_SAMPLING = {'method': 'ddpm', 'steps': 250, 'cfg': 1.5, 'seed': 0, 'guidanceChannels': 3, 'ddimSpacing': 'ddimN'}


class ConversionError(Exception):
    pass


def load_state(path):
    """A state dict from .pt/.pth/.bin (raw, or wrapped as ema/model/state_dict) or .safetensors."""
    if path.endswith('.safetensors'):
        return {k: torch.from_numpy(np.array(v)) for k, v in safetensors_io.load(path)[0].items()}
    sd = torch.load(path, map_location='cpu')
    for key in ('ema', 'model', 'state_dict'):  # training checkpoints: prefer the EMA weights
        if isinstance(sd, dict) and isinstance(sd.get(key), dict):
            sd = sd[key]
            break
    # DDP wrappers add 'module.'; a full Stable Diffusion checkpoint nests its VAE under 'first_stage_model.'.
    if any(k.startswith('first_stage_model.') for k in sd):
        sd = {k[len('first_stage_model.'):]: v for k, v in sd.items() if k.startswith('first_stage_model.')}
    return {k[7:] if k.startswith('module.') else k: v for k, v in sd.items()}


def require_keys(found, expected, what):
    """Exact key/shape match: a silently ignored or missing weight would give a wrong but plausible model."""
    missing = sorted(set(expected) - set(found))
    extra = sorted(set(found) - set(expected))
    wrong = sorted(k for k in set(found) & set(expected) if tuple(found[k].shape) != tuple(expected[k].shape))
    if missing or extra or wrong:
        shapes = [f'{k} {tuple(found[k].shape)} (expected {tuple(expected[k].shape)})' for k in wrong[:5]]
        raise ConversionError(f'{what}: missing {missing[:8]}, unexpected {extra[:8]}, wrong shapes {shapes}')


def count(sd, pattern):
    """How many distinct N make `pattern` (with {} for N) a key of sd, e.g. count(sd, 'blocks.{}.attn.qkv.weight')."""
    rx = re.compile(re.escape(pattern).replace(r'\{\}', r'(\d+)') + '$')
    return len({m.group(1) for m in map(rx.match, sd) if m})


# ---------- LDM-style decoder (VAR's VQ-VAE decoder and the SD VAE decoder share this design) ----------

class ResBlock(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.norm1, self.conv1 = nn.GroupNorm(32, cin, eps=1e-6), nn.Conv2d(cin, cout, 3, padding=1)
        self.norm2, self.conv2 = nn.GroupNorm(32, cout, eps=1e-6), nn.Conv2d(cout, cout, 3, padding=1)
        self.nin_shortcut = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x):
        h = self.conv1(F.silu(self.norm1(x)))
        return self.nin_shortcut(x) + self.conv2(F.silu(self.norm2(h)))


class AttnBlock(nn.Module):
    """Single-head spatial self-attention, softmax(q k^T / sqrt(C)); `fused` = VAR's one qkv conv, else LDM's q/k/v."""

    def __init__(self, c, fused):
        super().__init__()
        self.norm, self.fused = nn.GroupNorm(32, c, eps=1e-6), fused
        if fused:
            self.qkv = nn.Conv2d(c, 3 * c, 1)
        else:
            self.q, self.k, self.v = nn.Conv2d(c, c, 1), nn.Conv2d(c, c, 1), nn.Conv2d(c, c, 1)
        self.proj_out = nn.Conv2d(c, c, 1)

    def forward(self, x):
        B, C, H, W = x.shape
        h = self.norm(x)
        q, k, v = self.qkv(h).chunk(3, dim=1) if self.fused else (self.q(h), self.k(h), self.v(h))
        q, k, v = (t.reshape(B, C, H * W) for t in (q, k, v))
        w = torch.softmax(q.transpose(1, 2) @ k / math.sqrt(C), dim=-1)  # [B, HW query, HW key]
        return x + self.proj_out((v @ w.transpose(1, 2)).reshape(B, C, H, W))


class Upsample(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2.0, mode='nearest'))


class LdmDecoder(nn.Module):
    """conv_in -> mid (res, attn, res) -> up levels from the deepest (res blocks [+ attn], upsample) -> norm, conv_out.
    up[i] is level i (0 = full resolution), as in the checkpoints' key names."""

    def __init__(self, z_ch, out_ch, level_ch, blocks, attn_levels, fused_attn):
        super().__init__()
        top = level_ch[-1]
        self.conv_in = nn.Conv2d(z_ch, top, 3, padding=1)
        self.mid = nn.Module()
        self.mid.block_1, self.mid.attn_1, self.mid.block_2 = ResBlock(top, top), AttnBlock(top, fused_attn), ResBlock(top, top)
        self.up = nn.ModuleList()
        cin = top
        ups = []
        for i in reversed(range(len(level_ch))):
            lvl = nn.Module()
            lvl.block = nn.ModuleList([ResBlock(cin if j == 0 else level_ch[i], level_ch[i]) for j in range(blocks)])
            lvl.attn = nn.ModuleList([AttnBlock(level_ch[i], fused_attn) for _ in range(blocks)] if i in attn_levels else [])
            if i != 0:
                lvl.upsample = Upsample(level_ch[i])
            cin = level_ch[i]
            ups.insert(0, lvl)
        self.up.extend(ups)
        self.norm_out = nn.GroupNorm(32, level_ch[0], eps=1e-6)
        self.conv_out = nn.Conv2d(level_ch[0], out_ch, 3, padding=1)

    def forward(self, z):
        h = self.mid.block_2(self.mid.attn_1(self.mid.block_1(self.conv_in(z))))
        for i in reversed(range(len(self.up))):
            lvl = self.up[i]
            for j, block in enumerate(lvl.block):
                h = block(h)
                if len(lvl.attn):
                    h = lvl.attn[j](h)
            if i != 0:
                h = lvl.upsample(h)
        return self.conv_out(F.silu(self.norm_out(h)))


def build_decoder(sd):
    """The decoder described by `decoder.*` keys (LDM names), loaded strictly; returns (module, image channels)."""
    d = {k[len('decoder.'):]: v for k, v in sd.items() if k.startswith('decoder.')}
    if not d:
        raise ConversionError('no decoder.* weights in the autoencoder checkpoint')
    n_levels = count(d, 'up.{}.block.0.conv1.weight')
    level_ch = [d[f'up.{i}.block.0.conv1.weight'].shape[0] for i in range(n_levels)]
    blocks = count(d, 'up.0.block.{}.conv1.weight')
    attn_levels = {i for i in range(n_levels) if f'up.{i}.attn.0.proj_out.weight' in d}
    dec = LdmDecoder(d['conv_in.weight'].shape[1], d['conv_out.weight'].shape[0], level_ch, blocks, attn_levels,
                     fused_attn='mid.attn_1.qkv.weight' in d)
    require_keys(d, dec.state_dict(), 'decoder')
    dec.load_state_dict(d)
    return dec.eval(), d['conv_out.weight'].shape[0]


def diffusers_to_ldm(sd):
    """Renames a diffusers AutoencoderKL state dict to CompVis/LDM names (identity for LDM checkpoints)."""
    if not any(k.startswith('decoder.up_blocks.') for k in sd):
        return dict(sd)
    n_up = count(sd, 'decoder.up_blocks.{}.resnets.0.conv1.weight')
    attn = {'to_q': 'q', 'query': 'q', 'to_k': 'k', 'key': 'k', 'to_v': 'v', 'value': 'v', 'to_out.0': 'proj_out',
            'proj_attn': 'proj_out', 'group_norm': 'norm'}
    out = {}
    for k, v in sd.items():
        n = k.replace('decoder.mid_block.resnets.0.', 'decoder.mid.block_1.').replace('decoder.mid_block.resnets.1.', 'decoder.mid.block_2.')
        n = n.replace('decoder.conv_norm_out.', 'decoder.norm_out.').replace('.conv_shortcut.', '.nin_shortcut.')
        if n.startswith('decoder.up_blocks.'):
            parts = n.split('.')
            parts[1:3] = ['up', str(n_up - 1 - int(parts[2]))]  # diffusers counts from the deepest level
            n = '.'.join(parts).replace('.resnets.', '.block.').replace('.upsamplers.0.', '.upsample.')
        if n.startswith('decoder.mid_block.attentions.0.'):
            rest = n[len('decoder.mid_block.attentions.0.'):]
            name, param = rest.rsplit('.', 1)
            n = f'decoder.mid.attn_1.{attn.get(name, name)}.{param}'
            if param == 'weight' and v.ndim == 2:  # linear -> 1x1 conv
                v = v[:, :, None, None]
        out[n] = v
    return out


# ---------- VAR ----------

def var_config(sd, patch_nums=None):
    if 'blocks.0.ada_gss' in sd:
        raise ConversionError('unsupported VAR variant: shared AdaLN (shared_aln=True)')
    if 'blocks.0.attn.scale_mul_1H11' not in sd:
        raise ConversionError('unsupported VAR variant: attention without L2 norm (attn_l2_norm=False)')
    depth = count(sd, 'blocks.{}.attn.mat_qkv.weight')
    C, L = sd['pos_1LC'].shape[2], sd['pos_1LC'].shape[1]
    if C != 64 * depth or sd['blocks.0.attn.scale_mul_1H11'].shape[1] != depth:
        raise ConversionError(f'width {C} / heads for depth {depth}: only the official rule width 64*depth, heads = depth is supported')
    if 'lvl_1L' in sd:  # the buffer lists each token's scale: the patch numbers follow from the counts
        counts = torch.bincount(sd['lvl_1L'].flatten().long()).tolist()
        patch_nums = [int(round(math.sqrt(c))) for c in counts]
    patch_nums = tuple(patch_nums or OFFICIAL_VAR_PATCH_NUMS)
    if sum(p * p for p in patch_nums) != L or len(patch_nums) != sd['lvl_embed.weight'].shape[0]:
        raise ConversionError(f'patch_nums {patch_nums} do not give the checkpoint L={L}, K={sd["lvl_embed.weight"].shape[0]}: pass --patch-nums')
    return {'depth': depth, 'vocab_size': sd['head.weight'].shape[0], 'cvae': sd['word_embed.weight'].shape[1],
            'patch_nums': list(patch_nums), 'num_classes': sd['class_emb.weight'].shape[0] - 1, 'cond_drop_rate': 0.0}


def build_var(sd, patch_nums=None):
    config = var_config(sd, patch_nums)
    weights = {k: v.float() for k, v in sd.items() if k.split('.')[-1] not in eb.VAR_SKIP}
    expected = {k: v for k, v in zoo.VAR(**config).state_dict().items() if k.split('.')[-1] not in eb.VAR_SKIP}
    require_keys(weights, expected, 'VAR transformer')
    var = zoo.build_var(weights, config)
    for b in var.blocks:
        # A derived zero buffer (not shipped, docs/bundle-format.md): non-persistent keeps it out of state_dict
        # whatever export_var's filter matches (blocks.N.attn.zero_k_bias is nested, unlike lvl_1L).
        b.attn.register_buffer('zero_k_bias', b.attn.zero_k_bias, persistent=False)
    return check_fp16(var, 'VAR'), config


def check_fp16(model, what):
    bad = [n for n, p in model.named_parameters() if not torch.isfinite(p).all()]
    if bad:
        raise ConversionError(f'{what}: {bad[:5]} overflow fp16 (|w| > 65504); the bundle format ships fp16 weights')
    return model


class Tokenizer(nn.Module):
    """The official VQ-VAE minus its encoder: what VAR sampling and its goldens need (quantize + fhat_to_img)."""

    def __init__(self, sd, patch_nums):
        super().__init__()
        q = {k[len('quantize.'):]: v for k, v in sd.items() if k.startswith('quantize.') and 'ema_vocab_hit' not in k}
        V, C = q['embedding.weight'].shape
        n_phi = count(q, 'quant_resi.qresi_ls.{}.weight')
        self.quantize = MultiScaleQuantizer(V, C, patch_nums, n_phi)
        require_keys(q, self.quantize.state_dict(), 'VQ-VAE quantize')
        self.quantize.load_state_dict(q)
        self.post_quant_conv = nn.Conv2d(C, C, sd['post_quant_conv.weight'].shape[-1], padding=sd['post_quant_conv.weight'].shape[-1] // 2)
        self.post_quant_conv.load_state_dict({'weight': sd['post_quant_conv.weight'], 'bias': sd['post_quant_conv.bias']})
        self.decoder, self.image_channels = build_decoder(sd)
        # What the bundle ships: the quantizer (weights.safetensors) and post_quant_conv + decoder (decoder.onnx); the
        # encoder and quant_conv are not converted, and ema_vocab_hit is a training statistic, not a parameter.
        self.params_total = sum(v.numel() for k, v in sd.items()
                                if k.startswith(('quantize.', 'post_quant_conv.', 'decoder.')) and 'ema_vocab_hit' not in k)

    def fhat_to_img(self, f_hat):
        return self.decoder(self.post_quant_conv(f_hat)).clamp(-1, 1)

    def forward(self, f_hat):  # the ONNX graph
        return self.fhat_to_img(f_hat)


# ---------- DiT ----------

def dit_config(sd, heads=None):
    depth = count(sd, 'blocks.{}.attn.qkv.weight')
    _, T, D = sd['pos_embed'].shape
    w = sd['x_embedder.proj.weight']
    p, cin = w.shape[2], w.shape[1]
    if sd['final_layer.linear.weight'].shape[0] != p * p * 2 * cin:
        raise ConversionError('unsupported DiT variant: learn_sigma=False (the format samples with learned variance)')
    heads = heads or DIT_HEADS_BY_WIDTH.get(D)
    if not heads or D % heads:
        raise ConversionError(f'width {D}: pass --heads (the number of attention heads is not stored in the weights)')
    return {'depth': depth, 'width': D, 'heads': heads, 'input_size': int(round(math.sqrt(T))) * p, 'patch': p,
            'in_channels': cin, 'num_classes': sd['y_embedder.embedding_table.weight'].shape[0] - 1,
            'class_dropout_prob': 0.0, 'learn_sigma': True}


def build_dit(sd, heads=None):
    config = dit_config(sd, heads)
    require_keys(sd, zoo.DiT(**config).state_dict(), 'DiT')
    return check_fp16(zoo.build_dit({k: v.float() for k, v in sd.items()}, config), 'DiT'), config


class LatentDecoder(nn.Module):
    """SD-style VAE decoder for DiT samples: image = decoder(post_quant_conv(z / scale_factor)), clamped."""

    def __init__(self, sd, scale_factor):
        super().__init__()
        sd = diffusers_to_ldm(sd)
        C = sd['post_quant_conv.weight'].shape[0]
        self.post_quant_conv = nn.Conv2d(C, C, 1)
        self.post_quant_conv.load_state_dict({'weight': sd['post_quant_conv.weight'], 'bias': sd['post_quant_conv.bias']})
        self.decoder, self.image_channels = build_decoder(sd)
        self.register_buffer('scale_factor', torch.tensor(float(scale_factor)))
        self.latent_channels = C
        self.params_total = sum(v.numel() for k, v in sd.items() if k.startswith(('decoder.', 'post_quant_conv.')))

    def decode_scaled(self, z):
        return self.decoder(self.post_quant_conv(z / self.scale_factor)).clamp(-1, 1)

    def forward(self, z):  # the ONNX graph
        return self.decode_scaled(z)


# ---------- bundles ----------

def sha256_file(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 24), b''):
            h.update(chunk)
    return h.hexdigest()


def provenance(sources, notes):
    return {'command': eb.portable_command('python3 training/' + ' '.join([os.path.basename(sys.argv[0])] + sys.argv[1:])),
            'log': None, 'notes': notes,
            'sources': [{'file': os.path.basename(p), 'sha256': sha256_file(p)} for p in sources]}


def finish(manifest, dataset, requires, title, training):
    """export_bundle writes MNIST defaults (dataset, requires, training log); official bundles state their own."""
    manifest.update({'dataset': dataset, 'requires': requires, 'title': title, 'training': training, 'metrics': None})
    return eb.write_manifest(os.path.join(eb.MODELS_DIR, manifest['id']), manifest)


def export_decoder_bundle(model_id, family, module, example, in_name, config, dataset, title, training):
    """A bundle whose engine part is one ONNX graph (vqvae adds its quantizer weights separately)."""
    folder = os.path.join(eb.MODELS_DIR, model_id)
    os.makedirs(folder, exist_ok=True)
    with torch.no_grad():
        eb.export_onnx(module.eval(), folder, 'decoder.onnx', (example,), [in_name], ['image'])
    shape_in = ['B', *example.shape[1:]]
    side = dataset['imageSize']
    return folder, {
        'formatVersion': 1, 'id': model_id, 'family': family, 'title': title, 'dataset': dataset, 'config': config,
        'params': {'total': module.params_total, 'linear': 0}, 'requires': {}, 'files': [], 'tensors': [],
        'onnx': eb.onnx_entry('decoder.onnx', [(in_name, shape_in)], [('image', ['B', dataset['channels'], side, side])]),
        'training': training, 'metrics': None}


def convert_var(var_path, vae_path, out, var_id=None, tok_id='official-var-tokenizer', patch_nums=None,
                dataset=IMAGENET, sampling=VAR_SAMPLING):
    eb.MODELS_DIR = out  # export_bundle's writers put bundles under this folder
    var, config = build_var(load_state(var_path), patch_nums)
    vq_sd = load_state(vae_path)
    tok = Tokenizer(vq_sd, config['patch_nums']).eval()
    K, H = len(config['patch_nums']), config['patch_nums'][-1]
    dataset = {**dataset, 'imageSize': H * 2 ** (len(tok.decoder.up) - 1), 'channels': tok.image_channels,
               'numClasses': config['num_classes']}
    q = tok.quantize
    n = len(q.quant_resi.qresi_ls)
    tok_config = {'vocabSize': q.vocab_size, 'cvae': q.Cvae, 'patchNums': list(q.patch_nums), 'latentSize': H,
                  'phiCount': n, 'phiResiRatio': 0.5, 'phiTicks': [float(t) for t in phi_ticks(n)],
                  'phiIndexPerScale': [phi_index(k, K, n) for k in range(K)]}
    notes = ('Official VQ-VAE: codebook and Phi convs as weights, post_quant_conv + decoder as ONNX. No goldens: the '
             'encoder is not converted; the VAR bundle goldens exercise this quantizer and decoder.')
    folder, m = export_decoder_bundle(tok_id, 'vqvae', tok, torch.randn(1, q.Cvae, H, H), 'f_hat', tok_config, dataset,
                                      'VAR tokenizer (official VQ-VAE)', provenance([vae_path], notes))
    state = {f'quantize.{k}': v for k, v in q.state_dict().items()}
    m['tensors'] = eb.write_weights(folder, state, eb.tensor_kinds(tok), np.float32)
    m['files'] = [eb.file_entry(folder, 'weights.safetensors', 'weights'), eb.file_entry(folder, 'decoder.onnx', 'decoder-onnx')]
    tok_manifest = eb.write_manifest(folder, m)
    var_id = var_id or f'official-var-d{config["depth"]}'
    m = eb.export_var(var_id, var, tok, {'command': None}, sampling=dict(sampling))
    var_manifest = finish(m, dataset, {'tokenizer': tok_id}, f'VAR d{config["depth"]} (official weights)',
                          provenance([var_path], 'Official VAR transformer; buffers lvl_1L, attn_bias_for_masking and '
                                                 'zero_k_bias dropped (derived from patchNums); weights rounded to fp16.'))
    return merge_index(out, [tok_manifest, var_manifest])


def convert_dit(dit_path, vae_path, out, dit_id=None, vae_id='official-sd-vae', heads=None, scale_factor=0.18215,
                dataset=IMAGENET, golden_steps=4):
    eb.MODELS_DIR = out
    dit, config = build_dit(load_state(dit_path), heads)
    vae = LatentDecoder(load_state(vae_path), scale_factor).eval()
    if vae.latent_channels != config['in_channels']:
        raise ConversionError(f'VAE latents have {vae.latent_channels} channels, the DiT expects {config["in_channels"]}')
    S = config['input_size']
    dataset = {**dataset, 'imageSize': S * 2 ** (len(vae.decoder.up) - 1), 'channels': vae.image_channels,
               'numClasses': config['num_classes']}
    folder, m = export_decoder_bundle(vae_id, 'vae', vae, torch.randn(1, config['in_channels'], S, S), 'latent',
                                      {'latentChannels': config['in_channels'], 'latentSize': S, 'scaleFactor': scale_factor},
                                      dataset, 'SD VAE decoder (official)', provenance([vae_path], 'Decoder only.'))
    m['files'] = [eb.file_entry(folder, 'decoder.onnx', 'decoder-onnx')]
    vae_manifest = eb.write_manifest(folder, m)
    dit_id = dit_id or f'official-dit-d{config["depth"]}'
    # Goldens run a full sampling trajectory on CPU: at XL size, a few steps is what is affordable here.
    m = eb.export_dit(dit_id, dit, vae, {'command': None}, sampling={**DIT_SAMPLING, 'steps': golden_steps})
    m['sampling'] = dict(DIT_SAMPLING)
    dit_manifest = finish(m, dataset, {'vae': vae_id}, f'DiT d{config["depth"]} w{config["width"]} (official weights)',
                          provenance([dit_path], f'Official DiT; weights rounded to fp16. Goldens use {golden_steps} '
                                                 f'respaced steps (see goldens.steps), sampling defaults to {DIT_SAMPLING["steps"]}.'))
    return merge_index(out, [vae_manifest, dit_manifest])


def merge_index(out, manifests):
    """Adds/replaces these bundles in out/index.json, keeping the others listed there."""
    path = os.path.join(out, 'index.json')
    ids = {m['id'] for m in manifests}
    def read(p):
        with open(p) as f:
            return json.load(f)
    kept = []
    if os.path.exists(path):
        for e in read(path)['models']:
            if e['id'] not in ids and os.path.exists(os.path.join(out, e['manifest'])):
                kept.append(read(os.path.join(out, e['manifest'])))
    eb.write_index(kept + manifests)
    return manifests


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('family', choices=['var', 'dit'])
    ap.add_argument('--var', help='official var_dNN.pth')
    ap.add_argument('--dit', help='official DiT checkpoint, e.g. DiT-XL-2-256x256.pt')
    ap.add_argument('--vae', required=True, help='VAR: vae_ch160v4096z32.pth; DiT: SD VAE state dict (LDM or diffusers)')
    ap.add_argument('--out', required=True, help='models folder to write (its index.json is merged, not replaced)')
    ap.add_argument('--id', help='bundle id of the transformer')
    ap.add_argument('--patch-nums', type=lambda s: [int(x) for x in s.split(',')], help='VAR scales if lvl_1L is absent')
    ap.add_argument('--heads', type=int, help='DiT attention heads (default: from the official widths)')
    ap.add_argument('--scale-factor', type=float, default=0.18215, help='SD VAE latent scale')
    ap.add_argument('--golden-steps', type=int, default=4, help='DiT golden trajectory length')
    args = ap.parse_args()
    torch.set_num_threads(int(os.environ.get('TRAIN_THREADS', '2')))
    os.makedirs(args.out, exist_ok=True)
    try:
        if args.family == 'var':
            done = convert_var(args.var, args.vae, os.path.abspath(args.out), args.id, patch_nums=args.patch_nums)
        else:
            done = convert_dit(args.dit, args.vae, os.path.abspath(args.out), args.id, heads=args.heads,
                               scale_factor=args.scale_factor, golden_steps=args.golden_steps)
    except ConversionError as e:
        sys.exit(f'convert_official: {e}')
    print('wrote ' + ', '.join(m['id'] for m in done) + f' into {args.out}')


if __name__ == '__main__':
    main()
