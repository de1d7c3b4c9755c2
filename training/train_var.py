"""Trains a VAR transformer of the given depth on the VQ-VAE's multi-scale tokens.
python3 training/train_var.py --depth 4   (needs training/runs/vqvae.pt)"""
import argparse
import math
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
from common import EMA, RUNS_DIR, Budget, Logger, command_line, load_checkpoint, save_checkpoint, setup  # noqa: E402
from data import load_split  # noqa: E402
from models.var import VAR, param_counts  # noqa: E402
from models.vqvae import VQVAE  # noqa: E402

# Wall-clock minutes per depth (the session's CPU budget); the steps taken are logged and saved.
DEFAULT_MINUTES = {1: 8, 2: 15, 3: 34, 4: 40}


def load_vqvae():
    ck = load_checkpoint('vqvae')
    c = ck['config']
    vq = VQVAE(vocab_size=c['vocab_size'], cvae=c['cvae'], ch=c['ch'], patch_nums=c['patch_nums'], n_phi=c['n_phi'])
    vq.load_state_dict(ck['state_dict'])
    return vq.eval(), c


@torch.no_grad()
def tokenize_split(vq, split):
    """Tokens [N, L] and teacher-forcing inputs [N, L - first_l, Cvae] for a split (cached in runs/)."""
    path = os.path.join(RUNS_DIR, f'var_tokens_{split}.pt')
    if os.path.exists(path) and os.path.getmtime(path) > os.path.getmtime(os.path.join(RUNS_DIR, 'vqvae.pt')):
        return torch.load(path)
    x, y = load_split(split)
    toks, inputs = [], []
    for i in range(0, len(x), 500):
        _, _, idx = vq.quantize(vq.encode(x[i:i + 500]))
        toks.append(torch.cat(idx, dim=1))
        inputs.append(vq.quantize.idx_to_var_input(idx))
    out = {'tokens': torch.cat(toks), 'inputs': torch.cat(inputs), 'labels': y}
    torch.save(out, path)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--depth', type=int, required=True)
    ap.add_argument('--steps', type=int, default=0, help='fixed length; 0 = use --minutes')
    ap.add_argument('--minutes', type=float, default=0, help='0 = DEFAULT_MINUTES[depth]')
    ap.add_argument('--batch', type=int, default=64)
    ap.add_argument('--lr', type=float, default=0)
    ap.add_argument('--seed', type=int, default=0)
    args = ap.parse_args()
    setup(args.seed)
    log = Logger()
    log(f'command: {command_line()}')
    lr = args.lr or 2e-3 / math.sqrt(args.depth)  # wider models take a smaller step
    vq, vq_config = load_vqvae()
    tr = tokenize_split(vq, 'train')
    te = tokenize_split(vq, 'test')
    config = {'depth': args.depth, 'vocab_size': vq_config['vocab_size'], 'cvae': vq_config['cvae'],
              'patch_nums': vq_config['patch_nums'], 'num_classes': 10, 'cond_drop_rate': 0.1}
    model = VAR(**config)
    ema = EMA(model, 0.995)
    log(f'params {param_counts(model)} steps {args.steps} minutes {args.minutes or DEFAULT_MINUTES.get(args.depth, 10)} batch {args.batch} lr {lr:.2e}')
    decay, no_decay = [], []
    for n, p in model.named_parameters():
        (decay if p.ndim >= 2 and 'pos' not in n and 'emb' not in n else no_decay).append(p)
    opt = torch.optim.AdamW([{'params': decay, 'weight_decay': 0.05}, {'params': no_decay, 'weight_decay': 0.0}],
                            lr=lr, betas=(0.9, 0.95))
    g = torch.Generator().manual_seed(args.seed)
    N = len(tr['labels'])
    budget = Budget(args.steps, args.minutes or DEFAULT_MINUTES.get(args.depth, 10))
    t0, step = time.time(), 0
    while not budget.done(step):
        step += 1
        for group in opt.param_groups:
            group['lr'] = lr * budget.lr_factor(step)
        idx = torch.randint(0, N, (args.batch,), generator=g)
        logits = model(tr['labels'][idx], tr['inputs'][idx])
        loss = F.cross_entropy(logits.reshape(-1, model.V), tr['tokens'][idx].reshape(-1))
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 2.0)
        opt.step()
        ema.update(model, step)
        if step % 100 == 0:
            rate = step * args.batch / (time.time() - t0)
            log(f'step {step} loss {loss.item():.4f} lr {opt.param_groups[0]["lr"]:.2e} samples/s {rate:.1f}')
    ema.model.eval()
    ema.model.cond_drop_rate = 0.0
    with torch.no_grad():
        te_logits = ema.model(te['labels'][:500], te['inputs'][:500])
        te_loss = F.cross_entropy(te_logits.reshape(-1, model.V), te['tokens'][:500].reshape(-1)).item()
    info = {'steps': step, 'reproduce': f'--steps {step}', 'batch': args.batch, 'lr': lr, 'test_loss_ema': te_loss,
            'params': param_counts(model), 'minutes': (time.time() - t0) / 60, 'command': command_line()}
    save_checkpoint(f'var-d{args.depth}', ema.model.state_dict(), config, info)
    log(f'done: {info}')


if __name__ == '__main__':
    main()
