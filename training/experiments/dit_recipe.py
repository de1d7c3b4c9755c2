"""Which DiT training recipe learns fastest inside the zoo's fixed budget (4,700 x 128 images)? Trains one DiT per
variant in its own directory under training/runs/exp/ (git-ignored; the zoo's checkpoints are not touched) and
scores each at N = 500 (seed 99, 50 DDPM steps) with evaluate.py's estimator. Appends to
training/experiments/dit_recipe.json.

python3 training/experiments/dit_recipe.py --depth 1 lr3e-3 minsnr5 lr3e-3+minsnr5"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TRAINING = os.path.dirname(HERE)
ROOT = os.path.dirname(TRAINING)
OUT = os.path.join(HERE, 'dit_recipe.json')
PY = sys.executable

# variant name -> extra train_dit.py arguments, and train_vae.py arguments when the variant trains its own VAE
# (None: the zoo's VAE). The zoo's VAE has kl_weight 1e-5: its latent carries ~1,390 nats per image, against at
# most 30 x ln(512) = 187 nats in VAR's 30 tokens; a heavier KL gives the DiT a less detailed latent to model.
MINSNR = ['--min_snr_gamma', '5']
VARIANTS = {
    'base': ([], None),
    'lr3e-3': (['--lr', '3e-3'], None),
    'minsnr5': (MINSNR, None),
    'lr3e-3+minsnr5': (['--lr', '3e-3', *MINSNR], None),
    'vaekl1e-3+minsnr5': (MINSNR, ['--kl_weight', '1e-3']),
    'vaekl1e-3+lr3e-3+minsnr5': (['--lr', '3e-3', *MINSNR], ['--kl_weight', '1e-3']),
}

EVAL = """
import json, sys
sys.path.insert(0, 'training')
import evaluate, zoo
from common import setup
setup(0)
clf, _ = zoo.load_classifier()
ref, _ = evaluate.reference(clf)
out = {}
for cfg in (2.0, 4.0):
    r = evaluate.evaluate(sys.argv[1], clf, ref, {**zoo.DIT_SAMPLING, 'cfg': cfg}, 500, seed=99, grid=False)
    out[str(cfg)] = {k: r[k] for k in ('fd', 'fdStdErr', 'kid', 'kidSe', 'accuracy', 'samples', 'seconds')}
print(json.dumps(out))
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--depth', type=int, default=1)
    ap.add_argument('variants', nargs='+', choices=sorted(VARIANTS))
    args = ap.parse_args()
    results = json.load(open(OUT)) if os.path.exists(OUT) else {}
    for v in args.variants:
        name = f'dit-d{args.depth}'
        work = os.path.join(TRAINING, 'runs', 'exp', f'{name}-{v}')
        ckpts = os.path.join(work, 'checkpoints')
        os.makedirs(ckpts, exist_ok=True)
        dit_args, vae_args = VARIANTS[v]
        shutil.copy(os.path.join(TRAINING, 'checkpoints', 'classifier.pt'), ckpts)
        env = {**os.environ, 'TRAINING_RUNS_DIR': work, 'TRAINING_CHECKPOINTS_DIR': ckpts}
        commands = []
        if vae_args is None:
            shutil.copy(os.path.join(TRAINING, 'checkpoints', 'vae.pt'), ckpts)
            cache = os.path.join(TRAINING, 'runs', 'dit_latents_train.pt')  # the zoo VAE's latents: reuse
            if os.path.exists(cache) and not os.path.exists(os.path.join(work, 'dit_latents_train.pt')):
                os.symlink(cache, os.path.join(work, 'dit_latents_train.pt'))
        else:
            commands.append([PY, 'training/train_vae.py', *vae_args])
        commands.append([PY, 'training/train_dit.py', '--depth', str(args.depth), *dit_args])
        t0 = time.time()
        with open(os.path.join(work, 'train.log'), 'a') as log:
            for cmd in commands:
                subprocess.run(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, check=True)
        train_s = time.time() - t0
        scores = json.loads(subprocess.run([PY, '-c', EVAL, name], cwd=ROOT, env=env, check=True,
                                           capture_output=True, text=True).stdout.strip().splitlines()[-1])
        results[f'{name} {v}'] = {'commands': [' '.join(c[1:]) for c in commands], 'trainSeconds': round(train_s),
                                  'cfg': scores}
        print(v, json.dumps(scores), flush=True)
        with open(OUT, 'w') as f:
            json.dump(results, f, indent=2)


if __name__ == '__main__':
    main()
