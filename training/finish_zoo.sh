#!/bin/bash
# Everything after training/train_all.sh that turns the trained zoo into what the app ships, one step at a time:
#   1. CFG choice on held-out draws (seed 99, N=500) for one middle model per family -> results.json cfgSweep
#      (the chosen value is written into training/zoo.py by hand; check_cfg_choice.py stops step 2 until it is)
#   2. evaluation of every generator at N=2,000 (+ ceilings, real-data floor) -> results.json, samples/*.png
#   3. bundles, goldens and sample grids -> public/models (export_bundle.py), ONNX check against the goldens
#   4. quantised goldens of var-d1 / dit-d1 for the GPU tests (quant_goldens.py)
#   5. QAT / distillation students on the new teachers (train_qat.sh), RTN baselines, their evaluation and bundles
# Each step writes a marker in training/logs/finish/<step>.done when it succeeds; a step already done is skipped, so
# the script resumes after an interruption at the step it was in (a step itself restarts from its beginning).
# Delete a marker to redo a step. cfg and evaluate keep results.json entries measured the same way on the same
# weights (--skip_done: same N, seed, sampling and weights digest); delete an entry to measure it again. Usage: nohup bash training/finish_zoo.sh [step ...] > training/logs/finish.out 2>&1 &
set -u
cd "$(dirname "$0")/.."
PY=/usr/bin/python3
MARKERS=training/logs/finish
mkdir -p "$MARKERS"
STEPS=("$@")
[ ${#STEPS[@]} -eq 0 ] && STEPS=(cfg evaluate export check_onnx quant_goldens qat qat_rtn qat_eval export_qat)

run_step() {
  local name=$1
  shift
  if [ -f "$MARKERS/$name.done" ]; then echo "$(date -Is) skip $name (done: $(cat "$MARKERS/$name.done"))"; return 0; fi
  echo "$(date -Is) start $name: $*"
  "$@"
  local rc=$?
  echo "$(date -Is) end $name rc=$rc"
  [ $rc -eq 0 ] || { echo "step $name failed (rc=$rc); fix it and run this script again"; exit $rc; }
  date -Is > "$MARKERS/$name.done"
}

all_trained() {
  for m in var-d1 var-d2 var-d3 var-d4 dit-d1 dit-d2 dit-d3 dit-d4; do
    [ -f "training/runs/$m.pt" ] || { echo "training/runs/$m.pt is missing: finish bash training/train_all.sh first"; exit 1; }
  done
}

all_trained
for s in "${STEPS[@]}"; do
  case $s in
    cfg) run_step cfg $PY training/evaluate.py --skip_done --sweep_cfg 1,1.5,2,3,4,5,6 --samples 500 --seed 99 var-d2 dit-d2 ;;
    evaluate) $PY training/check_cfg_choice.py || exit 1; run_step evaluate $PY training/evaluate.py --skip_done ;;
    export) run_step export $PY training/export_bundle.py ;;
    check_onnx) run_step check_onnx node training/check_onnx.mjs ;;
    quant_goldens) run_step quant_goldens $PY training/quant_goldens.py ;;
    qat) run_step qat bash training/train_qat.sh ;;
    qat_rtn) run_step qat_rtn sh -c "$PY training/qat_eval.py rtn var 2 fp32 W2g32 W3g32 W4g32 && $PY training/qat_eval.py rtn dit 2 fp32 W2g32 W3g32 W4g32" ;;
    qat_eval) run_step qat_eval $PY training/qat_eval.py students ;;
    export_qat) run_step export_qat $PY training/export_qat.py ;;
    *) echo "unknown step $s"; exit 1 ;;
  esac
done
