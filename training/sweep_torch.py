"""The scaling-law sweep measured by the PyTorch reference of the engine's quantisers (quant_model.py, which
parity ties to the WebGPU engine), spread over processes or machines with torchrun: each rank measures its
share of the points and rank 0 writes the sweep file.

  python3 -m torch.distributed.run --nproc_per_node 2 training/sweep_torch.py \\
      --models var-d1,var-d2,dit-d1 --settings fp32,W8c-A8,W4g32-A8,W4g32,W3g32,W2g32,Wfp4g32 \\
      --samples 2000 --out docs/sweeps/mnist-sweep-pytorch.json
  (one process without torchrun. CPU only for now: zoo.py generates on the CPU, so there is no --device; gloo is the backend)

Every point of a model uses the same seed, so all settings share their random draws sample by sample (the
paired errors of differences rely on it). Sample i is of class i mod 10; FD and KID against the test split's
features, with leave-one-group-out values over class-balanced groups (training/sample_metrics.py). Each point
says engine 'pytorch'. Settings that need calibration (GPTQ, SmoothQuant, static per-tensor activation scales)
calibrate on the fp32 model as the engine does (ptq_model.py: same image counts, classes, batches and DiT steps;
other random draws), and their points carry the engine's method names ('gptq128', 'sq0.5-folded').
Modifiers: -had (quant_model.py rotates each quantised Linear's input and weight, training/hadamard.py, bit for bit
the TypeScript rotation) and -mp<B> (mixed_precision.allocation_for: the widths the engine allocates from the
manifest table that export_bundle.py writes from the same checkpoint) and -lr<r> (ptq_model.apply_low_rank) are
mirrored; -tg is refused.
"""
import argparse
import json
import os
import sys
import time

import torch
import torch.distributed as dist

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import evaluate  # noqa: E402
import mixed_precision  # noqa: E402
import quant  # noqa: E402
import zoo  # noqa: E402
from common import command_line  # noqa: E402
from ptq_model import apply_method, method_name  # noqa: E402
from qat import QAT_DIR  # noqa: E402
from qat_eval import load_student  # noqa: E402
from quant_model import quantize_model  # noqa: E402

# -clip's MSE-optimal clipping search is not mirrored (quant.fake_quant_weight rounds with plain RTN): refused, not
# measured as RTN under clip's name.
SUPPORTED_METHODS = ('rtn', 'gptq', 'smoothquant')


def points_of(models, settings):
    """(model, setting) pairs; a setting whose method needs calibration is refused up front, with the fix."""
    for s in settings:
        method = quant.parse_setting(s)['method']['kind']
        if method not in SUPPORTED_METHODS:
            raise SystemExit(f'--settings {s}: method {method} is not mirrored in PyTorch; '
                             f'measure it with the WebGPU engine (npm run sweep)')
    return [(m, s) for m in models for s in settings]


def student_points(ids):
    """(student id, its trained setting) for QAT / distillation students in training/runs/qat (ids, or 'all')."""
    if not ids:
        return []
    found = sorted(f[:-3] for f in os.listdir(QAT_DIR) if f.endswith('.pt')) if os.path.isdir(QAT_DIR) else []
    chosen = found if ids == ['all'] else ids
    missing = [i for i in chosen if i not in found]
    if missing or not chosen:
        raise SystemExit(f'--students: {missing or "none"} not found in {QAT_DIR}; train them with training/train_qat.sh')
    return [(i, torch.load(os.path.join(QAT_DIR, f'{i}.pt'), map_location='cpu')['info']['setting']) for i in chosen]


def generator_for(name, setting, decoder):
    """The model under `setting`, calibrated first when the setting needs it (decoder: VAR's tokenizer).
    `name` is a zoo model (var-d2) or a QAT student id (mnist-var-d2-qat-w2g32-topkld: its latent weights
    quantised by RTN at its own setting, as the browser does with the exported bundle)."""
    if name.startswith('mnist-'):
        model, ck, family = load_student(name)
        quantize_model(model, setting, family)
        return family, ck['config']['depth'], model.eval(), ck
    family, depth = name.split('-d')
    if family == 'var':
        model, ck = zoo.load_var(int(depth))
    else:
        model, ck = zoo.load_dit(int(depth))
    if setting != 'fp32':
        parsed = quant.parse_setting(setting)
        bits = mixed_precision.allocation_for(name, parsed) if 'mixedBits' in parsed['transforms'] else None
        quantize_model(model, parsed, family, bits_by_linear=bits)
        apply_method(model.eval(), family, parsed, decoder)
    return family, int(depth), model.eval(), ck


@torch.no_grad()
def measure(name, setting, clf, ref, samples, seed):
    family = 'var' if name.startswith(('var-', 'mnist-var-')) else 'dit'
    decoder, _ = zoo.load_vqvae() if family == 'var' else zoo.load_vae()
    t0 = time.time()
    family, depth, model, ck = generator_for(name, setting, decoder)
    labels = torch.arange(samples) % 10
    settings = zoo.VAR_SAMPLING if family == 'var' else zoo.DIT_SAMPLING
    if family == 'var':
        images = zoo.generate_var(model, decoder, labels, settings, seed)
    else:
        images = zoo.generate_dit(model, decoder, labels, settings, seed)
    r = evaluate.score(clf, images, labels, ref)
    # method: what tools/sweep/merge.mjs and the two-engine check pair on (the engine's names: ptq_model.method_name).
    student = name.startswith('mnist-')
    return {'modelId': name if student else f'mnist-{name}', 'family': family, 'depth': depth, 'setting': setting,
            'method': f"qat-{ck['info']['loss']}" if student else method_name(setting),
            'samples': samples, 'seed': seed, 'engine': 'pytorch', 'fd': r['fd'], 'fdStdErr': r['fdStdErr'],
            'fdLeaveOut': r['fdLeaveOut'], 'kid': r['kid'], 'kidSe': r['kidSe'], 'kidLeaveOut': r['kidLeaveOut'],
            'accuracy': r['accuracy'], 'cfg': settings['cfg'],
            **({'steps': settings['steps'], 'sampler': settings['method']} if family == 'dit' else {}),
            'seconds': round(time.time() - t0, 1)}


def key_of(name, setting):
    """A point's identity in the part files: the modelId it is written under and its setting text."""
    return (name if name.startswith('mnist-') else f'mnist-{name}', setting)


def finished_points(parts, samples, seed):
    """{(modelId, setting): point} of the points a stopped run wrote to its part files at this N and seed."""
    done = {}
    if not os.path.isdir(parts):
        return done
    for file in sorted(os.listdir(parts)):
        with open(os.path.join(parts, file)) as f:
            for line in f:
                if not line.strip():
                    continue
                try:
                    p = json.loads(line)
                except json.JSONDecodeError:
                    continue  # a line cut off by a kill: measured again
                if p.get('samples') == samples and p.get('seed') == seed:
                    done[(p['modelId'], p['setting'])] = p
    return done


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--models', required=True, help='comma-separated, e.g. var-d1,dit-d2')
    ap.add_argument('--settings', required=True, help='comma-separated setting strings (src/quant grammar)')
    ap.add_argument('--students', default='', help="QAT student ids (training/runs/qat/<id>.pt), comma-separated, or "
                    "'all'; each is measured at its own trained setting, method qat-<loss> (export_qat.py's name)")
    ap.add_argument('--samples', type=int, default=evaluate.SAMPLES)
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--out', required=True)
    ap.add_argument('--backend', default='gloo', help='gloo (CPUs) or nccl (GPUs)')
    ap.add_argument('--threads', type=int, default=0, help='torch threads per process (0: cores / processes)')
    args = ap.parse_args()
    if args.samples % 10:
        raise SystemExit(f'--samples {args.samples}: must be a multiple of 10 (every class equally often)')
    distributed = 'WORLD_SIZE' in os.environ
    if distributed:
        dist.init_process_group(args.backend)
    rank, world = (dist.get_rank(), dist.get_world_size()) if distributed else (0, 1)
    torch.set_num_threads(args.threads or max(1, (os.cpu_count() or 1) // world))
    points = points_of(args.models.split(','), args.settings.split(',')) + \
        student_points([i for i in args.students.split(',') if i])
    clf, _ = zoo.load_classifier()
    ref, _ = evaluate.reference(clf)
    # Resumable: each finished point is appended to <out>.parts/rank<r>.jsonl at once; a restarted run (any number
    # of processes) reads every part file, keeps the points measured with this N and seed, and measures the rest.
    parts = f'{args.out}.parts'
    done = finished_points(parts, args.samples, args.seed)
    todo = [i for i, (name, setting) in enumerate(points) if key_of(name, setting) not in done]
    if rank == 0 and len(todo) < len(points):
        print(f'resuming: {len(points) - len(todo)} of {len(points)} points already in {parts}', flush=True)
    mine = [(i, done[key_of(*points[i])]) for i in range(len(points)) if i not in todo] if rank == 0 else []
    os.makedirs(parts, exist_ok=True)
    if distributed:
        dist.barrier()  # every rank has read the part files before any writes to them: all split the same todo list
    for i in todo[rank::world]:
        name, setting = points[i]
        p = measure(name, setting, clf, ref, args.samples, args.seed)
        mine.append((i, p))
        with open(os.path.join(parts, f'rank{rank}.jsonl'), 'a') as f:
            f.write(json.dumps(p) + '\n')
        print(f'[rank {rank}] {name} {setting}: FD {p["fd"]:.2f} ± {p["fdStdErr"]:.2f} KID {p["kid"]:.4f} ± '
              f'{p["kidSe"]:.4f} ({p["seconds"]} s)', flush=True)
    gathered = [None] * world
    if distributed:
        dist.all_gather_object(gathered, mine)
    else:
        gathered = [mine]
    if rank == 0:
        results = sorted((p for part in gathered for p in part), key=lambda ip: ip[0])
        floor = evaluate.ceilings(clf, ref, args.samples)['realDataFloor']
        out = {'formatVersion': 2, 'createdAt': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()),
               'engine': 'pytorch', 'command': command_line(), 'processes': world,
               'config': {'samples': args.samples, 'seed': args.seed, 'ditSteps': zoo.DIT_SAMPLING['steps'],
                          'ditSampler': zoo.DIT_SAMPLING['method'], 'varDraw': 'gumbel-max'},
               'realDataFloor': {k: floor[k] for k in ('samples', 'fd', 'fdStdErr', 'kid', 'kidSe', 'source')},
               'points': [p for _, p in results]}
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w') as f:
            json.dump(out, f, indent=1)
        print(f'wrote {len(results)} points to {args.out} (the part files in {parts} can be deleted)', flush=True)
    if distributed:
        dist.destroy_process_group()


if __name__ == '__main__':
    main()
