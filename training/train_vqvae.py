"""Trains the multi-scale VQ-VAE tokenizer for VAR.  python3 training/train_vqvae.py"""
import argparse
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
from common import Budget, Logger, add_run_args, command_line, load_checkpoint, setup  # noqa: E402
from data import batches, load_split  # noqa: E402
from models.classifier import Classifier  # noqa: E402
from models.vqvae import VQVAE  # noqa: E402
from resumable import ResumableRun  # noqa: E402


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
    add_run_args(ap, steps=3000, batch=128)
    ap.add_argument('--vocab', type=int, default=512)
    ap.add_argument('--cvae', type=int, default=32)
    args = ap.parse_args()
    device = setup(args.seed, device=args.device)
    log = Logger()
    log(f'command: {command_line()}')
    lr = args.lr or 1e-3
    xtr, ytr = load_split('train')
    xte, yte = load_split('test')
    config = {'vocab_size': args.vocab, 'cvae': args.cvae, 'ch': 32, 'patch_nums': [1, 2, 3, 4], 'n_phi': 4}
    model = VQVAE(vocab_size=args.vocab, cvae=args.cvae, ch=config['ch'], patch_nums=config['patch_nums']).to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.0)
    g = torch.Generator().manual_seed(args.seed)
    fingerprint = {'model': config, 'steps': args.steps, 'batch': args.batch, 'lr': lr, 'seed': args.seed,
                   'dataset': {'train': len(xtr)}}
    run = ResumableRun('vqvae', fingerprint, {'model': model}, opt, g, log, command_line(), final='model',
                       save_every=args.save_every, restart=args.restart)
    step = run.start()
    if step is None:
        return
    budget = Budget(args.steps)
    counts = torch.zeros(args.vocab, device=device)
    while not budget.done(step):
        step += 1
        for group in opt.param_groups:
            group['lr'] = lr * budget.lr_factor(step)
        x = xtr[torch.randint(0, len(xtr), (args.batch,), generator=g)].to(device)
        f = model.encode(x)
        f_hat, vq_loss, idx = model.quantize(f)
        rec = model.decoder(model.post_quant_conv(f_hat))
        rec_loss = F.mse_loss(rec, x) + 0.5 * F.l1_loss(rec, x)
        loss = rec_loss + vq_loss
        opt.zero_grad()
        loss.backward()
        opt.step()
        counts += torch.cat([i.flatten() for i in idx]).bincount(minlength=args.vocab).float()
        if step % 200 == 0 and step <= args.steps * 0.8:
            z_pool = f.detach().permute(0, 2, 3, 1).reshape(-1, args.cvae)
            n_dead = restart_dead_codes(model, counts, z_pool, g)
            used = int((counts > 0).sum())
            counts.zero_()
            log(f'step {step} rec {rec_loss.item():.4f} vq {vq_loss.item():.4f} codes_used {used} restarted {n_dead}')
        run.maybe_save(step)
    model.eval().cpu()
    with torch.no_grad():
        recs, used = [], set()
        for i in range(0, len(xte), 1000):
            rec, _, idx = model(xte[i:i + 1000])
            recs.append(rec.clamp(-1, 1))
            used |= set(torch.cat([j.flatten() for j in idx]).tolist())
        rec = torch.cat(recs)
        test_mse = F.mse_loss(rec, xte).item()
    info = {'steps': step, 'batch': args.batch, 'images': step * args.batch, 'test_mse': test_mse,
            'test_codes_used': len(used), 'dataset': {'train': len(xtr)}, 'command': command_line(),
            'params': sum(p.numel() for p in model.parameters())}
    try:  # the tokenizer's ceiling: how often the classifier still reads its reconstructions right
        clf = Classifier()
        clf.load_state_dict(load_checkpoint('classifier')['state_dict'])
        with torch.no_grad():
            pred = torch.cat([clf.eval()(rec[i:i + 1000])[0].argmax(1) for i in range(0, len(rec), 1000)])
        info['recon_accuracy'] = pred.eq(yte).float().mean().item()
    except FileNotFoundError as e:
        log(f'no reconstruction accuracy: {e}')
    run.finish(step, config, info)
    log(f'done: {info}')


if __name__ == '__main__':
    main()
