"""Trains the continuous KL-VAE for DiT and computes its latent scale factor.  python3 training/train_vae.py"""
import argparse
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
from common import Logger, command_line, save_checkpoint, setup  # noqa: E402
from data import batches, load_split  # noqa: E402
from common import load_checkpoint  # noqa: E402
from models.vae import VAE, latent_normalisation  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--steps', type=int, default=900)
    ap.add_argument('--batch', type=int, default=64)
    ap.add_argument('--lr', type=float, default=1e-3)
    ap.add_argument('--kl_weight', type=float, default=1e-5)
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--renormalise_only', action='store_true',
                    help='recompute latent_shift/scale_factor of runs/vae.pt without retraining')
    args = ap.parse_args()
    setup(args.seed)
    log = Logger()
    log(f'command: {command_line()}')
    xtr, ytr = load_split('train')
    xte, _ = load_split('test')
    if args.renormalise_only:
        ck = load_checkpoint('vae')
        model = VAE(**ck['config'])
        model.load_state_dict(ck['state_dict'], strict=False)
        model.eval()
        finish(model, ck['info'], xtr, xte, log)
        return
    model = VAE(latent_ch=4, ch=32)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.0)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=args.steps, pct_start=0.05)
    g = torch.Generator().manual_seed(args.seed)
    it = batches(xtr, ytr, args.batch, g)
    for step in range(1, args.steps + 1):
        x, _ = next(it)
        rec, kl = model(x)
        # Pixel loss summed per image so that the KL weight means the same thing as in SD's VAE.
        rec_loss = (F.mse_loss(rec, x, reduction='sum') + 0.5 * F.l1_loss(rec, x, reduction='sum')) / len(x)
        loss = rec_loss + args.kl_weight * kl
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if step % 250 == 0:
            log(f'step {step} rec/img {rec_loss.item():.3f} kl/img {kl.item():.2f}')
    model.eval()
    finish(model, {'steps': args.steps, 'command': command_line()}, xtr, xte, log)


def finish(model, info, xtr, xte, log):
    with torch.no_grad():
        z = latent_normalisation(model, xtr[:4000])
        mte, _ = model.posterior(xte)
        test_mse = F.mse_loss(model.decoder(mte).clamp(-1, 1), xte).item()
    info = {**info, 'test_mse': test_mse, 'scale_factor': model.scale_factor.item(),
            'latent_mean': z.mean().item(), 'latent_std': z.std().item(),
            'params': sum(p.numel() for p in model.parameters() if p.requires_grad)}
    save_checkpoint('vae', model.state_dict(), {'latent_ch': 4, 'ch': 32}, info)
    log(f'done: {info}')


if __name__ == '__main__':
    main()
