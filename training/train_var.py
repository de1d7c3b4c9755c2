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
from common import EMA, RUNS_DIR, Budget, Logger, add_run_args, command_line, load_checkpoint, setup  # noqa: E402
from data import load_split  # noqa: E402
from models.var import VAR, param_counts  # noqa: E402
from models.vqvae import VQVAE  # noqa: E402
from resumable import ResumableRun  # noqa: E402

# The zoo's common budget (docs/model-zoo.md): 4,700 steps x 128 = 601,600 training images (10.0 epochs),
# the same for every VAR and DiT. VAR's schedule: peak lr 2e-3/sqrt(depth), 5% warm-up, cosine to 5%.
STEPS, BATCH, EMA_DECAY = 4700, 128, 0.999


def load_vqvae():
    ck = load_checkpoint('vqvae')
    c = ck['config']
    vq = VQVAE(vocab_size=c['vocab_size'], cvae=c['cvae'], ch=c['ch'], patch_nums=c['patch_nums'], n_phi=c['n_phi'])
    vq.load_state_dict(ck['state_dict'])
    return vq.eval(), ck


def tokenizer_id(vq_ck):
    """What identifies the tokenizer a VAR was trained on (part of the run's fingerprint and the cache key)."""
    return {'config': vq_ck['config'], 'steps': vq_ck['info'].get('steps'), 'test_mse': vq_ck['info'].get('test_mse')}


@torch.no_grad()
def tokenize_split(vq, split, tok_id):
    """Tokens [N, L] and teacher-forcing inputs [N, L - first_l, Cvae] for a split (cached in runs/)."""
    path = os.path.join(RUNS_DIR, f'var_tokens_{split}.pt')
    if os.path.exists(path):
        cached = torch.load(path)
        if cached.get('tokenizer') == tok_id:
            return cached
    x, y = load_split(split)
    toks, inputs = [], []
    for i in range(0, len(x), 500):
        _, _, idx = vq.quantize(vq.encode(x[i:i + 500]))
        toks.append(torch.cat(idx, dim=1))
        inputs.append(vq.quantize.idx_to_var_input(idx))
    out = {'tokens': torch.cat(toks), 'inputs': torch.cat(inputs), 'labels': y, 'tokenizer': tok_id}
    torch.save(out, path)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--depth', type=int, required=True)
    add_run_args(ap, STEPS, BATCH)
    args = ap.parse_args()
    device = setup(args.seed, device=args.device)
    log = Logger()
    log(f'command: {command_line()}')
    lr = args.lr or 2e-3 / math.sqrt(args.depth)  # wider models take a smaller step
    vq, vq_ck = load_vqvae()
    tok_id = tokenizer_id(vq_ck)
    vq_config = vq_ck['config']
    tr = {k: (v.to(device) if torch.is_tensor(v) else v) for k, v in tokenize_split(vq, 'train', tok_id).items()}
    te = tokenize_split(vq, 'test', tok_id)
    config = {'depth': args.depth, 'vocab_size': vq_config['vocab_size'], 'cvae': vq_config['cvae'],
              'patch_nums': vq_config['patch_nums'], 'num_classes': 10, 'cond_drop_rate': 0.1}
    model = VAR(**config).to(device)
    ema = EMA(model, EMA_DECAY)
    decay, no_decay = [], []
    for n, p in model.named_parameters():
        (decay if p.ndim >= 2 and 'pos' not in n and 'emb' not in n else no_decay).append(p)
    opt = torch.optim.AdamW([{'params': decay, 'weight_decay': 0.05}, {'params': no_decay, 'weight_decay': 0.0}],
                            lr=lr, betas=(0.9, 0.95))
    g = torch.Generator().manual_seed(args.seed)
    N = len(tr['labels'])
    fingerprint = {'model': config, 'steps': args.steps, 'batch': args.batch, 'lr': lr, 'seed': args.seed,
                   'ema': EMA_DECAY, 'dataset': {'train': N}, 'tokenizer': tok_id}
    name = f'var-d{args.depth}'
    run = ResumableRun(name, fingerprint, {'model': model, 'ema': ema.model}, opt, g, log, command_line(),
                       save_every=args.save_every, restart=args.restart)
    step = run.start()
    if step is None:
        return
    log(f'params {param_counts(model)} steps {args.steps} batch {args.batch} lr {lr:.2e} from step {step}')
    budget = Budget(args.steps)
    t0, step0 = time.time(), step
    while not budget.done(step):
        step += 1
        for group in opt.param_groups:
            group['lr'] = lr * budget.lr_factor(step)
        idx = torch.randint(0, N, (args.batch,), generator=g).to(device)
        logits = model(tr['labels'][idx], tr['inputs'][idx])
        loss = F.cross_entropy(logits.reshape(-1, model.V), tr['tokens'][idx].reshape(-1))
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 2.0)
        opt.step()
        ema.update(model, step)
        if step % 100 == 0:
            rate = (step - step0) * args.batch / (time.time() - t0)
            log(f'step {step} loss {loss.item():.4f} lr {opt.param_groups[0]["lr"]:.2e} samples/s {rate:.1f}')
        run.maybe_save(step)
    ema.model.eval()
    ema.model.cond_drop_rate = 0.0
    with torch.no_grad():
        n = min(2000, len(te['labels']))
        te_logits = ema.model.cpu()(te['labels'][:n], te['inputs'][:n])
        te_loss = F.cross_entropy(te_logits.reshape(-1, model.V), te['tokens'][:n].reshape(-1)).item()
    info = {'steps': step, 'batch': args.batch, 'images': step * args.batch, 'lr': lr, 'ema': EMA_DECAY,
            'schedule': 'linear warm-up 5%, cosine to 5% of peak', 'test_loss_ema': te_loss,
            'params': param_counts(model), 'dataset': {'train': N}, 'device': args.device,
            'command': command_line()}
    run.finish(step, config, info)
    log(f'done: {info}')


if __name__ == '__main__':
    main()
