#!/usr/bin/env bash
# Training-side CI (called by scripts/test-all.sh): Python unit tests, then the smoke export (every family
# trained for a few steps and exported into a temp folder), then the TypeScript bundle validator on that
# folder, a tiny torchrun sweep, and the engine's parity on official-layout bundles. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=/usr/bin/python3  # Debian's python3 has torch; another python3 may come first on PATH

echo "--- python unit tests (training/tests)"
"$PY" -m unittest discover -s training/tests

tmp=$(mktemp -d "${TMPDIR:-/tmp}/smoke-bundles.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

echo "--- smoke export into $tmp"
TRAIN_THREADS="${TRAIN_THREADS:-2}" "$PY" training/tests/smoke_export.py --out "$tmp" 2>&1 | grep -v -e UserWarning -e '_C._jit_pass'

echo "--- tiny PyTorch sweep under torchrun, two CPU processes, on the smoke models"
TRAINING_RUNS_DIR="$tmp/runs" TRAINING_CHECKPOINTS_DIR="$tmp/checkpoints" NPROC=2 bash training/sweep_torch.sh \
  --models var-d1,dit-d1 --settings fp32,W4g32,W2g32,W3g32-gptq,W8c-A8-sq0.5 --samples 20 --out "$tmp/sweep.json" 2>&1 | grep -v -e Warning -e OMP_NUM
"$PY" - "$tmp/sweep.json" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
points = [(p['modelId'], p['setting'], p['method'], p['engine']) for p in d['points']]
methods = {'fp32': 'rtn', 'W4g32': 'rtn', 'W2g32': 'rtn', 'W3g32-gptq': 'gptq128', 'W8c-A8-sq0.5': 'sq0.5-folded'}
expected = [(f'mnist-{m}', s, k, 'pytorch') for m in ('var-d1', 'dit-d1') for s, k in methods.items()]
assert d['processes'] == 2, d['processes']
assert points == expected, points
assert all(len(p['fdLeaveOut']) == 2 and p['kidSe'] >= 0 for p in d['points'])  # N=20: 2 whole rounds, 2 groups
assert d['realDataFloor']['samples'] == 20
print(f"sweep ok: {len(points)} points from {d['processes']} processes")
PYEOF

echo "--- TypeScript validator on the smoke bundles"
VALIDATE_BUNDLES_DIR="$tmp/models" VALIDATE_BUNDLES_FAMILIES=var,dit,vqvae,vae,classifier \
  npx vitest run --project unit test/models/smokeBundles.test.ts

echo "--- official-layout bundles (random weights, official keys and shapes) through the engine's parity in headless Chromium"
"$PY" training/tests/official_layout.py --out "$tmp/official/models" 2>&1 | grep -v -e Warning -e '_C._jit_pass' -e 'TracerWarning' -e '^  '
node tools/parity/parity.mjs --models-dir "$tmp/official/models" --out "$tmp/official/parity.json" > "$tmp/official/parity.log" 2>&1 \
  || { tail -40 "$tmp/official/parity.log"; exit 1; }
tail -1 "$tmp/official/parity.log"
