"""Per-layer mixed precision under an average-bit budget (`-mp<B>`, issue 15): the PyTorch side's copy of
src/quant/mixedPrecision.ts, so that the reference sweep and the app allocate the same bits for the same
sensitivities (test/quant/mixedPrecision.test.ts reads the allocations this file writes into
test/quant/fixtures/mixed-precision.json: `python3 training/mixed_precision.py --write-fixture`).

Exact multiple-choice knapsack over the bits above the lowest width, in units of the gcd of the Linears' sizes;
greedy by marginal gain when the table would exceed EXACT_CELLS. Ties break as in the TypeScript: the lowest
capacity, then the first width, reached first."""
import argparse
import json
import math
import os
import random
import sys

import torch

EXACT_CELLS = 20_000_000
FIXTURE = os.path.join(os.path.dirname(__file__), '..', 'test', 'quant', 'fixtures', 'mixed-precision.json')


def allocate_bits(layers, candidates, budget, exact_cells=EXACT_CELLS):
    """layers: [{'name', 'params', 'errorByBits': {bits: error}}] -> (bits by name, average bits, predicted error)."""
    widths = sorted(set(candidates))
    if not layers or not widths:
        raise ValueError('Mixed precision needs at least one Linear and one bit width.')
    lowest, highest = widths[0], widths[-1]
    if not (lowest <= budget <= highest):
        raise ValueError(f'An average of {budget} bits is outside {lowest} to {highest}.')
    total = sum(l['params'] for l in layers)
    unit = 0
    for l in layers:
        unit = math.gcd(unit, l['params'])
    capacity = math.floor((budget - lowest) * total / unit + 1e-9)
    if len(layers) * (capacity + 1) <= exact_cells:
        level = _exact(layers, widths, unit, capacity)
    else:
        level = _greedy(layers, widths, budget * total)
    bits = {l['name']: widths[level[i]] for i, l in enumerate(layers)}
    bit_sum = sum(widths[level[i]] * l['params'] for i, l in enumerate(layers))
    error = sum(l['errorByBits'][widths[level[i]]] for i, l in enumerate(layers))
    return bits, bit_sum / total, error


def _exact(layers, widths, unit, capacity):
    lowest = widths[0]
    best = [0.0] * (capacity + 1)
    choice = []
    for l in layers:
        nxt = [math.inf] * (capacity + 1)
        ch = [0] * (capacity + 1)
        for w, b in enumerate(widths):
            cost = (b - lowest) * l['params'] // unit
            err = l['errorByBits'][b]
            for c in range(cost, capacity + 1):
                e = best[c - cost] + err
                if e < nxt[c]:
                    nxt[c] = e
                    ch[c] = w
        best = nxt
        choice.append(ch)
    c = 0
    for k in range(1, capacity + 1):
        if best[k] < best[c]:
            c = k
    level = [0] * len(layers)
    for i in range(len(layers) - 1, -1, -1):
        level[i] = choice[i][c]
        c -= (widths[level[i]] - lowest) * layers[i]['params'] // unit
    return level


def _greedy(layers, widths, bit_limit):
    level = [0] * len(layers)
    bit_sum = sum(widths[0] * l['params'] for l in layers)
    limit = bit_limit * (1 + 1e-12)
    while True:
        best, best_gain = None, 0.0
        for i, l in enumerate(layers):
            frm = widths[level[i]]
            for to in range(level[i] + 1, len(widths)):
                cost = (widths[to] - frm) * l['params']
                if bit_sum + cost > limit:
                    break
                gain = (l['errorByBits'][frm] - l['errorByBits'][widths[to]]) / cost
                if gain > best_gain:
                    best_gain, best = gain, (i, to, cost)
        if best is None:
            return level
        bit_sum += best[2]
        level[best[0]] = best[1]


@torch.no_grad()
def sensitivity(build, family, inputs, granularity='g32', widths=(2, 3, 4, 8)):
    """Each quantised Linear alone at each width (RTN, INT symmetric, the given granularity; the others at full
    precision): relative MSE of the model's output against full precision on `inputs` (DiT: the eps channels).
    `build()` returns a fresh fp32 model. Returns [{'name', 'kind', 'params', 'errorByBits'}] in module order."""
    from quant_model import FakeQuantLinear, layer_kind, quantize_model  # noqa: E402 (torch-only import)
    ref = _output(build().eval(), family, inputs)
    model = quantize_model(build(), f'W8{granularity}', family).eval()
    linears = [(n, m) for n, m in model.named_modules() if isinstance(m, FakeQuantLinear) and m.quant_weight_on]
    for _, m in linears:
        m.quant_weight_on = False
    rows = []
    for name, m in linears:
        errors = {}
        for b in widths:
            m.setting = {**m.setting, 'weight': {**m.setting['weight'], 'bits': b}}
            m.quant_weight_on, m._cached = True, None
            out = _output(model, family, inputs)
            errors[b] = float(((out - ref) ** 2).mean() / (ref ** 2).mean())
        m.quant_weight_on, m._cached = False, None
        rows.append({'name': name, 'kind': layer_kind(name, family), 'params': m.weight.numel(), 'errorByBits': errors})
    return rows


def _output(model, family, inputs):
    out = model(*inputs)
    return out[:, :4] if family == 'dit' else out


def _fixture_cases():
    rng = random.Random(5)
    cases = []
    for trial in range(12):
        widths = [2, 3, 4, 8] if trial % 2 == 0 else [2, 3, 4, 5, 6, 7, 8]
        layers = [{'name': f'blocks.{i}.fc1', 'params': 64 * rng.randint(1, 24),
                   'errorByBits': {b: round(rng.random() * 10 * 4.0 ** -b + 0.001 * rng.random(), 9) for b in widths}}
                  for i in range(6)]
        budget = round(2 + rng.random() * 6, 3)
        cases.append({'widths': widths, 'budget': budget, 'exactCells': 0 if trial % 3 == 2 else EXACT_CELLS,
                      'layers': layers})
    return cases


def write_fixture():
    out = []
    for case in _fixture_cases():
        bits, avg, err = allocate_bits(case['layers'], case['widths'], case['budget'], case['exactCells'])
        layers = [{**l, 'errorByBits': {str(b): e for b, e in l['errorByBits'].items()}} for l in case['layers']]
        out.append({**case, 'layers': layers, 'expected': {'bitsByLayer': bits, 'averageBits': avg, 'predictedError': err}})
    os.makedirs(os.path.dirname(FIXTURE), exist_ok=True)
    with open(FIXTURE, 'w') as f:
        json.dump({'writtenBy': 'python3 training/mixed_precision.py --write-fixture', 'cases': out}, f, indent=1)
        f.write('\n')
    print(f'{len(out)} cases -> {os.path.relpath(FIXTURE)}')


def main():
    ap = argparse.ArgumentParser(description='bit allocation fixture, or per-Linear sensitivity of a zoo model')
    ap.add_argument('--write-fixture', action='store_true')
    ap.add_argument('--sensitivity', metavar='MODEL', help='e.g. var-d2 or dit-d2 (training/checkpoints)')
    ap.add_argument('--budgets', default='2.5,3,3.5', help='average bits to allocate for, printed with the table')
    args = ap.parse_args()
    if args.write_fixture:
        write_fixture()
    if args.sensitivity:
        print_sensitivity(args.sensitivity, [float(b) for b in args.budgets.split(',')])


WIDTHS = (2, 3, 4, 5, 6, 7, 8)
METRIC = ('relative output MSE (DiT: eps channels) with one Linear alone at b bits (RTN, INT symmetric, g32), the '
          'others at full precision; VAR: teacher-forced logits on 256 test images; DiT: 256 random (x_t, t, y)')


def zoo_table(model_name, batch=256):
    """The manifest `sensitivity` table of a zoo generator (docs/bundle-format.md)."""
    rows = _zoo_rows(model_name, batch)
    return {'metric': METRIC, 'granularity': 'g32',
            'layers': [{'name': r['name'], 'params': r['params'],
                        'errorByBits': {str(b): e for b, e in r['errorByBits'].items()}} for r in rows]}


def _zoo_rows(model_name, batch):
    import zoo  # noqa: E402
    family, depth = model_name.split('-d')
    depth = int(depth)
    g = torch.Generator().manual_seed(0)
    if family == 'dit':
        inputs = (torch.randn(batch, 4, 8, 8, generator=g), torch.randint(0, 1000, (batch,), generator=g),
                  torch.randint(0, 10, (batch,), generator=g))
    else:
        from train_var import load_vqvae, tokenize_split, tokenizer_id
        vq, vq_ck = load_vqvae()
        te = tokenize_split(vq, 'test', tokenizer_id(vq_ck))
        inputs = (te['labels'][:batch], te['inputs'][:batch])
    build = (lambda: zoo.load_var(depth)[0]) if family == 'var' else (lambda: zoo.load_dit(depth)[0])
    return sensitivity(build, family, inputs, widths=WIDTHS)


def allocation_for(model_name, setting, batch=256):
    """{Linear name: INT width} of a -mp<B> setting on a zoo generator, as the engine allocates it from the
    manifest table (src/engine/generation/mixedPrecisionSettings.ts): widths of the table up to the setting's
    weight width, average at most B."""
    import quant  # noqa: E402
    s = quant._as_setting(setting)
    budget, weight = s['transforms'].get('mixedBits'), s['weight']
    if budget is None or weight is None or weight['kind'] != 'int':
        raise quant.QuantError(f'{s["text"]}: -mp allocates INT weight widths', code='setting-unsupported',
                               fix='use an INT weight setting with -mp<B>, e.g. W4g32-mp3')
    rows = _zoo_rows(model_name, batch)
    widths = [b for b in WIDTHS if b <= weight['bits']]
    layers = [{'name': r['name'], 'params': r['params'], 'errorByBits': {b: r['errorByBits'][b] for b in widths}}
              for r in rows]
    bits, _, _ = allocate_bits(layers, widths, budget)
    return bits


def print_sensitivity(model_name, budgets, batch=256):
    rows = _zoo_rows(model_name, batch)
    widths = sorted(rows[0]['errorByBits'])
    print(f'{model_name}: relative output MSE with one Linear at b bits (g32), the rest full precision')
    print('| Linear | params | ' + ' | '.join(f'{b} bits' for b in widths) + ' |')
    print('|---|---|' + '---|' * len(widths))
    for r in rows:
        print(f"| {r['name']} | {r['params']} | " + ' | '.join(f"{r['errorByBits'][b]:.2e}" for b in widths) + ' |')
    for budget in budgets:
        bits, avg, err = allocate_bits(rows, widths, budget)
        print(f'budget {budget}: average {avg:.3f} bits, predicted error {err:.3e}: '
              + ', '.join(f'{n}={b}' for n, b in bits.items()))


if __name__ == '__main__':
    main()
