"""Small helpers shared by the training scripts: seeding, logging, EMA, time caps, checkpoints."""
import copy
import json
import os
import sys
import time

import torch

TRAINING_DIR = os.path.dirname(os.path.abspath(__file__))
RUNS_DIR = os.path.join(TRAINING_DIR, 'runs')
LOGS_DIR = os.path.join(TRAINING_DIR, 'logs')


def setup(seed, threads=None):
    # train_all.sh runs two lanes side by side with one thread each: small matrices use one core better.
    threads = threads or int(os.environ.get('TRAIN_THREADS', '2'))
    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    os.makedirs(RUNS_DIR, exist_ok=True)
    os.makedirs(LOGS_DIR, exist_ok=True)


class Logger:
    """Prints to stdout (train_all.sh redirects it to training/logs/<model>.log) with elapsed seconds."""

    def __init__(self):
        self.t0 = time.time()

    def elapsed(self):
        return time.time() - self.t0

    def __call__(self, msg):
        print(f'[{self.elapsed():7.1f}s] {msg}', flush=True)


class EMA:
    """Exponential moving average of a model's parameters (the exported weights)."""

    def __init__(self, model, decay):
        self.decay = decay
        self.model = copy.deepcopy(model).eval()
        for p in self.model.parameters():
            p.requires_grad_(False)

    @torch.no_grad()
    def update(self, model, step):
        # Warm-up so that early EMA weights are not dominated by the random init.
        d = min(self.decay, (1 + step) / (10 + step))
        for pe, p in zip(self.model.parameters(), model.parameters()):
            pe.mul_(d).add_(p.detach(), alpha=1 - d)
        for be, b in zip(self.model.buffers(), model.buffers()):
            be.copy_(b)


def save_checkpoint(name, state_dict, config, info):
    path = os.path.join(RUNS_DIR, f'{name}.pt')
    torch.save({'state_dict': state_dict, 'config': config, 'info': info}, path)
    return path


def load_checkpoint(name):
    return torch.load(os.path.join(RUNS_DIR, f'{name}.pt'), map_location='cpu')


def command_line():
    return 'python3 ' + ' '.join(['training/' + os.path.basename(sys.argv[0])] + sys.argv[1:])


def write_json(path, obj):
    with open(path, 'w') as f:
        json.dump(obj, f, indent=2)


class Budget:
    """Training length by steps or by wall-clock minutes (whichever is given; steps win when both are).

    A time budget keeps the whole zoo inside the session on a shared, unevenly loaded CPU; the log and the
    manifest record the steps actually taken, and `--steps N` reproduces a run with a fixed length.
    The learning rate follows linear warm-up (first 5%) then cosine decay to 5% over the budget."""

    def __init__(self, steps=0, minutes=0.0):
        assert steps > 0 or minutes > 0
        self.steps, self.seconds = steps, minutes * 60
        self.t0 = __import__('time').time()

    def progress(self, step):
        if self.steps:
            return step / self.steps
        return (__import__('time').time() - self.t0) / self.seconds

    def lr_factor(self, step):
        p = min(self.progress(step), 1.0)
        if p < 0.05:
            return max(p / 0.05, 0.01)
        return 0.05 + 0.95 * 0.5 * (1 + __import__('math').cos(__import__('math').pi * (p - 0.05) / 0.95))

    def done(self, step):
        return self.progress(step) >= 1.0
