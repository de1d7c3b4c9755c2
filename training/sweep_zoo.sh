#!/usr/bin/env bash
# The shipped scaling-law sweep (issue 11) on the zoo v2 bundles, N = 2,000 per point (200 per class), measured by
# the PyTorch reference of the engine's quantisers under torchrun, sized by the engine, with a few points measured by
# the WebGPU engine too so the two-engine check has pairs. Run it after training/finish_zoo.sh (bundles re-exported
# from the checkpoints the PyTorch sweep loads). Each stage is resumable: run the script again after a stop.
#   nohup bash training/sweep_zoo.sh > training/logs/sweep_zoo.out 2>&1 &
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-2000}
OUT=docs/sweeps
MODELS=var-d1,var-d2,var-d3,var-d4,dit-d1,dit-d2,dit-d3,dit-d4
# The paper's grid, the PTQ methods beside the RTN setting each pairs with, and issue 15's methods at W4A4, W3A8
# and an average of 3 weight bits.
SETTINGS=fp32,W8g32,W6g32,W4g32,W3g32,W2g32,Wfp4g32,W8c-A8,W8g32-A8,W4g32-A8,W3g32-A8,W4g32-A4,\
W8c-A8-sq0.5,W4g32-A4-sq0.5,W3g32-gptq,W2g32-gptq,W4g32-A4-had,W3g32-A8-had,W4g32-A4-lr16,W4g32-mp3
PAIRS=fp32,W4g32,W2g32   # measured by both engines on mnist-var-d1 (the fastest model on SwiftShader)
mkdir -p "$OUT"

echo "$(date -Is) 1/4 PyTorch sweep: $MODELS x $SETTINGS + every QAT student, N=$N"
NPROC=${NPROC:-2} bash training/sweep_torch.sh --models "$MODELS" --settings "$SETTINGS" \
  --students all --samples "$N" --out "$OUT/mnist-sweep-pytorch.json"

echo "$(date -Is) 2/4 sizes of every point by the engine (no sampling)"
npm run --silent sweep -- --sizes-only --settings "$SETTINGS" --out "$OUT/mnist-sweep-sizes.json"

echo "$(date -Is) 3/4 WebGPU points for the two-engine check: mnist-var-d1 at $PAIRS, N=$N"
npm run --silent sweep -- --samples "$N" --dit-steps 50 --only mnist-var-d1 --settings "$PAIRS" \
  --out "$OUT/mnist-sweep-webgpu.json"

echo "$(date -Is) 4/4 merge into the shipped file"
npm run --silent sweep:merge -- --from "$OUT/mnist-sweep-pytorch.json" --sizes "$OUT/mnist-sweep-sizes.json" \
  --into "$OUT/mnist-sweep-webgpu.json" --out public/sweeps/mnist-sweep.json
node scripts/sweep-claims.mjs public/sweeps/mnist-sweep.json
