"""Checks that zoo.py's CFG per family is the one with the lowest FD in results.json's cfgSweep of that family's
model (written by `evaluate.py --sweep_cfg`), so that the evaluation, bundles and sweep use the chosen value.
Exits 1 naming the value to put into training/zoo.py when they differ. Usage: python3 training/check_cfg_choice.py"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
import zoo  # noqa: E402
from common import TRAINING_DIR  # noqa: E402

CHOICE_MODELS = {'var': 'var-d2', 'dit': 'dit-d2'}


def best_cfg(sweep):
    return min(sweep.items(), key=lambda kv: kv[1]['fd'])


def main():
    results = json.load(open(os.path.join(TRAINING_DIR, 'results.json')))
    sweeps = results.get('cfgSweep', {})
    bad = []
    for family, model in CHOICE_MODELS.items():
        current = (zoo.VAR_SAMPLING if family == 'var' else zoo.DIT_SAMPLING)['cfg']
        if model not in sweeps:
            bad.append(f'{model}: no CFG sweep in results.json (run evaluate.py --sweep_cfg 1,1.5,2,3,4,5,6 --samples 500 --seed 99 {model})')
            continue
        cfg, r = best_cfg(sweeps[model])
        table = ', '.join(f"{c}: {v['fd']:.1f}" for c, v in sorted(sweeps[model].items(), key=lambda kv: float(kv[0])))
        print(f'{family}: FD by cfg on {model} ({table}); lowest at {cfg}; zoo.py has {current}')
        if float(cfg) != float(current):
            bad.append(f"{family}: set cfg {cfg} in training/zoo.py ({family.upper()}_SAMPLING), the lowest FD on {model}")
    if bad:
        sys.exit('\n'.join(bad))


if __name__ == '__main__':
    main()
