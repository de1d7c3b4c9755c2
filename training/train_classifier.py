"""Trains the MNIST classifier used for accuracy and FD.  python3 training/train_classifier.py"""
import argparse
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, __import__('os').path.dirname(__file__))
from common import Budget, Logger, add_run_args, command_line, setup  # noqa: E402
from data import batches, load_split  # noqa: E402
from models.classifier import Classifier  # noqa: E402
from resumable import ResumableRun  # noqa: E402


def random_shift(x, g, max_shift=2):
    # Small translations make the classifier robust to slightly off-centre generated digits.
    dx, dy = torch.randint(-max_shift, max_shift + 1, (2,), generator=g).tolist()
    return torch.roll(x, shifts=(dy, dx), dims=(2, 3))


def main():
    ap = argparse.ArgumentParser()
    add_run_args(ap, steps=2000, batch=128)
    args = ap.parse_args()
    device = setup(args.seed, device=args.device)
    log = Logger()
    log(f'command: {command_line()}')
    lr = args.lr or 2e-3
    xtr, ytr = load_split('train')
    xte, yte = load_split('test')
    model = Classifier().to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    g = torch.Generator().manual_seed(args.seed)
    fingerprint = {'steps': args.steps, 'batch': args.batch, 'lr': lr, 'seed': args.seed,
                   'dataset': {'train': len(xtr)}}
    run = ResumableRun('classifier', fingerprint, {'model': model}, opt, g, log, command_line(), final='model',
                       save_every=args.save_every, restart=args.restart)
    step = run.start()
    if step is None:
        return
    budget = Budget(args.steps, warmup=0.1)
    while not budget.done(step):
        step += 1
        for group in opt.param_groups:
            group['lr'] = lr * budget.lr_factor(step)
        idx = torch.randint(0, len(xtr), (args.batch,), generator=g)
        logits, _ = model(random_shift(xtr[idx], g).to(device))
        loss = F.cross_entropy(logits, ytr[idx].to(device))
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 250 == 0:
            log(f'step {step} loss {loss.item():.4f}')
        run.maybe_save(step)
    model.eval().cpu()
    with torch.no_grad():
        acc = torch.cat([model(xte[i:i + 1000])[0].argmax(1) for i in range(0, len(xte), 1000)]).eq(yte).float().mean().item()
    n_params = sum(p.numel() for p in model.parameters())
    info = {'steps': step, 'batch': args.batch, 'images': step * args.batch, 'test_accuracy': acc,
            'test_images': len(xte), 'params': n_params, 'dataset': {'train': len(xtr)}, 'command': command_line()}
    run.finish(step, {}, info)
    log(f'done: test accuracy {acc:.4f} on {len(xte)} test digits, params {n_params}')


if __name__ == '__main__':
    main()
