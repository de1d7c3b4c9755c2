"""convert_official.py on RANDOM state dicts written here in the official key layouts (FoundationVision/VAR,
facebookresearch/DiT, the SD VAE in diffusers layout), at small sizes. Goldens: the converted bundles' forwards
(the training helper's modules loaded from the bundle files) and their golden tensors equal forwards computed
here directly from the random state dicts, written independently from the official semantics; the decoder
ONNX graphs are run with onnxruntime (node); and the TypeScript validator accepts the bundles."""
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import numpy as np
import torch
import torch.nn.functional as F

TRAINING = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT = os.path.dirname(TRAINING)
sys.path.insert(0, TRAINING)
import convert_official as co  # noqa: E402
import safetensors_io  # noqa: E402
from models.dit import DiT  # noqa: E402
from models.var import VAR  # noqa: E402

DEPTH, C, V, CVAE, PNS, NCLS = 2, 128, 64, 8, (1, 2, 3, 4), 10  # VAR rule: width 64*depth, heads = depth
D, DH, P, S, CIN = 64, 4, 2, 8, 4  # DiT: width, heads, patch, latent size, latent channels
L = sum(p * p for p in PNS)


def rand(g, *shape, std=0.3):
    return torch.randn(*shape, generator=g) * std


def linear(sd, g, name, out, inp, bias=True):
    sd[f'{name}.weight'] = rand(g, out, inp, std=1 / math.sqrt(inp))
    if bias:
        sd[f'{name}.bias'] = rand(g, out, std=0.1)


def conv(sd, g, name, cout, cin, k):
    sd[f'{name}.weight'] = rand(g, cout, cin, k, k, std=1 / math.sqrt(cin * k * k))
    sd[f'{name}.bias'] = rand(g, cout, std=0.1)


def norm(sd, g, name, c):
    sd[f'{name}.weight'] = 1 + rand(g, c, std=0.1)
    sd[f'{name}.bias'] = rand(g, c, std=0.1)


def resblock(sd, g, name, cin, cout, shortcut='nin_shortcut'):
    norm(sd, g, f'{name}.norm1', cin)
    conv(sd, g, f'{name}.conv1', cout, cin, 3)
    norm(sd, g, f'{name}.norm2', cout)
    conv(sd, g, f'{name}.conv2', cout, cout, 3)
    if cin != cout:
        conv(sd, g, f'{name}.{shortcut}', cout, cin, 1)


def official_vqvae_state(g):
    """VAR's VQVAE at ch 32, ch_mult (1, 2), 1 res block (2 per up level), attention at the deepest level + mid."""
    sd = {'quantize.embedding.weight': rand(g, V, CVAE), 'quantize.ema_vocab_hit_SV': torch.rand(len(PNS), V)}
    for i in range(4):
        conv(sd, g, f'quantize.quant_resi.qresi_ls.{i}', CVAE, CVAE, 3)
    conv(sd, g, 'quant_conv', CVAE, CVAE, 3)
    conv(sd, g, 'post_quant_conv', CVAE, CVAE, 3)
    conv(sd, g, 'encoder.conv_in', 32, 3, 3)  # (the encoder is not converted; a few keys stand in for it)
    conv(sd, g, 'decoder.conv_in', 64, CVAE, 3)
    for blk in ('mid.block_1', 'mid.block_2'):
        resblock(sd, g, f'decoder.{blk}', 64, 64)
    for name in ('decoder.mid.attn_1', 'decoder.up.1.attn.0', 'decoder.up.1.attn.1'):
        norm(sd, g, f'{name}.norm', 64)
        conv(sd, g, f'{name}.qkv', 192, 64, 1)
        conv(sd, g, f'{name}.proj_out', 64, 64, 1)
    resblock(sd, g, 'decoder.up.1.block.0', 64, 64)
    resblock(sd, g, 'decoder.up.1.block.1', 64, 64)
    conv(sd, g, 'decoder.up.1.upsample.conv', 64, 64, 3)
    resblock(sd, g, 'decoder.up.0.block.0', 64, 32)
    resblock(sd, g, 'decoder.up.0.block.1', 32, 32)
    norm(sd, g, 'decoder.norm_out', 32)
    conv(sd, g, 'decoder.conv_out', 3, 32, 3)
    return sd


def diffusers_vae_state(g):
    """AutoencoderKL (diffusers names) decoder: block_out_channels (32, 64), layers_per_block 1, latent CIN."""
    sd = {}
    conv(sd, g, 'post_quant_conv', CIN, CIN, 1)
    conv(sd, g, 'decoder.conv_in', 64, CIN, 3)
    resblock(sd, g, 'decoder.mid_block.resnets.0', 64, 64)
    resblock(sd, g, 'decoder.mid_block.resnets.1', 64, 64)
    a = 'decoder.mid_block.attentions.0'
    norm(sd, g, f'{a}.group_norm', 64)
    for lin in ('to_q', 'to_k', 'to_v', 'to_out.0'):
        linear(sd, g, f'{a}.{lin}', 64, 64)
    for j in range(2):  # up_blocks.0 is the DEEPEST level in diffusers
        resblock(sd, g, f'decoder.up_blocks.0.resnets.{j}', 64, 64, 'conv_shortcut')
        resblock(sd, g, f'decoder.up_blocks.1.resnets.{j}', 64 if j == 0 else 32, 32, 'conv_shortcut')
    conv(sd, g, 'decoder.up_blocks.0.upsamplers.0.conv', 64, 64, 3)
    norm(sd, g, 'decoder.conv_norm_out', 32)
    conv(sd, g, 'decoder.conv_out', 3, 32, 3)
    return sd


# ---------- reference forwards, straight from the state dicts (official semantics) ----------

def lin(sd, name, x):
    return F.linear(x, sd[f'{name}.weight'], sd.get(f'{name}.bias'))


def ln(x):
    return F.layer_norm(x, (x.shape[-1],), eps=1e-6)


def ref_var(sd, label, x_in):
    """Teacher-forced VAR logits [B, L, V] (block-causal mask from the scale of each token)."""
    B = label.shape[0]
    lvl = torch.cat([torch.full((p * p,), i) for i, p in enumerate(PNS)])
    cond = sd['class_emb.weight'][label]
    x = torch.cat([(cond + sd['pos_start'][0, 0])[:, None], lin(sd, 'word_embed', x_in)], 1)
    x = x + sd['lvl_embed.weight'][lvl] + sd['pos_1LC'][0]
    mask = torch.where(lvl[None] <= lvl[:, None], 0.0, -torch.inf)
    H, hd = DEPTH, C // DEPTH
    for n in range(DEPTH):
        b = f'blocks.{n}'
        g1, g2, s1, s2, sh1, sh2 = lin(sd, f'{b}.ada_lin.1', F.silu(cond))[:, None].chunk(6, -1)
        h = ln(x) * (1 + s1) + sh1
        qkv = F.linear(h, sd[f'{b}.attn.mat_qkv.weight'], torch.cat([sd[f'{b}.attn.q_bias'], torch.zeros(C), sd[f'{b}.attn.v_bias']]))
        q, k, v = qkv.view(B, L, 3, H, hd).permute(2, 0, 3, 1, 4)
        q = F.normalize(q, dim=-1) * sd[f'{b}.attn.scale_mul_1H11'].clamp(max=math.log(100)).exp()
        a = torch.softmax(q @ F.normalize(k, dim=-1).transpose(-1, -2) + mask, -1) @ v
        x = x + lin(sd, f'{b}.attn.proj', a.transpose(1, 2).reshape(B, L, C)) * g1
        h = ln(x) * (1 + s2) + sh2
        x = x + lin(sd, f'{b}.ffn.fc2', F.gelu(lin(sd, f'{b}.ffn.fc1', h), approximate='tanh')) * g2
    scale, shift = lin(sd, 'head_nm.ada_lin.1', F.silu(cond))[:, None].chunk(2, -1)
    return lin(sd, 'head', ln(x) * (1 + scale) + shift)


def ref_dit(sd, x, t, y):
    B = x.shape[0]
    h = F.conv2d(x, sd['x_embedder.proj.weight'], sd['x_embedder.proj.bias'], stride=P).flatten(2).transpose(1, 2)
    h = h + sd['pos_embed']
    f = torch.exp(-math.log(10000) * torch.arange(128, dtype=torch.float32) / 128)
    temb = torch.cat([torch.cos(t[:, None].float() * f), torch.sin(t[:, None].float() * f)], -1)
    c = lin(sd, 't_embedder.mlp.2', F.silu(lin(sd, 't_embedder.mlp.0', temb))) + sd['y_embedder.embedding_table.weight'][y]
    T, hd = h.shape[1], D // DH
    for n in range(DEPTH):
        b = f'blocks.{n}'
        sh1, sc1, g1, sh2, sc2, g2 = lin(sd, f'{b}.adaLN_modulation.1', F.silu(c))[:, None].chunk(6, -1)
        q, k, v = lin(sd, f'{b}.attn.qkv', ln(h) * (1 + sc1) + sh1).view(B, T, 3, DH, hd).permute(2, 0, 3, 1, 4)
        a = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(hd), -1) @ v
        h = h + g1 * lin(sd, f'{b}.attn.proj', a.transpose(1, 2).reshape(B, T, D))
        h = h + g2 * lin(sd, f'{b}.mlp.fc2', F.gelu(lin(sd, f'{b}.mlp.fc1', ln(h) * (1 + sc2) + sh2), approximate='tanh'))
    shift, scale = lin(sd, 'final_layer.adaLN_modulation.1', F.silu(c))[:, None].chunk(2, -1)
    out = lin(sd, 'final_layer.linear', ln(h) * (1 + scale) + shift)
    w = S // P
    out = torch.einsum('nhwpqc->nchpwq', out.reshape(B, w, w, P, P, 2 * CIN))
    return out.reshape(B, 2 * CIN, S, S)


def gn(sd, name, x):
    return F.group_norm(x, 32, sd[f'{name}.weight'], sd[f'{name}.bias'], eps=1e-6)


def cv(sd, name, x):
    w = sd[f'{name}.weight']
    return F.conv2d(x, w if w.ndim == 4 else w[:, :, None, None], sd[f'{name}.bias'], padding=w.shape[-1] // 2 if w.ndim == 4 else 0)


def res(sd, name, x, shortcut):
    h = cv(sd, f'{name}.conv1', F.silu(gn(sd, f'{name}.norm1', x)))
    h = cv(sd, f'{name}.conv2', F.silu(gn(sd, f'{name}.norm2', h)))
    return (cv(sd, f'{name}.{shortcut}', x) if f'{name}.{shortcut}.weight' in sd else x) + h


def attention(x, q, k, v, proj):
    B, Cc, H, W = x.shape
    w = torch.softmax(torch.einsum('bci,bcj->bij', q.flatten(2), k.flatten(2)) / math.sqrt(Cc), -1)
    return x + proj(torch.einsum('bij,bcj->bci', w, v.flatten(2)).reshape(B, Cc, H, W))


def var_attn(sd, name, x):
    q, k, v = cv(sd, f'{name}.qkv', gn(sd, f'{name}.norm', x)).chunk(3, 1)
    return attention(x, q, k, v, lambda t: cv(sd, f'{name}.proj_out', t))


def ref_vq_decode(sd, f_hat):
    """Official VQVAE.fhat_to_img: post_quant_conv, decoder (deepest level first), clamp."""
    h = cv(sd, 'decoder.conv_in', cv(sd, 'post_quant_conv', f_hat))
    h = res(sd, 'decoder.mid.block_2', var_attn(sd, 'decoder.mid.attn_1', res(sd, 'decoder.mid.block_1', h, '')), '')
    for j in range(2):
        h = var_attn(sd, f'decoder.up.1.attn.{j}', res(sd, f'decoder.up.1.block.{j}', h, 'nin_shortcut'))
    h = cv(sd, 'decoder.up.1.upsample.conv', F.interpolate(h, scale_factor=2.0, mode='nearest'))
    for j in range(2):
        h = res(sd, f'decoder.up.0.block.{j}', h, 'nin_shortcut')
    return cv(sd, 'decoder.conv_out', F.silu(gn(sd, 'decoder.norm_out', h))).clamp(-1, 1)


def ref_sd_decode(sd, z_scaled, scale):
    """diffusers AutoencoderKL.decode in its own names: up_blocks from the deepest; mid attention with linears."""
    h = cv(sd, 'decoder.conv_in', cv(sd, 'post_quant_conv', z_scaled / scale))
    h = res(sd, 'decoder.mid_block.resnets.0', h, 'conv_shortcut')
    a = 'decoder.mid_block.attentions.0'
    hn = gn(sd, f'{a}.group_norm', h)
    q, k, v = (cv(sd, f'{a}.{n}', hn) for n in ('to_q', 'to_k', 'to_v'))
    h = attention(h, q, k, v, lambda t: cv(sd, f'{a}.to_out.0', t))
    h = res(sd, 'decoder.mid_block.resnets.1', h, 'conv_shortcut')
    for i in range(2):
        for j in range(2):
            h = res(sd, f'decoder.up_blocks.{i}.resnets.{j}', h, 'conv_shortcut')
        if i == 0:
            h = cv(sd, 'decoder.up_blocks.0.upsamplers.0.conv', F.interpolate(h, scale_factor=2.0, mode='nearest'))
    return cv(sd, 'decoder.conv_out', F.silu(gn(sd, 'decoder.conv_norm_out', h))).clamp(-1, 1)


def fp16(sd):
    """What the bundle ships for transformer weights: fp16 values (computed in f32)."""
    return {k: (v.half().float() if v.is_floating_point() else v) for k, v in sd.items()}


ORT_RUN = """
import * as ort from 'onnxruntime-web';
import { readFileSync, writeFileSync } from 'node:fs';
ort.env.wasm.numThreads = 1;
const [model, input, name, shape, output] = process.argv.slice(1);
const s = await ort.InferenceSession.create(model, { executionProviders: ['wasm'] });
const b = readFileSync(input);
const x = new ort.Tensor('float32', new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4), JSON.parse(shape));
const out = await s.run({ [name]: x });
writeFileSync(output, Buffer.from(out.image.data.buffer));
"""


def run_onnx_in_node(model, x, name, tmp):
    """The decoder graph run by onnxruntime-web (the browser's runtime, wasm backend) in Node."""
    inp, out = os.path.join(tmp, 'in.bin'), os.path.join(tmp, 'out.bin')
    x.numpy().astype('<f4').tofile(inp)
    subprocess.run(['node', '--input-type=module', '-e', ORT_RUN, model, inp, name, json.dumps(list(x.shape)), out],
                   cwd=ROOT, check=True, capture_output=True, timeout=120)
    return torch.from_numpy(np.fromfile(out, dtype='<f4'))


class TestConvertOfficial(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        torch.set_num_threads(1)
        g = torch.Generator().manual_seed(0)
        cls.tmp = tempfile.mkdtemp(prefix='convert-official-')
        cls.out = os.path.join(cls.tmp, 'models')
        from official_layout import official_dit_state, official_var_state  # imports this module's helpers
        cls.var_sd = official_var_state(g, depth=DEPTH, vocab=V, cvae=CVAE, patch_nums=PNS, ncls=NCLS)
        cls.vq_sd = official_vqvae_state(g)
        cls.dit_sd = official_dit_state(g, depth=DEPTH, width=D, latent=S, patch=P, cin=CIN, ncls=NCLS)
        cls.vae_sd = diffusers_vae_state(g)
        paths = {}
        for name, sd in (('var_d2.pth', cls.var_sd), ('vae.pth', cls.vq_sd), ('dit.pt', cls.dit_sd), ('sdvae.bin', cls.vae_sd)):
            paths[name] = os.path.join(cls.tmp, name)
            torch.save(sd, paths[name])
        co.convert_var(paths['var_d2.pth'], paths['vae.pth'], cls.out)
        co.convert_dit(paths['dit.pt'], paths['sdvae.bin'], cls.out, heads=DH, scale_factor=0.5, golden_steps=2)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def bundle(self, id_):
        folder = os.path.join(self.out, id_)
        with open(os.path.join(folder, 'manifest.json')) as f:
            m = json.load(f)
        w = safetensors_io.load(os.path.join(folder, 'weights.safetensors'))[0] if any(f['role'] == 'weights' for f in m['files']) else {}
        g = safetensors_io.load(os.path.join(folder, 'goldens.safetensors'))[0] if 'goldens' in m else {}
        t = lambda d: {k: torch.from_numpy(np.array(v)) for k, v in d.items()}  # noqa: E731
        return m, t(w), t(g)

    def assertClose(self, a, b, tol, what):
        err = (a - b).abs().max().item()
        self.assertLess(err, tol, f'{what}: max abs diff {err:.2e} (scale {b.abs().max().item():.2e})')
        self.assertGreater(b.abs().max().item(), 10 * tol, f'{what}: reference is ~0, the comparison would be empty')

    def test_var_bundle_forward_equals_official_state_forward(self):
        m, w, g = self.bundle('official-var-d2')
        self.assertEqual(m['config']['patchNums'], list(PNS))
        self.assertFalse(any(k.endswith(('lvl_1L', 'attn_bias_for_masking', 'zero_k_bias')) for k in w))
        c = m['config']
        var = VAR(depth=c['depth'], vocab_size=c['vocabSize'], cvae=c['cvae'], patch_nums=c['patchNums'], num_classes=c['numClasses']).eval()
        var.load_state_dict({k: v.float() for k, v in w.items()}, strict=False)
        label, x_in = torch.tensor([3, 10]), torch.randn(2, L - 1, CVAE, generator=torch.Generator().manual_seed(1))
        ref = ref_var(fp16(self.var_sd), label, x_in)
        with torch.no_grad():
            self.assertClose(var(label, x_in), ref, 1e-3, 'VAR logits from the bundle')
        self.assertClose(g['tf.logits'], ref_var(fp16(self.var_sd), g['tf.label'].long(), g['tf.input']), 1e-3, 'goldens tf.logits')

    def test_var_tokenizer_weights_decoder_and_goldens(self):
        m, w, _ = self.bundle('official-var-tokenizer')
        for k, v in w.items():  # F32, bit-exact copies of the official quantizer
            self.assertTrue(torch.equal(v, self.vq_sd[k]), k)
        self.assertEqual(m['config']['phiIndexPerScale'], [0, 1, 2, 3])
        self.assertEqual(m['onnx']['outputs'][0]['shape'], ['B', 3, 8, 8])
        _, _, g = self.bundle('official-var-d2')
        ref = ref_vq_decode(self.vq_sd, g[f'step{len(PNS) - 1}.f_hat'])
        self.assertClose(g['image'], ref, 1e-4, 'VAR goldens image vs the official decoder')
        onnx_out = run_onnx_in_node(os.path.join(self.out, 'official-var-tokenizer', 'decoder.onnx'), g[f'step{len(PNS) - 1}.f_hat'], 'f_hat', self.tmp)
        self.assertClose(onnx_out.view_as(ref), ref, 1e-4, 'tokenizer decoder.onnx (onnxruntime) vs reference')

    def test_dit_bundle_forward_equals_official_state_forward(self):
        m, w, g = self.bundle('official-dit-d2')
        c = m['config']
        self.assertEqual((c['width'], c['heads'], c['inputSize'], c['outChannels']), (D, DH, S, 2 * CIN))
        self.assertEqual((m['sampling']['steps'], m['goldens']['steps']), (250, 2))
        dit = DiT(depth=c['depth'], width=c['width'], heads=c['heads'], input_size=c['inputSize'], patch=c['patch'],
                  in_channels=c['inChannels'], num_classes=c['numClasses']).eval()
        dit.load_state_dict({k: v.float() for k, v in w.items()})
        gen = torch.Generator().manual_seed(2)
        x, t, y = torch.randn(2, CIN, S, S, generator=gen), torch.tensor([999, 5]), torch.tensor([3, NCLS])
        ref = ref_dit(fp16(self.dit_sd), x, t, y)
        with torch.no_grad():
            self.assertClose(dit(x, t, y), ref, 1e-3, 'DiT output from the bundle')
        self.assertClose(g['tf.out'], ref_dit(fp16(self.dit_sd), g['tf.x'], g['tf.t'].long(), g['tf.y'].long()), 1e-3, 'goldens tf.out')

    def test_sd_vae_decoder_from_diffusers_layout(self):
        m, _, _ = self.bundle('official-sd-vae')
        self.assertEqual(m['config'], {'latentChannels': CIN, 'latentSize': S, 'scaleFactor': 0.5})
        _, _, g = self.bundle('official-dit-d2')
        ref = ref_sd_decode(self.vae_sd, g['latent'], 0.5)
        self.assertClose(g['image'], ref, 1e-4, 'DiT goldens image vs the diffusers-layout decoder')
        onnx_out = run_onnx_in_node(os.path.join(self.out, 'official-sd-vae', 'decoder.onnx'), g['latent'], 'latent', self.tmp)
        self.assertClose(onnx_out.view_as(ref), ref, 1e-4, 'vae decoder.onnx (onnxruntime) vs reference')

    def test_typescript_validator_accepts_the_bundles(self):
        env = {**os.environ, 'VALIDATE_BUNDLES_DIR': self.out, 'VALIDATE_BUNDLES_FAMILIES': 'var,vqvae,dit,vae'}
        r = subprocess.run(['npx', 'vitest', 'run', '--project', 'unit', 'test/models/smokeBundles.test.ts'], cwd=ROOT,
                           env=env, capture_output=True, text=True, timeout=300)
        self.assertEqual(r.returncode, 0, r.stdout[-3000:] + r.stderr[-2000:])
        self.assertIn('validated official-var-tokenizer, official-var-d2, official-sd-vae, official-dit-d2', r.stdout)

    def test_rejects_what_it_cannot_convert(self):
        sd = dict(self.var_sd)
        sd['blocks.0.ada_gss'] = torch.zeros(1, 1, 6, C)
        with self.assertRaisesRegex(co.ConversionError, 'shared AdaLN'):
            co.build_var(sd)
        sd = {k: v for k, v in self.var_sd.items() if k != 'blocks.1.ffn.fc2.bias'}
        with self.assertRaisesRegex(co.ConversionError, r"missing \['blocks.1.ffn.fc2.bias'\]"):
            co.build_var(sd)
        sd = dict(self.dit_sd)
        sd['final_layer.linear.weight'] = sd['final_layer.linear.weight'][:P * P * CIN]
        with self.assertRaisesRegex(co.ConversionError, 'learn_sigma=False'):
            co.build_dit(sd, heads=DH)
        with self.assertRaisesRegex(co.ConversionError, '--heads'):
            co.build_dit(self.dit_sd)
        sd = dict(self.vq_sd)
        sd['decoder.conv_out.weight'] = sd['decoder.conv_out.weight'][:, :16]
        with self.assertRaisesRegex(co.ConversionError, r'decoder: .*conv_out.weight \(3, 16, 3, 3\) \(expected \(3, 32, 3, 3\)\)'):
            co.build_decoder(sd)


if __name__ == '__main__':
    unittest.main()
