"""Trains the multi-scale VQ-VAE tokenizer for VAR.  python3 training/train_vqvae.py"""
import argparse
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
from common import Logger, command_line, save_checkpoint, setup  # noqa: E402
from data import batches, load_split  # noqa: E402
from models.vqvae import VQVAE  # noqa: E402


@torch.no_grad()
def restart_dead_codes(model, counts, z_pool, g):
    """Re-seeds never-used codebook rows with random encoder outputs, so the 512 codes stay in use."""
    dead = (counts == 0).nonzero().flatten()
    if len(dead) == 0:
        return 0
    pick = torch.randint(0, len(z_pool), (len(dead),), generator=g)
    model.quantize.embedding.weight.data[dead] = z_pool[pick]
    return len(dead)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--steps', type=int, default=1000)
    ap.add_argument('--batch', type=int, default=64)
    ap.add_argument('--lr', type=float, default=1e-3)
    ap.add_argument('--vocab', type=int, default=512)
    ap.add_argument('--cvae', type=int, default=32)
    ap.add_argument('--seed', type=int, default=0)
    args = ap.parse_args()
    setup(args.seed)
    log = Logger()
    log(f'command: {command_line()}')
    xtr, ytr = load_split('train')
    xte, _ = load_split('test')
    config = {'vocab_size': args.vocab, 'cvae': args.cvae, 'ch': 32, 'patch_nums': [1, 2, 3, 4], 'n_phi': 4}
    model = VQVAE(vocab_size=args.vocab, cvae=args.cvae, ch=config['ch'], patch_nums=config['patch_nums'])
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.0)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=args.steps, pct_start=0.05)
    g = torch.Generator().manual_seed(args.seed)
    it = batches(xtr, ytr, args.batch, g)
    counts = torch.zeros(args.vocab)
    for step in range(1, args.steps + 1):
        x, _ = next(it)
        f = model.encode(x)
        f_hat, vq_loss, idx = model.quantize(f)
        rec = model.decoder(model.post_quant_conv(f_hat))
        rec_loss = F.mse_loss(rec, x) + 0.5 * F.l1_loss(rec, x)
        loss = rec_loss + vq_loss
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        counts += torch.cat([i.flatten() for i in idx]).bincount(minlength=args.vocab).float()
        if step % 200 == 0 and step <= args.steps * 0.8:
            z_pool = f.detach().permute(0, 2, 3, 1).reshape(-1, args.cvae)
            n_dead = restart_dead_codes(model, counts, z_pool, g)
            used = int((counts > 0).sum())
            counts.zero_()
            log(f'step {step} rec {rec_loss.item():.4f} vq {vq_loss.item():.4f} codes_used {used} restarted {n_dead}')
    model.eval()
    with torch.no_grad():
        rec, _, idx = model(xte)
        test_mse = F.mse_loss(rec.clamp(-1, 1), xte).item()
        used = torch.cat([i.flatten() for i in idx]).unique().numel()
    info = {'steps': args.steps, 'test_mse': test_mse, 'test_codes_used': used, 'command': command_line(),
            'params': sum(p.numel() for p in model.parameters())}
    save_checkpoint('vqvae', model.state_dict(), config, info)
    log(f'done: {info}')


if __name__ == '__main__':
    main()
