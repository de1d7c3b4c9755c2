"""Writes test/fixtures/phi-index.json: which shared Phi conv each VAR scale uses, as the Python side computes it,
for test/models/phiIndex.test.ts, which checks that src/models/bundle/manifest.ts (phiIndexPerScale, phiTicks)
agrees for every case.

Cases: 1..16 scales for 1..8 Phi convs. Each case is computed twice and the two must agree:
- with training/models/vqvae.py's phi_ticks / phi_index (what export_bundle.py and convert_official.py write into
  the tokenizer manifest), and
- straight from the official PhiPartiallyShared rule (FoundationVision/VAR models/quant.py): ticks =
  numpy.linspace(1/3/n, 1-1/3/n, n) for n == 4 else numpy.linspace(1/2/n, 1-1/2/n, n); scale si of SN uses
  argmin |ticks - si/(SN-1)| (numpy's argmin: the first minimum wins).
With 10 scales and 4 convs, scales 2 and 7 lie exactly halfway between two ticks: only linspace's own arithmetic
(start + i*step, the last value set to stop) decides, so the ticks are stored too (JSON floats round-trip exactly).
One scale has no index (si/(SN-1) divides by zero in the official code and here): stored as null.

This script only reads vqvae.py; it changes nothing in training. Run: /usr/bin/python3 training/tests/write_phi_fixture.py
"""
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, 'training'))
from models.vqvae import phi_index, phi_ticks  # noqa: E402

OUT = os.path.join(ROOT, 'test', 'fixtures', 'phi-index.json')
SCALES = range(1, 17)
PHI_COUNTS = range(1, 9)


def official_ticks(n):
    return np.linspace(1 / 3 / n, 1 - 1 / 3 / n, n) if n == 4 else np.linspace(1 / 2 / n, 1 - 1 / 2 / n, n)


def official_index(si, sn, n):
    return int(np.argmin(np.abs(official_ticks(n) - si / (sn - 1))).item())


def indices(index_fn, sn, n):
    try:
        return [index_fn(si, sn, n) for si in range(sn)]
    except ZeroDivisionError:
        return None


def main():
    cases = []
    for n in PHI_COUNTS:
        ticks = [float(t) for t in phi_ticks(n)]
        if ticks != [float(t) for t in official_ticks(n)]:
            raise SystemExit(f'vqvae.phi_ticks({n}) differs from the official linspace: {ticks}')
        for sn in SCALES:
            ours, official = indices(phi_index, sn, n), indices(official_index, sn, n)
            if ours != official:
                raise SystemExit(f'vqvae.phi_index differs from the official rule for {sn} scales, {n} convs: {ours} vs {official}')
            cases.append({'numScales': sn, 'phiCount': n, 'ticks': ticks, 'index': ours})
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, 'w') as f:
        json.dump({'generator': 'training/tests/write_phi_fixture.py', 'numpy': np.__version__, 'cases': cases}, f, indent=1)
        f.write('\n')
    print(f'wrote {OUT}: {len(cases)} cases (numpy {np.__version__})')


if __name__ == '__main__':
    main()
