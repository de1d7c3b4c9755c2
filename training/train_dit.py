"""Trains a DiT of the given depth on the VAE's scaled 8x8x4 latents (learned sigma, MSE + VB loss).
python3 training/train_dit.py --depth 4   (needs training/runs/vae.pt)"""
import argparse
import math
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(__file__))
from common import EMA, RUNS_DIR, Budget, Logger, command_line, load_checkpoint, save_checkpoint, setup  # noqa: E402
from data import load_split  # noqa: E402
from diffusion import Diffusion, linear_betas  # noqa: E402
from models.dit import DiT, param_counts  # noqa: E402
from models.vae import VAE  # noqa: E402

# (width, heads) per depth: head dim 32, width 32*depth. Narrower than VAR's 64*depth so that diffusion,
# which needs many more samples than VAR, gets enough steps on the shared 2-core CPU.
SIZES = {1: (32, 1), 2: (64, 2), 3: (96, 3), 4: (128, 4)}
DEFAULT_MINUTES = {1: 6, 2: 10, 3: 18, 4: 45}


def load_vae():
    ck = load_checkpoint('vae')
    vae = VAE(**ck['config'])
    vae.load_state_dict(ck['state_dict'])
    return vae.eval()


@torch.no_grad()
def latent_stats(vae, split):
    """Posterior mean and std of every image's latent (cached): training draws z = mean + std * n afresh."""
    path = os.path.join(RUNS_DIR, f'dit_latents_{split}.pt')
    if os.path.exists(path) and os.path.getmtime(path) > os.path.getmtime(os.path.join(RUNS_DIR, 'vae.pt')):
        return torch.load(path)
    x, y = load_split(split)
    means, stds = [], []
    for i in range(0, len(x), 500):
        m, lv = vae.posterior(x[i:i + 500])
        means.append(m)
        stds.append((0.5 * lv).exp())
    out = {'mean': torch.cat(means), 'std': torch.cat(stds), 'labels': y}
    torch.save(out, path)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--depth', type=int, required=True)
    ap.add_argument('--steps', type=int, default=0, help='fixed length; 0 = use --minutes')
    ap.add_argument('--minutes', type=float, default=0, help='0 = DEFAULT_MINUTES[depth]')
    ap.add_argument('--batch', type=int, default=128)
    ap.add_argument('--lr', type=float, default=0)
    ap.add_argument('--ema', type=float, default=0.999, help='EMA decay; its window should be well under the run')
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--init_from', default='', help='continue from runs/<name>.pt (its EMA weights)')
    args = ap.parse_args()
    setup(args.seed)
    log = Logger()
    log(f'command: {command_line()}')
    width, heads = SIZES[args.depth]
    lr = args.lr or 2e-3 * math.sqrt(64 / width)
    vae = load_vae()
    scale = vae.scale_factor.item()
    shift = vae.latent_shift.clone()
    tr = latent_stats(vae, 'train')
    config = {'depth': args.depth, 'width': width, 'heads': heads, 'input_size': 8, 'patch': 2, 'in_channels': 4,
              'num_classes': 10, 'class_dropout_prob': 0.1, 'learn_sigma': True}
    model = DiT(**config)
    previous = None
    if args.init_from:
        ck = load_checkpoint(args.init_from)
        model.load_state_dict(ck['state_dict'])
        previous = ck['info']
        log(f'initialised from runs/{args.init_from}.pt: {previous}')
    ema = EMA(model, args.ema)
    diffusion = Diffusion(linear_betas(1000))
    log(f'params {param_counts(model)} width {width} heads {heads} batch {args.batch} lr {lr:.2e} latent scale {scale:.4f}')
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=lr, weight_decay=0.0)
    g = torch.Generator().manual_seed(args.seed)
    N = len(tr['labels'])
    budget = Budget(args.steps, args.minutes or DEFAULT_MINUTES.get(args.depth, 10))
    t0, step, avg = time.time(), 0, None
    while not budget.done(step):
        step += 1
        for group in opt.param_groups:
            group['lr'] = lr * budget.lr_factor(step)
        idx = torch.randint(0, N, (args.batch,), generator=g)
        mean, std = tr['mean'][idx], tr['std'][idx]
        x0 = (mean + std * torch.randn(mean.shape, generator=g) - shift) * scale
        t = torch.randint(0, diffusion.num_timesteps, (args.batch,), generator=g)
        noise = torch.randn(x0.shape, generator=g)
        loss, mse, vb = diffusion.training_losses(model, x0, t, tr['labels'][idx], noise)
        loss = loss.mean()
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        ema.update(model, step)
        avg = loss.item() if avg is None else 0.98 * avg + 0.02 * loss.item()
        if step % 200 == 0:
            rate = step * args.batch / (time.time() - t0)
            log(f'step {step} loss(avg) {avg:.4f} mse {mse.mean().item():.4f} vb {vb.mean().item():.4f} '
                f'lr {opt.param_groups[0]["lr"]:.2e} samples/s {rate:.1f}')
    info = {'steps': step, 'reproduce': f'--steps {step}', 'batch': args.batch, 'lr': lr, 'final_loss_avg': avg,
            'params': param_counts(model), 'minutes': (time.time() - t0) / 60, 'command': command_line()}
    if previous:
        # Totals over both stages, so the manifest reports the whole run; the stages stay in 'stages'.
        info = {**info, 'steps': previous['steps'] + step, 'minutes': previous['minutes'] + info['minutes'],
                'command': f"{previous['command']} && {command_line()}", 'stages': [previous, dict(info)]}
        info.pop('reproduce', None)
    save_checkpoint(f'dit-d{args.depth}', ema.model.state_dict(), config, info)
    log(f'done: {info}')


if __name__ == '__main__':
    main()
