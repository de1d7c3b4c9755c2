"""Random models in the OFFICIAL key layouts and shapes, converted with training/convert_official.py into a bundle
folder, so CI can run the engine's parity on official-layout bundles without downloading anything:

- VAR (FoundationVision/VAR): depth 2 (width 128, 2 heads), 10 scales 1..16 (680 tokens), vocabulary 4096,
  Cvae 32; its tokenizer in the layout of vae_ch160v4096z32 (ch_mult 1,1,2,2,4, two res blocks per level,
  self-attention at the deepest level and in the middle; a 16x16 latent decodes to 256x256 RGB) at a reduced
  channel count (ch 32 instead of 160; GroupNorm needs multiples of 32), so the decoder stays small;
- DiT (facebookresearch/DiT): DiT-S width 384 with 6 heads, depth 2, patch 2 on a 32x32x4 latent (256x256
  images), learned sigma; with a small SD-VAE-layout decoder in diffusers key names.

  /usr/bin/python3 training/tests/official_layout.py --out /tmp/official/models
  node tools/parity/parity.mjs --models-dir /tmp/official/models
"""
import argparse
import math
import os
import sys
import tempfile

import torch

TESTS = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(TESTS))
sys.path.insert(0, TESTS)
import convert_official as co  # noqa: E402
from test_convert_official import conv, diffusers_vae_state, linear, norm, rand, resblock  # noqa: E402

VAR_DEPTH, VOCAB, CVAE, NCLS = 2, 4096, 32, 10
PATCH_NUMS = (1, 2, 3, 4, 5, 6, 8, 10, 13, 16)
TOKENIZER_CH, CH_MULT, RES_BLOCKS = 32, (1, 1, 2, 2, 4), 2
DIT_DEPTH, DIT_WIDTH, DIT_HEADS, DIT_LATENT, DIT_PATCH, LATENT_CH = 2, 384, 6, 32, 2, 4


def official_var_state(g, depth=VAR_DEPTH, vocab=VOCAB, cvae=CVAE, patch_nums=PATCH_NUMS, ncls=NCLS):
    C, L = 64 * depth, sum(p * p for p in patch_nums)
    lvl = torch.cat([torch.full((p * p,), i) for i, p in enumerate(patch_nums)])
    sd = {'class_emb.weight': rand(g, ncls + 1, C), 'pos_start': rand(g, 1, 1, C), 'pos_1LC': rand(g, 1, L, C),
          'lvl_embed.weight': rand(g, len(patch_nums), C), 'lvl_1L': lvl[None],
          'attn_bias_for_masking': torch.where(lvl[:, None] >= lvl[None], 0.0, -torch.inf)[None, None]}
    linear(sd, g, 'word_embed', C, cvae)
    for n in range(depth):
        b = f'blocks.{n}'
        linear(sd, g, f'{b}.attn.mat_qkv', 3 * C, C, bias=False)
        sd.update({f'{b}.attn.q_bias': rand(g, C), f'{b}.attn.v_bias': rand(g, C), f'{b}.attn.zero_k_bias': torch.zeros(C),
                   f'{b}.attn.scale_mul_1H11': rand(g, 1, depth, 1, 1) + math.log(4)})
        linear(sd, g, f'{b}.attn.proj', C, C)
        linear(sd, g, f'{b}.ffn.fc1', 4 * C, C)
        linear(sd, g, f'{b}.ffn.fc2', C, 4 * C)
        linear(sd, g, f'{b}.ada_lin.1', 6 * C, C)
    linear(sd, g, 'head_nm.ada_lin.1', 2 * C, C)
    linear(sd, g, 'head', vocab, C)
    return sd


def attn_block(sd, g, name, c):
    norm(sd, g, f'{name}.norm', c)
    conv(sd, g, f'{name}.qkv', 3 * c, c, 1)  # VAR's AttnBlock: one fused qkv 1x1 conv
    conv(sd, g, f'{name}.proj_out', c, c, 1)


def official_tokenizer_state(g, ch=TOKENIZER_CH, ch_mult=CH_MULT, res_blocks=RES_BLOCKS, vocab=VOCAB, cvae=CVAE,
                             n_phi=4, scales=len(PATCH_NUMS)):
    """VAR's VQVAE decoder layout (LDM names: decoder.up.<level>.block.<j>, up.<level>.attn.<j> at the deepest
    level, mid.block_1/attn_1/block_2), quantiser and convs; the encoder is not converted (one key stands in)."""
    sd = {'quantize.embedding.weight': rand(g, vocab, cvae), 'quantize.ema_vocab_hit_SV': torch.rand(scales, vocab)}
    for i in range(n_phi):
        conv(sd, g, f'quantize.quant_resi.qresi_ls.{i}', cvae, cvae, 3)
    conv(sd, g, 'quant_conv', cvae, cvae, 3)
    conv(sd, g, 'post_quant_conv', cvae, cvae, 3)
    conv(sd, g, 'encoder.conv_in', ch, 3, 3)
    levels = [ch * m for m in ch_mult]
    top = levels[-1]
    conv(sd, g, 'decoder.conv_in', top, cvae, 3)
    resblock(sd, g, 'decoder.mid.block_1', top, top)
    attn_block(sd, g, 'decoder.mid.attn_1', top)
    resblock(sd, g, 'decoder.mid.block_2', top, top)
    c_in = top
    for level in reversed(range(len(levels))):
        for j in range(res_blocks + 1):
            resblock(sd, g, f'decoder.up.{level}.block.{j}', c_in, levels[level])
            c_in = levels[level]
            if level == len(levels) - 1:
                attn_block(sd, g, f'decoder.up.{level}.attn.{j}', c_in)
        if level != 0:
            conv(sd, g, f'decoder.up.{level}.upsample.conv', c_in, c_in, 3)
    norm(sd, g, 'decoder.norm_out', levels[0])
    conv(sd, g, 'decoder.conv_out', 3, levels[0], 3)
    return sd


def official_dit_state(g, depth=DIT_DEPTH, width=DIT_WIDTH, latent=DIT_LATENT, patch=DIT_PATCH, cin=LATENT_CH, ncls=1000):
    T = (latent // patch) ** 2
    sd = {'pos_embed': rand(g, 1, T, width), 'y_embedder.embedding_table.weight': rand(g, ncls + 1, width)}
    conv(sd, g, 'x_embedder.proj', width, cin, patch)
    linear(sd, g, 't_embedder.mlp.0', width, 256)
    linear(sd, g, 't_embedder.mlp.2', width, width)
    for n in range(depth):
        for name, out, inp in (('attn.qkv', 3 * width, width), ('attn.proj', width, width), ('mlp.fc1', 4 * width, width),
                               ('mlp.fc2', width, 4 * width), ('adaLN_modulation.1', 6 * width, width)):
            linear(sd, g, f'blocks.{n}.{name}', out, inp)
    linear(sd, g, 'final_layer.adaLN_modulation.1', 2 * width, width)
    linear(sd, g, 'final_layer.linear', patch * patch * 2 * cin, width)  # learned sigma: eps and variance
    return sd


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', required=True, help='a folder named "models" (parity serves it as /models/)')
    ap.add_argument('--seed', type=int, default=0)
    args = ap.parse_args()
    torch.set_num_threads(int(os.environ.get('TRAIN_THREADS', '2')))
    g = torch.Generator().manual_seed(args.seed)
    out = os.path.abspath(args.out)
    with tempfile.TemporaryDirectory(prefix='official-layout-') as tmp:
        paths = {}
        for name, sd in (('var_d2.pth', official_var_state(g)), ('vae_ch32v4096z32.pth', official_tokenizer_state(g)),
                         ('DiT-S-2-d2.pt', official_dit_state(g)), ('sd-vae.bin', diffusers_vae_state(g))):
            paths[name] = os.path.join(tmp, name)
            torch.save(sd, paths[name])
        co.convert_var(paths['var_d2.pth'], paths['vae_ch32v4096z32.pth'], out)
        co.convert_dit(paths['DiT-S-2-d2.pt'], paths['sd-vae.bin'], out, heads=DIT_HEADS, golden_steps=2)
    print(f'official-layout bundles in {out}: {sorted(os.listdir(out))}', flush=True)


if __name__ == '__main__':
    main()
