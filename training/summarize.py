"""Writes training/RESULTS.md: one row per generator bundle (params, steps, FD, accuracy) from the manifests."""
import json
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS = os.path.join(ROOT, 'public', 'models')


NOTES = """FD and accuracy: 1,000 samples (100 per class) per model at its default sampling settings, with the
shipped fp16 weights (`training/evaluate.py`). Training ran on a shared 2-core CPU with wall-clock budgets, so
steps differ per model (see the logs): the DiTs got far fewer optimiser steps than diffusion usually needs, and
dit-d4, which carries the quality floor, got the most (45 + 20 minutes in two stages; after the first stage it
measured FD 159.85, accuracy 0.881). The VAR tokenizer uses a 4x4 latent (30 tokens) to fit the budget.
"""


def main():
    with open(os.path.join(MODELS, 'index.json')) as f:
        index = json.load(f)
    rows = ['| bundle | params (total / linear) | steps x batch | minutes | sampling | FD (1000) | accuracy |',
            '|---|---|---|---|---|---|---|']
    extra = []
    for e in index['models']:
        with open(os.path.join(MODELS, e['manifest'])) as f:
            m = json.load(f)
        if m['family'] == 'classifier':
            c = m['config']
            extra.append(f"Classifier test accuracy {c['testAccuracy']:.4f}; FD of 1,000 real training digits vs the "
                         f"test statistics (the floor): {c['realFd']:.2f}.")
        if m['family'] not in ('var', 'dit') or not m.get('metrics'):
            continue
        t, r = m['training'], m['metrics']
        s = r['settings']
        samp = f"cfg {s['cfg']}" + (f", {s['method']} {s['steps']} steps" if m['family'] == 'dit' else '')
        rows.append(f"| {m['id']} | {m['params']['total']:,} / {m['params']['linear']:,} | {t['steps']} x {t['batch']} | "
                    f"{t['minutes']:.1f} | {samp} | {r['fd']:.2f} | {r['accuracy']:.3f} |")
    text = ('# Model zoo results (measured)\n\n' + '\n'.join(rows) + '\n\n' + '\n'.join(extra) + '\n\n' + NOTES)
    with open(os.path.join(ROOT, 'training', 'RESULTS.md'), 'w') as f:
        f.write(text)
    print(text)


if __name__ == '__main__':
    main()
