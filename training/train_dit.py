"""Trains a DiT of the given depth on the VAE's scaled 8x8x4 latents (learned sigma, MSE + VB loss).
python3 training/train_dit.py --depth 4   (needs training/runs/vae.pt)"""
import argparse
import math
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(__file__))
from common import EMA, RUNS_DIR, Budget, Logger, add_run_args, command_line, load_checkpoint, setup  # noqa: E402
from data import load_split  # noqa: E402
from diffusion import Diffusion, linear_betas  # noqa: E402
from models.dit import DiT, param_counts  # noqa: E402
from models.vae import VAE  # noqa: E402
from resumable import ResumableRun  # noqa: E402

# One ladder for both families: width 64*depth, heads = depth (head dim 64), as VAR, so one depth has nearly
# the same parameter count in both. The zoo's common budget (docs/model-zoo.md): 4,700 steps x 128 = 601,600
# training images. DiT's schedule: peak lr 1e-3*sqrt(64/width), 2% warm-up, cosine to 10%.
STEPS, BATCH, EMA_DECAY = 4700, 128, 0.999


def size(depth):
    return 64 * depth, depth


def load_vae():
    ck = load_checkpoint('vae')
    vae = VAE(**ck['config'])
    vae.load_state_dict(ck['state_dict'])
    return vae.eval(), {'config': ck['config'], 'steps': ck['info'].get('steps'), 'test_mse': ck['info'].get('test_mse')}


@torch.no_grad()
def latent_stats(vae, split, vae_id):
    """Posterior mean and std of every image's latent (cached): training draws z = mean + std * n afresh."""
    path = os.path.join(RUNS_DIR, f'dit_latents_{split}.pt')
    if os.path.exists(path):
        cached = torch.load(path)
        if cached.get('vae') == vae_id:
            return cached
    x, y = load_split(split)
    means, stds = [], []
    for i in range(0, len(x), 500):
        m, lv = vae.posterior(x[i:i + 500])
        means.append(m)
        stds.append((0.5 * lv).exp())
    out = {'mean': torch.cat(means), 'std': torch.cat(stds), 'labels': y, 'vae': vae_id}
    torch.save(out, path)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--depth', type=int, required=True)
    ap.add_argument('--min_snr_gamma', type=float, default=0.0,
                    help='Min-SNR-gamma weighting of the eps MSE (0 = unweighted, as DiT)')
    add_run_args(ap, STEPS, BATCH)
    args = ap.parse_args()
    device = setup(args.seed, device=args.device)
    log = Logger()
    log(f'command: {command_line()}')
    width, heads = size(args.depth)
    lr = args.lr or 1e-3 * math.sqrt(64 / width)
    vae, vae_id = load_vae()
    scale = vae.scale_factor.item()
    shift = vae.latent_shift.clone().to(device)
    tr = {k: (v.to(device) if torch.is_tensor(v) else v) for k, v in latent_stats(vae, 'train', vae_id).items()}
    config = {'depth': args.depth, 'width': width, 'heads': heads, 'input_size': 8, 'patch': 2, 'in_channels': 4,
              'num_classes': 10, 'class_dropout_prob': 0.1, 'learn_sigma': True}
    model = DiT(**config).to(device)
    ema = EMA(model, EMA_DECAY)
    diffusion = Diffusion(linear_betas(1000))
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=lr, weight_decay=0.0)
    g = torch.Generator().manual_seed(args.seed)
    N = len(tr['labels'])
    fingerprint = {'model': config, 'steps': args.steps, 'batch': args.batch, 'lr': lr, 'seed': args.seed,
                   'ema': EMA_DECAY, 'dataset': {'train': N}, 'vae': vae_id}
    if args.min_snr_gamma:  # only when set, so the runs trained before the option existed still resume
        fingerprint['min_snr_gamma'] = args.min_snr_gamma
    name = f'dit-d{args.depth}'
    run = ResumableRun(name, fingerprint, {'model': model, 'ema': ema.model}, opt, g, log, command_line(),
                       save_every=args.save_every, restart=args.restart)
    step = run.start()
    if step is None:
        return
    log(f'params {param_counts(model)} width {width} heads {heads} batch {args.batch} lr {lr:.2e} '
        f'latent scale {scale:.4f} from step {step}')
    budget = Budget(args.steps, warmup=0.02, floor=0.1)
    t0, step0, avg = time.time(), step, None
    while not budget.done(step):
        step += 1
        for group in opt.param_groups:
            group['lr'] = lr * budget.lr_factor(step)
        idx = torch.randint(0, N, (args.batch,), generator=g).to(device)
        mean, std = tr['mean'][idx], tr['std'][idx]
        x0 = (mean + std * torch.randn(mean.shape, generator=g).to(device) - shift) * scale
        t = torch.randint(0, diffusion.num_timesteps, (args.batch,), generator=g).to(device)
        noise = torch.randn(x0.shape, generator=g).to(device)
        loss, mse, vb = diffusion.training_losses(model, x0, t, tr['labels'][idx], noise, args.min_snr_gamma)
        loss = loss.mean()
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        ema.update(model, step)
        avg = loss.item() if avg is None else 0.98 * avg + 0.02 * loss.item()
        if step % 200 == 0:
            rate = (step - step0) * args.batch / (time.time() - t0)
            log(f'step {step} loss(avg) {avg:.4f} mse {mse.mean().item():.4f} vb {vb.mean().item():.4f} '
                f'lr {opt.param_groups[0]["lr"]:.2e} samples/s {rate:.1f}')
        run.maybe_save(step)
    info = {'steps': step, 'batch': args.batch, 'images': step * args.batch, 'lr': lr, 'ema': EMA_DECAY,
            'schedule': 'linear warm-up 2%, cosine to 10% of peak', 'final_loss_avg': avg,
            'min_snr_gamma': args.min_snr_gamma,
            'params': param_counts(model), 'dataset': {'train': N}, 'device': args.device,
            'command': command_line()}
    ema.model.cpu()
    run.finish(step, config, info)
    log(f'done: {info}')


if __name__ == '__main__':
    main()
