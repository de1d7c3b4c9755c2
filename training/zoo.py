"""Loads trained checkpoints as the SHIPPED models (transformer weights rounded to fp16 and back, exactly what
the bundles hold) and generates images with them. Shared by evaluate.py and export_bundle.py."""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(__file__))
from common import load_checkpoint  # noqa: E402
from diffusion import Diffusion  # noqa: E402
from diffusion import sample as dit_sample  # noqa: E402
from models.classifier import Classifier  # noqa: E402
from models.dit import DiT  # noqa: E402
from models.vae import VAE  # noqa: E402
from models.var import VAR  # noqa: E402
from models.vqvae import VQVAE  # noqa: E402
from var_sampling import sample as var_sample  # noqa: E402

# CFG 1.5 as in the official VAR FID recipe; zoo v2's sweep on var-d1 (N=500 per value, seed 99, results.json
# cfgSweep) gave the lowest FD there: 37.9/20.5/15.9/18.2/29.4 at cfg 0.5/1/1.5/2/3.
VAR_SAMPLING = {'cfg': 1.5, 'topK': 0, 'topP': 0.0, 'seed': 0}
# DiT: the lowest FD of zoo v2's sweep on dit-d2 (N=500, seed 99, results.json cfgSweep): 322/221/151/99.0/112/144/178
# at cfg 1/1.5/2/3/4/5/6 (accuracy rises to 93% at 6 while FD worsens past 3). 4.0 is the official sample.py default.
DIT_SAMPLING = {'method': 'ddpm', 'steps': 50, 'cfg': 3.0, 'seed': 0}


def round_fp16_(model):
    """In place: every floating parameter becomes its fp16 value (stored as f32), as in the bundle."""
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(p.half().float())
    return model


def load_classifier():
    ck = load_checkpoint('classifier')
    m = Classifier()
    m.load_state_dict(ck['state_dict'])
    return m.eval(), ck


def load_vqvae():
    ck = load_checkpoint('vqvae')
    c = ck['config']
    m = VQVAE(vocab_size=c['vocab_size'], cvae=c['cvae'], ch=c['ch'], patch_nums=c['patch_nums'], n_phi=c['n_phi'])
    m.load_state_dict(ck['state_dict'])
    return m.eval(), ck


def load_vae():
    ck = load_checkpoint('vae')
    m = VAE(**ck['config'])
    m.load_state_dict(ck['state_dict'])
    return m.eval(), ck


def build_var(state_dict, config):
    m = VAR(**config)
    m.load_state_dict(state_dict, strict=False)  # buffers are derived from the config
    m.cond_drop_rate = 0.0
    return round_fp16_(m.eval())


def build_dit(state_dict, config):
    m = DiT(**config)
    m.load_state_dict(state_dict)
    return round_fp16_(m.eval())


def load_var(depth):
    ck = load_checkpoint(f'var-d{depth}')
    return build_var(ck['state_dict'], ck['config']), ck


def load_dit(depth):
    ck = load_checkpoint(f'dit-d{depth}')
    return build_dit(ck['state_dict'], ck['config']), ck


@torch.no_grad()
def generate_var(var, vq, labels, settings, seed, batch=250):
    g = torch.Generator().manual_seed(seed)
    out = []
    for i in range(0, len(labels), batch):
        f_hat = var_sample(var, vq.quantize, labels[i:i + batch], cfg=settings['cfg'], top_k=settings['topK'],
                           top_p=settings['topP'], generator=g)
        out.append(vq.fhat_to_img(f_hat))
    return torch.cat(out)


@torch.no_grad()
def generate_dit(dit, vae, labels, settings, seed, batch=250):
    g = torch.Generator().manual_seed(seed)
    diffusion = Diffusion.respaced(1000, settings['steps'])
    out = []
    for i in range(0, len(labels), batch):
        z = dit_sample(dit, diffusion, labels[i:i + batch], cfg=settings['cfg'], method=settings['method'], generator=g)
        out.append(vae.decode_scaled(z))
    return torch.cat(out)
