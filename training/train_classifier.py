"""Trains the MNIST classifier used for accuracy and FD.  python3 training/train_classifier.py"""
import argparse
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, __import__('os').path.dirname(__file__))
from common import Logger, command_line, save_checkpoint, setup  # noqa: E402
from data import batches, load_split  # noqa: E402
from models.classifier import Classifier  # noqa: E402


def random_shift(x, g, max_shift=2):
    # Small translations make the classifier robust to slightly off-centre generated digits.
    dx, dy = torch.randint(-max_shift, max_shift + 1, (2,), generator=g).tolist()
    return torch.roll(x, shifts=(dy, dx), dims=(2, 3))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--steps', type=int, default=1000)
    ap.add_argument('--batch', type=int, default=128)
    ap.add_argument('--lr', type=float, default=2e-3)
    ap.add_argument('--seed', type=int, default=0)
    args = ap.parse_args()
    setup(args.seed)
    log = Logger()
    log(f'command: {command_line()}')
    xtr, ytr = load_split('train')
    xte, yte = load_split('test')
    model = Classifier()
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=args.steps)
    g = torch.Generator().manual_seed(args.seed)
    it = batches(xtr, ytr, args.batch, g)
    for step in range(1, args.steps + 1):
        x, y = next(it)
        logits, _ = model(random_shift(x, g))
        loss = F.cross_entropy(logits, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if step % 250 == 0 or step == args.steps:
            model.eval()
            with torch.no_grad():
                acc = (model(xte)[0].argmax(1) == yte).float().mean().item()
            model.train()
            log(f'step {step} loss {loss.item():.4f} test_acc {acc:.4f}')
    model.eval()
    n_params = sum(p.numel() for p in model.parameters())
    save_checkpoint('classifier', model.state_dict(), {}, {'steps': args.steps, 'test_accuracy': acc,
                                                         'params': n_params, 'command': command_line()})
    log(f'done: test accuracy {acc:.4f}, params {n_params}')


if __name__ == '__main__':
    main()
