"""FD and accuracy of quantised generators in PyTorch (the browser's RTN quantisation mirrored by quant.py):
the QAT / distillation students of qat.py and the RTN baselines of their teacher, at the same sampling
settings and the same number of samples, seed and classifier as evaluate.py.

python3 training/qat_eval.py rtn var 2 W4g32-A8 W3g32 ...     RTN of the teacher at each setting
python3 training/qat_eval.py students [id ...]                  every runs/qat/*.pt (or the given ids)
python3 training/qat_eval.py table                              print the markdown table of qat_results.json
python3 training/qat_eval.py outerr dit 3 W4g32-A8 W3g32 ...   relative output MSE of RTN vs fp32 (one batch)
Options: --per_class N (default 100 = 1,000 samples). Results are merged into training/qat_results.json.
"""
import argparse
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import evaluate  # noqa: E402
import zoo  # noqa: E402
from common import TRAINING_DIR, setup  # noqa: E402
from qat import QAT_DIR  # noqa: E402
from quant_model import quantize_model  # noqa: E402

RESULTS = os.path.join(TRAINING_DIR, 'qat_results.json')
EVAL_SEED = 1234


def load_student(model_id):
    ck = torch.load(os.path.join(QAT_DIR, f'{model_id}.pt'), map_location='cpu')
    family = 'var' if '-var-' in model_id else 'dit'
    build = zoo.build_var if family == 'var' else zoo.build_dit
    return build(ck['state_dict'], ck['config']), ck, family  # fp16-rounded: exactly what the bundle ships


def teacher(family, depth):
    return (zoo.load_var if family == 'var' else zoo.load_dit)(depth)[0]


@torch.no_grad()
def measure(model, family, setting, clf, ref, per_class):
    """Quantises `model` in place at `setting` (RTN of its current weights) and scores its samples."""
    quantize_model(model, setting, family).eval()
    settings = zoo.VAR_SAMPLING if family == 'var' else zoo.DIT_SAMPLING
    # Sample i asks for class i mod 10, as evaluate.py: the jackknife groups (floor(i / 10) mod g) then hold every class.
    labels = torch.arange(10 * per_class) % 10
    t0 = time.time()
    if family == 'var':
        vq, _ = zoo.load_vqvae()
        images = zoo.generate_var(model, vq, labels, settings, EVAL_SEED)
    else:
        vae, _ = zoo.load_vae()
        images = zoo.generate_dit(model, vae, labels, settings, EVAL_SEED)
    res = evaluate.score(clf, images, labels, ref)
    res.update({'settings': dict(settings), 'evalSeed': EVAL_SEED, 'seconds': round(time.time() - t0, 1)})
    return res


def save(key, entry):
    results = json.load(open(RESULTS)) if os.path.exists(RESULTS) else {}
    results[key] = entry
    with open(RESULTS, 'w') as f:
        json.dump(dict(sorted(results.items())), f, indent=2)


def table(results):
    rows = ['| model | setting | method | steps (minutes) | FD | accuracy | samples |', '|---|---|---|---|---|---|---|']
    for key, r in sorted(results.items(), key=lambda kv: (kv[1]['teacher'], kv[1]['setting'], kv[1]['method'], kv[1].get('steps', 0))):
        steps = f"{r['steps']} ({r['minutes']:.1f})" if 'steps' in r else ''
        rows.append(f"| {r['teacher']} | {r['setting']} | {r['method']} | {steps} | {r['fd']:.2f} | "
                    f"{r['accuracy']:.3f} | {r['samples']} |")
    return '\n'.join(rows)


@torch.no_grad()
def output_error(family, depth, settings, batch=256):
    """Relative MSE of the RTN-quantised teacher's output against the fp32 teacher on one random batch (DiT:
    eps and variance channels separately, random x_t, t, y; VAR: teacher-forced logits on test tokens)."""
    g = torch.Generator().manual_seed(0)
    if family == 'dit':
        x = torch.randn(batch, 4, 8, 8, generator=g)
        t = torch.randint(0, 1000, (batch,), generator=g)
        y = torch.randint(0, 11, (batch,), generator=g)
        args = (x, t, y)
    else:
        from train_var import load_vqvae, tokenize_split, tokenizer_id
        vq, vq_ck = load_vqvae()
        te = tokenize_split(vq, 'test', tokenizer_id(vq_ck))
        args = (te['labels'][:batch], te['inputs'][:batch])
    ref = teacher(family, depth)(*args)
    for s in settings:
        out = quantize_model(teacher(family, depth), s, family).eval()(*args)
        if family == 'dit':
            e = [float(((out - ref)[:, sl] ** 2).mean() / (ref[:, sl] ** 2).mean()) for sl in (slice(0, 4), slice(4, 8))]
            print(f'{family}-d{depth} {s}: relative MSE eps {e[0]:.4f}, variance channels {e[1]:.4f}')
        else:
            e = float(((out - ref) ** 2).mean() / (ref ** 2).mean())
            print(f'{family}-d{depth} {s}: relative MSE of the logits {e:.4f}')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('what', choices=('rtn', 'students', 'table', 'outerr'))
    ap.add_argument('rest', nargs='*')
    ap.add_argument('--per_class', type=int, default=100)
    args = ap.parse_args()
    if args.what == 'table':
        print(table(json.load(open(RESULTS))))
        return
    setup(0, threads=1)
    if args.what == 'outerr':
        output_error(args.rest[0], int(args.rest[1]), args.rest[2:])
        return
    clf, _ = zoo.load_classifier()
    ref, _ = evaluate.reference(clf)
    suffix = '' if args.per_class == 100 else f':{10 * args.per_class}samples'  # the default 1,000 keeps plain keys
    if args.what == 'rtn':
        family, depth, settings = args.rest[0], int(args.rest[1]), args.rest[2:]
        for setting in settings:
            res = measure(teacher(family, depth), family, setting, clf, ref, args.per_class)
            method = 'fp32' if setting == 'fp32' else 'rtn'
            save(f'mnist-{family}-d{depth}:{setting}:{method}{suffix}', {'teacher': f'mnist-{family}-d{depth}', 'setting': setting,
                                                                 'method': method, **res})
            print(f'{family}-d{depth} {setting} {method}: FD {res["fd"]:.2f} accuracy {res["accuracy"]:.3f} ({res["seconds"]} s)', flush=True)
        return
    ids = args.rest or sorted(f[:-3] for f in os.listdir(QAT_DIR) if f.endswith('.pt'))
    for model_id in ids:
        model, ck, family = load_student(model_id)
        info = ck['info']
        res = measure(model, family, info['setting'], clf, ref, args.per_class)
        # Keyed with the step count too: a longer rerun of the same student is kept next to the short one.
        seed = f":seed{info['seed']}" if info.get('seed') else ''
        save(f"{info['teacher']}:{info['setting']}:qat-{info['loss']}:{info['steps']}steps{seed}{suffix}", {
            'teacher': info['teacher'], 'setting': info['setting'], 'method': f"qat-{info['loss']}", 'id': model_id, 'seed': info.get('seed', 0),
            'steps': info['steps'], 'minutes': round(info['minutes'], 2), 'params': info.get('params', {}), **res})
        print(f'{model_id}: FD {res["fd"]:.2f} accuracy {res["accuracy"]:.3f} ({res["seconds"]} s)', flush=True)


if __name__ == '__main__':
    main()
