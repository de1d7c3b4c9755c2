"""Small helpers shared by the training scripts: seeding, logging, EMA, time caps, checkpoints."""
import copy
import json
import math
import os
import sys
import time

import torch

TRAINING_DIR = os.path.dirname(os.path.abspath(__file__))
RUNS_DIR = os.environ.get('TRAINING_RUNS_DIR', os.path.join(TRAINING_DIR, 'runs'))  # env: tests, torchrun
LOGS_DIR = os.path.join(TRAINING_DIR, 'logs')


def setup(seed, threads=None, device='cpu'):
    """Seeds, threads (one job with both cores of the 2-core machines: TRAIN_THREADS, default 2), folders;
    returns the torch device, with a clear error when CUDA is asked for and absent."""
    threads = threads or int(os.environ.get('TRAIN_THREADS', '2'))
    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    os.makedirs(RUNS_DIR, exist_ok=True)
    os.makedirs(LOGS_DIR, exist_ok=True)
    if device.startswith('cuda') and not torch.cuda.is_available():
        sys.exit(f'--device {device}: this PyTorch has no CUDA device; use --device cpu')
    return torch.device(device)


def add_run_args(ap, steps, batch, save_every=500):
    """The arguments every resumable training script takes."""
    ap.add_argument('--steps', type=int, default=steps, help='fixed number of optimiser steps')
    ap.add_argument('--batch', type=int, default=batch)
    ap.add_argument('--lr', type=float, default=0, help='peak learning rate; 0 = the family default')
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--device', default='cpu', help="'cpu' or 'cuda'")
    ap.add_argument('--save_every', type=int, default=save_every, help='checkpoint every N steps')
    ap.add_argument('--restart', action='store_true', help='discard this run\'s checkpoints and start over')


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


CHECKPOINTS_DIR = os.environ.get('TRAINING_CHECKPOINTS_DIR', os.path.join(TRAINING_DIR, 'checkpoints'))


def save_checkpoint(name, state_dict, config, info):
    path = os.path.join(RUNS_DIR, f'{name}.pt')
    torch.save({'state_dict': state_dict, 'config': config, 'info': info}, path)
    return path


def load_checkpoint(name):
    """A finished model: runs/<name>.pt (f32, written by the training run on this machine), else the committed
    compact final checkpoint training/checkpoints/<name>.pt (f16 weights, widened to f32 here)."""
    local = os.path.join(RUNS_DIR, f'{name}.pt')
    if os.path.exists(local):
        return torch.load(local, map_location='cpu')
    committed = os.path.join(CHECKPOINTS_DIR, f'{name}.pt')
    if os.path.exists(committed):
        ck = torch.load(committed, map_location='cpu')
        if ck.get('done'):
            return {'state_dict': widen(ck['final']), 'config': ck['config'], 'info': ck['info']}
        raise FileNotFoundError(f'{committed}: training of {name} stopped at step {ck["step"]} of '
                                f'{ck["fingerprint"].get("steps")}; resume it with: {ck["command"]}')
    raise FileNotFoundError(f'no checkpoint for {name} in {RUNS_DIR} or {CHECKPOINTS_DIR}; '
                            f'train it with training/train_all.sh {name}')


def compact(state_dict):
    """f16 copies of the floating tensors (what gets committed), others as they are."""
    return {k: (v.detach().to('cpu', torch.float16) if v.is_floating_point() else v.detach().cpu())
            for k, v in state_dict.items()}


def widen(state_dict):
    return {k: (v.float() if v.is_floating_point() else v) for k, v in state_dict.items()}


def command_line():
    return 'python3 ' + ' '.join(['training/' + os.path.basename(sys.argv[0])] + sys.argv[1:])


def write_json(path, obj):
    with open(path, 'w') as f:
        json.dump(obj, f, indent=2)


class Budget:
    """A fixed number of optimiser steps (never wall clock) and the learning-rate shape over them: linear
    warm-up over the first `warmup` fraction, then cosine decay to `floor` of the peak at the last step."""

    def __init__(self, steps, warmup=0.05, floor=0.05):
        if steps <= 0:
            raise ValueError(f'--steps must be positive, got {steps}')
        self.steps, self.warmup, self.floor = steps, warmup, floor

    def progress(self, step):
        return step / self.steps

    def lr_factor(self, step):
        p = min(self.progress(step), 1.0)
        if p < self.warmup:
            return max(p / self.warmup, 0.01)
        q = (p - self.warmup) / (1 - self.warmup)
        return self.floor + (1 - self.floor) * 0.5 * (1 + math.cos(math.pi * q))

    def done(self, step):
        return step >= self.steps
