"""Measures the zoo with the classifier at N = 2,000 samples per model (200 per class, sample i of class i mod 10):
FD and KID against the test split's features, each with its class-balanced jackknife standard error
(sample_metrics.py), class accuracy and per-class accuracy, using the SHIPPED (fp16-rounded) weights. Also the
ceilings of each family (reconstructions of N test digits by the VQ tokenizer and by the VAE) and the real-data
floor (N training digits, which are not in the reference). Writes training/results.json and a sample grid per
model (training/samples/<id>.png, first 10 samples of each class).

python3 training/evaluate.py [model ...]       models: var-d1 ... dit-d4 (default: every trained one)
python3 training/evaluate.py --sweep_cfg 1,1.5,2,3,4 --samples 500 --seed 99 dit-d2   (CFG choice)"""
import argparse
import hashlib
import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
import zoo  # noqa: E402
from common import TRAINING_DIR, setup  # noqa: E402
from data import load_split  # noqa: E402
from sample_metrics import Reference, quality  # noqa: E402

RESULTS = os.path.join(TRAINING_DIR, 'results.json')
SAMPLES_DIR = os.path.join(TRAINING_DIR, 'samples')
SAMPLES = 2000


@torch.no_grad()
def classify(clf, images):
    logits, feats = [], []
    for i in range(0, len(images), 500):
        lo, fe = clf(images[i:i + 500])
        logits.append(lo)
        feats.append(fe)
    return torch.cat(logits), torch.cat(feats).numpy()


def interleaved_digits(split, n, seed):
    """n real digits of a split ordered as the generators' samples: index i holds class i mod 10."""
    x, y = load_split(split)
    g = np.random.default_rng(seed)
    per_class = [g.permutation(np.flatnonzero(y.numpy() == c)) for c in range(10)]
    order = np.array([per_class[i % 10][i // 10] for i in range(n)])
    return x[order], y[order]


def reference(clf):
    xte, yte = load_split('test')
    logits, feats = classify(clf, xte)
    acc = (logits.argmax(1) == yte).float().mean().item()
    return Reference(feats, kid_f16=True), acc


def score(clf, images, labels, ref):
    logits, feats = classify(clf, images)
    correct = (logits.argmax(1) == labels).float()
    per_class = [correct[labels == c].mean().item() for c in range(10)]
    acc = correct.mean().item()
    n = len(labels)
    return {**quality(feats, ref), 'accuracy': acc, 'accuracySe': float(np.sqrt(acc * (1 - acc) / n)),
            'perClassAccuracy': per_class}


@torch.no_grad()
def ceilings(clf, ref, n):
    """What each family's decoder can reach at best: its reconstructions of n test digits, and real digits."""
    x, y = interleaved_digits('test', n, seed=0)
    vq, _ = zoo.load_vqvae()
    vae, _ = zoo.load_vae()
    rec_vq = torch.cat([vq(x[i:i + 500])[0].clamp(-1, 1) for i in range(0, n, 500)])
    rec_vae = torch.cat([vae.decoder(vae.posterior(x[i:i + 500])[0]).clamp(-1, 1) for i in range(0, n, 500)])
    xr, yr = interleaved_digits('train', n, seed=0)
    return {'tokenizerReconstruction': score(clf, rec_vq, y, ref), 'vaeReconstruction': score(clf, rec_vae, y, ref),
            'realDataFloor': {**score(clf, xr, yr, ref), 'source': f'{n} training digits (not in the reference)'}}


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


def evaluate(name, clf, ref, settings=None, samples=SAMPLES, seed=1234, grid=True):
    settings = settings or (zoo.VAR_SAMPLING if name.startswith('var') else zoo.DIT_SAMPLING)
    labels = torch.arange(samples) % 10
    t0 = time.time()
    images = generate(name, labels, settings, seed)
    res = score(clf, images, labels, ref)
    res.update({'settings': dict(settings), 'evalSeed': seed, 'seconds': round(time.time() - t0, 1)})
    if grid:
        os.makedirs(SAMPLES_DIR, exist_ok=True)
        save_grid(images, labels, os.path.join(SAMPLES_DIR, f'{name}.png'))
    return res


def trained(name):
    try:
        zoo.load_checkpoint(name)
        return True
    except FileNotFoundError:
        return False


def weights_digest(name):
    """sha256 (16 hex digits) of a generator's weights as the bundle ships them (f16), in key order: which
    checkpoint a result was measured on, whether it came from runs/ (f32) or the committed compact file (f16)."""
    sd = zoo.load_checkpoint(name)['state_dict']
    h = hashlib.sha256()
    for k in sorted(sd):
        v = sd[k]
        h.update(k.encode())
        h.update((v.half() if v.is_floating_point() else v).contiguous().numpy().tobytes())
    return h.hexdigest()[:16]


def current(entry, samples, seed, settings, digest=None):
    """Whether a stored result was measured as this run would measure it (an entry from before digests were
    recorded is taken as current; delete it from results.json to measure it again)."""
    return (isinstance(entry, dict) and entry.get('samples') == samples and entry.get('evalSeed', seed) == seed
            and (settings is None or entry.get('settings') == settings)
            and (digest is None or entry.get('weightsDigest', digest) == digest))


def update_results(entries):
    results = json.load(open(RESULTS)) if os.path.exists(RESULTS) else {}
    results.update(entries)
    with open(RESULTS, 'w') as f:
        json.dump(results, f, indent=2)


def line(name, r):
    return (f'{name}: FD {r["fd"]:.2f} ± {r["fdStdErr"]:.2f}  KID {r["kid"]:.4f} ± {r["kidSe"]:.4f}  '
            f'accuracy {r["accuracy"]:.4f} (N={r["samples"]})')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('models', nargs='*')
    ap.add_argument('--samples', type=int, default=SAMPLES, help='samples per model (a multiple of 10)')
    ap.add_argument('--seed', type=int, default=1234, help='sampling seed (the CFG sweep uses another)')
    ap.add_argument('--sweep_cfg', default='', help='e.g. "1,1.5,2,3,4": metrics per CFG scale -> results.json cfgSweep')
    ap.add_argument('--no_ceilings', action='store_true', help='skip the tokenizer/VAE/real-data rows')
    ap.add_argument('--skip_done', action='store_true',
                    help='keep results already in results.json for the same N, seed, sampling and weights (resume)')
    args = ap.parse_args()
    if args.samples % 10:
        sys.exit(f'--samples {args.samples}: must be a multiple of 10 (every class equally often)')
    setup(0)
    clf, _ = zoo.load_classifier()
    ref, acc = reference(clf)
    if args.sweep_cfg:
        sweep = json.load(open(RESULTS)).get('cfgSweep', {}) if os.path.exists(RESULTS) else {}
        for name in args.models:
            base = zoo.VAR_SAMPLING if name.startswith('var') else zoo.DIT_SAMPLING
            for cfg in (float(c) for c in args.sweep_cfg.split(',')):
                if args.skip_done and current(sweep.get(name, {}).get(str(cfg)), args.samples, args.seed,
                                              {**base, 'cfg': cfg}):
                    print(f'cfg {cfg} {name}: already in results.json', flush=True)
                    continue
                r = evaluate(name, clf, ref, {**base, 'cfg': cfg}, args.samples, seed=args.seed, grid=False)
                print(f'cfg {cfg} ' + line(name, r), flush=True)
                sweep.setdefault(name, {})[str(cfg)] = {k: r[k] for k in ('fd', 'fdStdErr', 'kid', 'kidSe', 'accuracy',
                                                                          'samples', 'evalSeed', 'settings')}
        update_results({'cfgSweep': sweep})
        return
    print(f'classifier test accuracy {acc:.4f} on 10,000 test digits', flush=True)
    update_results({'classifier': {'testAccuracy': acc, 'testImages': 10000}})
    done = json.load(open(RESULTS)) if args.skip_done and os.path.exists(RESULTS) else {}
    if not args.no_ceilings and all(current(done.get(k), args.samples, done.get(k, {}).get('evalSeed'), None)
                                    for k in ('tokenizerReconstruction', 'vaeReconstruction', 'realDataFloor')):
        print('ceilings: already in results.json', flush=True)
    elif not args.no_ceilings:
        c = ceilings(clf, ref, args.samples)
        for k, r in c.items():
            print(line(k, r), flush=True)
        update_results(c)
    names = args.models or [f'{k}-d{d}' for d in (1, 2, 3, 4) for k in ('var', 'dit') if trained(f'{k}-d{d}')]
    for name in names:
        digest = weights_digest(name)
        settings = zoo.VAR_SAMPLING if name.startswith('var') else zoo.DIT_SAMPLING
        if current(done.get(name), args.samples, args.seed, dict(settings), digest):
            print(f'{name}: already in results.json (N={args.samples}, seed {args.seed}, weights {digest})', flush=True)
            continue
        res = {**evaluate(name, clf, ref, samples=args.samples, seed=args.seed), 'weightsDigest': digest}
        print(line(name, res) + f' ({res["seconds"]} s)', flush=True)
        update_results({name: res})


if __name__ == '__main__':
    main()
