"""Trains the continuous KL-VAE for DiT and computes its latent scale factor.  python3 training/train_vae.py"""
import argparse
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
from common import Budget, Logger, add_run_args, command_line, save_checkpoint, setup  # noqa: E402
from data import batches, load_split  # noqa: E402
from common import load_checkpoint  # noqa: E402
from models.vae import VAE, latent_normalisation  # noqa: E402
from resumable import ResumableRun  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    add_run_args(ap, steps=3000, batch=128)
    ap.add_argument('--kl_weight', type=float, default=1e-5)
    ap.add_argument('--renormalise_only', action='store_true',
                    help='recompute latent_shift/scale_factor of runs/vae.pt without retraining')
    args = ap.parse_args()
    device = setup(args.seed, device=args.device)
    log = Logger()
    log(f'command: {command_line()}')
    lr = args.lr or 1e-3
    xtr, ytr = load_split('train')
    xte, _ = load_split('test')
    if args.renormalise_only:
        ck = load_checkpoint('vae')
        model = VAE(**ck['config'])
        model.load_state_dict(ck['state_dict'], strict=False)
        model.eval()
        finish(model, ck['info'], xtr, xte, log, None)
        return
    model = VAE(latent_ch=4, ch=32).to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.0)
    g = torch.Generator().manual_seed(args.seed)
    fingerprint = {'steps': args.steps, 'batch': args.batch, 'lr': lr, 'seed': args.seed, 'kl': args.kl_weight,
                   'model': {'latent_ch': 4, 'ch': 32}, 'dataset': {'train': len(xtr)}}
    run = ResumableRun('vae', fingerprint, {'model': model}, opt, g, log, command_line(), final='model',
                       save_every=args.save_every, restart=args.restart)
    step = run.start()
    if step is None:
        return
    budget = Budget(args.steps)
    while not budget.done(step):
        step += 1
        for group in opt.param_groups:
            group['lr'] = lr * budget.lr_factor(step)
        x = xtr[torch.randint(0, len(xtr), (args.batch,), generator=g)].to(device)
        rec, kl = model(x)
        # Pixel loss summed per image so that the KL weight means the same thing as in SD's VAE.
        rec_loss = (F.mse_loss(rec, x, reduction='sum') + 0.5 * F.l1_loss(rec, x, reduction='sum')) / len(x)
        loss = rec_loss + args.kl_weight * kl
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 250 == 0:
            log(f'step {step} rec/img {rec_loss.item():.3f} kl/img {kl.item():.2f}')
        run.maybe_save(step)
    model.eval().cpu()
    info = {'steps': step, 'batch': args.batch, 'images': step * args.batch, 'dataset': {'train': len(xtr)},
            'command': command_line()}
    finish(model, info, xtr, xte, log, run)


def finish(model, info, xtr, xte, log, run):
    with torch.no_grad():
        z = latent_normalisation(model, xtr[:4000])
        mte, _ = model.posterior(xte)
        test_mse = F.mse_loss(model.decoder(mte).clamp(-1, 1), xte).item()
    info = {**info, 'test_mse': test_mse, 'scale_factor': model.scale_factor.item(),
            'latent_mean': z.mean().item(), 'latent_std': z.std().item(),
            'params': sum(p.numel() for p in model.parameters() if p.requires_grad)}
    if run is None:
        save_checkpoint('vae', model.state_dict(), {'latent_ch': 4, 'ch': 32}, info)
    else:
        run.finish(info['steps'], {'latent_ch': 4, 'ch': 32}, info)
    log(f'done: {info}')


if __name__ == '__main__':
    main()
