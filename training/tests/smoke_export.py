"""CI smoke test of the whole training -> bundle path, in seconds: trains every family (classifier, vqvae, vae,
var-d1, dit-d1) for a few steps on a small slice of MNIST, exports the bundles with export_bundle.main(), all
inside a temp folder. training/tests/run.sh then runs the TypeScript validator on the result.

python3 training/tests/smoke_export.py --out /tmp/smoke      (writes /tmp/smoke/runs and /tmp/smoke/models)

The training scripts and the exporter write to module-level folders (common.RUNS_DIR, export_bundle.MODELS_DIR,
...) and have no --out option, so this script points those names at the temp folder before calling them:
it must never touch training/runs or public/models, where the real zoo is being trained and shipped."""
import argparse
import os
import sys
import time

import torch

TRAINING_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, TRAINING_DIR)
import common  # noqa: E402
import data  # noqa: E402
import evaluate  # noqa: E402
import export_bundle  # noqa: E402
import train_classifier  # noqa: E402
import train_dit  # noqa: E402
import train_vae  # noqa: E402
import train_var  # noqa: E402
import train_vqvae  # noqa: E402

STEPS = '3'
# (module, argv): small batches and depth 1 keep each run to a second or two on a busy 2-core CPU.
RUNS = [
    (train_classifier, ['--steps', STEPS, '--batch', '16']),
    (train_vqvae, ['--steps', STEPS, '--batch', '8']),
    (train_vae, ['--steps', STEPS, '--batch', '8']),
    (train_var, ['--depth', '1', '--steps', STEPS, '--batch', '8']),
    (train_dit, ['--depth', '1', '--steps', STEPS, '--batch', '8']),
]
EXPECTED_BUNDLES = ['mnist-classifier', 'mnist-vqvae', 'mnist-vae', 'mnist-var-d1', 'mnist-dit-d1']


def small_split(full_load, every):
    """load_split restricted to every n-th image (all classes kept): at full size, encoding whole splits
    (VAR/DiT pre-encode their data, the others evaluate on it) is most of each run's time."""
    def load(split):
        x, y = full_load(split)
        return x[::every], y[::every]
    return load


def redirect_outputs(out):
    runs, models = os.path.join(out, 'runs'), os.path.join(out, 'models')
    os.makedirs(runs, exist_ok=True)
    os.makedirs(models, exist_ok=True)
    common.RUNS_DIR = runs  # save_checkpoint / load_checkpoint / setup read this global at call time
    common.LOGS_DIR = os.path.join(out, 'logs')
    common.CHECKPOINTS_DIR = os.path.join(out, 'checkpoints')  # never the committed zoo checkpoints
    for mod in (train_var, train_dit, export_bundle):
        mod.RUNS_DIR = runs  # these imported the name, so their copy is patched too
    export_bundle.MODELS_DIR = models
    export_bundle.TRAINING_DIR = out  # no real sample grids copied into smoke bundles
    evaluate.RESULTS = os.path.join(out, 'results.json')  # no real metrics attached either
    # Training scripts only; the exporter keeps the full split (its goldens index the test set by class).
    for mod, _ in RUNS:
        mod.load_split = small_split(data.load_split, 20)
    return runs, models


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', required=True, help='empty temp folder')
    args = ap.parse_args()
    out = os.path.abspath(args.out)
    real = (os.path.realpath(os.path.join(TRAINING_DIR, 'runs')), os.path.realpath(export_bundle.MODELS_DIR))
    if os.path.realpath(out) in real or any(os.path.realpath(out).startswith(r + os.sep) for r in real):
        sys.exit(f'--out {out} is inside the real runs/models folders; use a temp folder')
    runs, models = redirect_outputs(out)
    t0 = time.time()
    for mod, argv in RUNS:
        sys.argv = [mod.__file__] + argv
        t = time.time()
        mod.main()
        print(f'[smoke] {os.path.basename(mod.__file__)} {" ".join(argv)}: {time.time() - t:.1f}s', flush=True)
    torch.set_num_threads(2)
    sys.argv = ['export_bundle.py']
    t = time.time()
    export_bundle.main()
    print(f'[smoke] export_bundle: {time.time() - t:.1f}s', flush=True)
    missing = [b for b in EXPECTED_BUNDLES if not os.path.exists(os.path.join(models, b, 'manifest.json'))]
    if missing:
        sys.exit(f'[smoke] export produced no bundle for {missing}')
    print(f'[smoke] {len(EXPECTED_BUNDLES)} bundles in {models} ({time.time() - t0:.1f}s in all)', flush=True)


if __name__ == '__main__':
    main()
