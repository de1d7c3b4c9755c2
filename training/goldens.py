"""Golden tensors for parity tests of the browser engine (docs/bundle-format.md), computed with the shipped
(fp16-rounded) weights in float32. Random draws come from a seeded torch generator and are RECORDED, so the
engine replays them instead of reproducing torch's RNG."""
import numpy as np
import torch

from diffusion import Diffusion
from diffusion import sample as dit_sample
from var_sampling import sample as var_sample


def _np(t, dtype=np.float32):
    return t.detach().cpu().numpy().astype(dtype)


@torch.no_grad()
def var_goldens(var, vq, cls, seed, settings):
    g = torch.Generator().manual_seed(seed)
    labels = torch.tensor([cls])
    rec = {}
    f_hat = var_sample(var, vq.quantize, labels, cfg=settings['cfg'], top_k=settings['topK'], top_p=settings['topP'],
                       generator=g, record=rec)
    image = vq.fhat_to_img(f_hat)
    out = {}
    for k in range(len(var.patch_nums)):
        out[f'step{k}.input'] = _np(rec['inputs'][k])
        out[f'step{k}.logits_cond'] = _np(rec['logits_cond'][k])
        out[f'step{k}.logits_uncond'] = _np(rec['logits_uncond'][k])
        out[f'step{k}.logits_cfg'] = _np(rec['logits_cfg'][k])
        out[f'step{k}.uniforms'] = _np(rec['uniforms'][k])
        out[f'step{k}.tokens'] = _np(rec['tokens'][k], np.int32)
        out[f'step{k}.f_hat'] = _np(rec['f_hat'][k])
    out['image'] = _np(image)
    # Teacher-forced pass over the tokens just sampled (conditional label, no CFG, block-causal mask).
    idx_list = rec['tokens']
    tf_input = vq.quantize.idx_to_var_input(idx_list)
    tf_logits = var(labels, tf_input)
    out['tf.label'] = np.array([cls], dtype=np.int32)
    out['tf.tokens'] = _np(torch.cat(idx_list, dim=1), np.int32)
    out['tf.input'] = _np(tf_input)
    out['tf.logits'] = _np(tf_logits)
    return out


@torch.no_grad()
def dit_goldens(dit, vae, cls, seed, settings):
    labels = torch.tensor([cls])
    diffusion = Diffusion.respaced(1000, settings['steps'])
    out = {}
    rec = {}
    g = torch.Generator().manual_seed(seed)
    z = dit_sample(dit, diffusion, labels, cfg=settings['cfg'], method='ddpm', generator=g, record=rec)
    for n in range(settings['steps']):
        out[f'step{n}.x_t'] = _np(rec['x_t'][n])
        out[f'step{n}.t'] = _np(rec['t'][n], np.int32)
        out[f'step{n}.out_cond'] = _np(rec['out_cond'][n])
        out[f'step{n}.out_uncond'] = _np(rec['out_uncond'][n])
        out[f'step{n}.out_cfg'] = _np(rec['out_cfg'][n])
        out[f'step{n}.noise'] = _np(rec['noise'][n])
        out[f'step{n}.x_next'] = _np(rec['x_next'][n])
    out['latent'] = _np(z)
    out['image'] = _np(vae.decode_scaled(z))
    rec = {}
    g = torch.Generator().manual_seed(seed)
    z = dit_sample(dit, diffusion, labels, cfg=settings['cfg'], method='ddim', generator=g, record=rec)
    for n in range(settings['steps']):
        out[f'ddim.step{n}.x_t'] = _np(rec['x_t'][n])
        out[f'ddim.step{n}.out_cfg'] = _np(rec['out_cfg'][n])
        out[f'ddim.step{n}.x_next'] = _np(rec['x_next'][n])
    out['ddim.latent'] = _np(z)
    out['ddim.image'] = _np(vae.decode_scaled(z))
    out['schedule.timestep_map'] = np.asarray(diffusion.timestep_map, dtype=np.int32)
    out['schedule.betas'] = np.asarray(diffusion.betas, dtype=np.float64)
    # One plain forward with two different (x, t, y) rows, including the null class.
    g = torch.Generator().manual_seed(seed + 1)
    x = torch.randn(2, dit.in_channels, dit.input_size, dit.input_size, generator=g)
    t = torch.tensor([999, 17])
    y = torch.tensor([cls, dit.num_classes])
    out['tf.x'] = _np(x)
    out['tf.t'] = _np(t, np.int32)
    out['tf.y'] = _np(y, np.int32)
    out['tf.out'] = _np(dit(x, t, y))
    return out


@torch.no_grad()
def vqvae_goldens(vq, image):
    _, _, idx = vq.quantize(vq.encode(image))
    # f_hat rebuilt from the tokens step by step (what the engine does), not the straight-through sum.
    q = vq.quantize
    f_hat = torch.zeros(1, q.Cvae, q.patch_nums[-1], q.patch_nums[-1])
    for k, pn in enumerate(q.patch_nums):
        h = q.embedding(idx[k]).transpose(1, 2).reshape(1, q.Cvae, pn, pn)
        f_hat, _ = q.next_autoregressive_input(k, f_hat, h)
    out = {'image_in': _np(image)}
    for k, i in enumerate(idx):
        out[f'tokens.{k}'] = _np(i, np.int32)
    out['f_hat'] = _np(f_hat)
    out['var_input'] = _np(vq.quantize.idx_to_var_input(idx))
    out['image_out'] = _np(vq.fhat_to_img(f_hat))
    return out
