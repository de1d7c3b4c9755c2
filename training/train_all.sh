#!/bin/bash
# Trains the whole model zoo v2 from scratch with fixed step counts (docs/model-zoo.md), one job at a time with
# both threads (two jobs side by side on the 2-core machines each run 3-5x slower). Every job is resumable:
# stop this script at any moment and run it again; finished models are skipped, a stopped one continues from
# its last checkpoint (runs/<name>.state.pt here, else the committed training/checkpoints/<name>.pt).
# Usage: nohup bash training/train_all.sh [--device cuda] [model ...] > training/logs/train_all.out 2>&1 &
#   models: classifier vqvae vae var-d1..var-d4 dit-d1..dit-d4 (default: all, in the order below)
set -u
cd "$(dirname "$0")/.."
PY=/usr/bin/python3
DEVICE=cpu
if [ "${1:-}" = --device ]; then DEVICE=$2; shift 2; fi
MODELS=("$@")
[ ${#MODELS[@]} -eq 0 ] && MODELS=(classifier vqvae vae dit-d1 var-d1 dit-d2 var-d2 dit-d3 var-d3 dit-d4 var-d4)
mkdir -p training/logs

for m in "${MODELS[@]}"; do
  case $m in
    classifier) cmd="$PY training/train_classifier.py" ;;
    vqvae) cmd="$PY training/train_vqvae.py" ;;
    vae) cmd="$PY training/train_vae.py" ;;
    var-d*) cmd="$PY training/train_var.py --depth ${m#var-d}" ;;
    dit-d*) cmd="$PY training/train_dit.py --depth ${m#dit-d} --min_snr_gamma 5" ;;
    *) echo "unknown model $m"; exit 1 ;;
  esac
  cmd="$cmd --device $DEVICE"
  echo "$(date -Is) start $m: $cmd" >> training/logs/queue.log
  $cmd >> "training/logs/$m.log" 2>&1
  rc=$?
  echo "$(date -Is) end $m rc=$rc" >> training/logs/queue.log
  [ $rc -eq 0 ] || { echo "$m failed (rc=$rc), see training/logs/$m.log"; exit $rc; }
done
