"""Measures every generator with the classifier: class accuracy and Frechet distance (FD) of classifier
features of 1,000 samples (100 per class) against test-set statistics, at each model's default sampling
settings, using the SHIPPED (fp16-rounded) weights. Writes training/results.json and a sample grid per model
(training/samples/<id>.png, first 10 samples of each class).

python3 training/evaluate.py [model ...]     (models: var-d1 ... dit-d4; default: all with a checkpoint)"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
import zoo  # noqa: E402
from common import RUNS_DIR, TRAINING_DIR, setup  # noqa: E402
from data import load_split  # noqa: E402

RESULTS = os.path.join(TRAINING_DIR, 'results.json')
SAMPLES_DIR = os.path.join(TRAINING_DIR, 'samples')
PER_CLASS = 100


def frechet_distance(mu1, s1, mu2, s2):
    """|mu1-mu2|^2 + tr(S1 + S2 - 2 (S1 S2)^(1/2)); the trace of the root via the symmetric form
    sqrt(S1) S2 sqrt(S1), which has the same eigenvalues as S1 S2 and is PSD."""
    w, v = np.linalg.eigh(s1)
    r1 = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    m = r1 @ s2 @ r1
    tr_sqrt = np.sqrt(np.clip(np.linalg.eigvalsh((m + m.T) / 2), 0, None)).sum()
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * tr_sqrt)


def stats(features):
    f = features.astype(np.float64)
    return f.mean(0), np.cov(f, rowvar=False)


@torch.no_grad()
def classify(clf, images):
    logits, feats = [], []
    for i in range(0, len(images), 500):
        lo, fe = clf(images[i:i + 500])
        logits.append(lo)
        feats.append(fe)
    return torch.cat(logits), torch.cat(feats).numpy()


def reference_stats(clf):
    xte, yte = load_split('test')
    logits, feats = classify(clf, xte)
    mu, sigma = stats(feats)
    xtr, _ = load_split('train')
    g = torch.Generator().manual_seed(0)
    pick = torch.randperm(len(xtr), generator=g)[:1000]
    _, ftr = classify(clf, xtr[pick])
    real_fd = frechet_distance(*stats(ftr), mu, sigma)
    acc = (logits.argmax(1) == yte).float().mean().item()
    return mu, sigma, acc, real_fd


def score(clf, images, labels, mu, sigma):
    logits, feats = classify(clf, images)
    correct = (logits.argmax(1) == labels).float()
    per_class = [correct[labels == c].mean().item() for c in range(10)]
    return {'fd': frechet_distance(*stats(feats), mu, sigma), 'accuracy': correct.mean().item(),
            'perClassAccuracy': per_class, 'samples': len(labels)}


def save_grid(images, labels, path, per_class=10):
    from PIL import Image
    rows = []
    for c in range(10):
        imgs = images[labels == c][:per_class]
        rows.append(torch.cat(list(imgs[:, 0]), dim=1))
    grid = torch.cat(rows, dim=0)
    arr = ((grid.clamp(-1, 1) + 1) * 127.5).round().byte().numpy()
    Image.fromarray(arr, mode='L').save(path)


def generate(name, labels, settings, seed):
    kind, depth = name.split('-d')
    if kind == 'var':
        var, _ = zoo.load_var(int(depth))
        vq, _ = zoo.load_vqvae()
        return zoo.generate_var(var, vq, labels, settings, seed)
    dit, _ = zoo.load_dit(int(depth))
    vae, _ = zoo.load_vae()
    return zoo.generate_dit(dit, vae, labels, settings, seed)


def evaluate(name, clf, mu, sigma, settings=None, per_class=PER_CLASS, seed=1234, grid=True):
    settings = settings or (zoo.VAR_SAMPLING if name.startswith('var') else zoo.DIT_SAMPLING)
    labels = torch.arange(10).repeat_interleave(per_class)
    t0 = time.time()
    images = generate(name, labels, settings, seed)
    res = score(clf, images, labels, mu, sigma)
    res.update({'settings': dict(settings), 'evalSeed': seed, 'seconds': round(time.time() - t0, 1)})
    if grid:
        os.makedirs(SAMPLES_DIR, exist_ok=True)
        save_grid(images, labels, os.path.join(SAMPLES_DIR, f'{name}.png'))
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('models', nargs='*')
    ap.add_argument('--sweep_cfg', default='', help='e.g. "1.5,3,5": print metrics per CFG scale, save nothing')
    ap.add_argument('--per_class', type=int, default=PER_CLASS, help='samples per class for --sweep_cfg')
    args = ap.parse_args()
    setup(0)
    clf, _ = zoo.load_classifier()
    mu, sigma, acc, real_fd = reference_stats(clf)
    if args.sweep_cfg:
        for name in args.models:
            base = zoo.VAR_SAMPLING if name.startswith('var') else zoo.DIT_SAMPLING
            for cfg in (float(c) for c in args.sweep_cfg.split(',')):
                res = evaluate(name, clf, mu, sigma, {**base, 'cfg': cfg}, args.per_class, grid=False)
                print(f'{name} cfg {cfg}: FD {res["fd"]:.3f} accuracy {res["accuracy"]:.4f} '
                      f'({res["samples"]} samples, {res["seconds"]} s)', flush=True)
        return
    print(f'classifier test accuracy {acc:.4f}, FD(1000 train digits vs test) {real_fd:.3f}', flush=True)
    names = args.models or [f'{k}-d{d}' for k in ('var', 'dit') for d in (1, 2, 3, 4)
                            if os.path.exists(os.path.join(RUNS_DIR, f'{k}-d{d}.pt'))]
    for name in names:
        res = evaluate(name, clf, mu, sigma)
        print(f'{name}: FD {res["fd"]:.3f} accuracy {res["accuracy"]:.4f} ({res["seconds"]} s)', flush=True)
        # Re-read before writing: another evaluate.py (the other training lane) may have added models.
        results = json.load(open(RESULTS)) if os.path.exists(RESULTS) else {}
        results['classifier'] = {'testAccuracy': acc, 'realFd': real_fd}
        results[name] = res
        with open(RESULTS, 'w') as f:
            json.dump(results, f, indent=2)


if __name__ == '__main__':
    main()
