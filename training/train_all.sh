#!/bin/bash
# Trains the whole model zoo on a 2-core CPU, logging each model to training/logs/<model>.log.
# The classifier goes first; then lanes run side by side with one thread each (single-threaded processes
# use the cores better than one two-threaded process on these small matrices):
#   lane A: vqvae -> var-d1 -> var-d2 -> var-d3        lane B: vae -> dit-d1 -> dit-d2 -> dit-d3 (12 min)
#   lane C: (once the VAE exists) dit-d4 with a longer budget and batch 64: diffusion needs far more
#           optimiser steps than VAR for the same quality, and the largest DiT carries the quality floor;
#           then dit-d4-stage2 continues it for 20 minutes (run after the other lanes had finished).
# Usage: nohup bash training/train_all.sh &            (or: bash training/train_all.sh lane <model> ...)
set -u
cd "$(dirname "$0")/.."
PY=/usr/bin/python3
mkdir -p training/logs training/runs

train() {
  local m=$1 cmd
  case $m in
    classifier) cmd="$PY training/train_classifier.py" ;;
    vqvae) cmd="$PY training/train_vqvae.py" ;;
    vae) cmd="$PY training/train_vae.py" ;;
    var-d*) cmd="$PY training/train_var.py --depth ${m#var-d}" ;;
    dit-d4) cmd="$PY training/train_dit.py --depth 4 --batch 64 --minutes 45 --ema 0.998" ;;
    dit-d4-stage2) cmd="$PY training/train_dit.py --depth 4 --batch 64 --minutes 20 --lr 5e-4 --ema 0.998 --init_from dit-d4-stage1" ;;
    dit-d3) cmd="$PY training/train_dit.py --depth 3 --minutes 12" ;;
    dit-d*) cmd="$PY training/train_dit.py --depth ${m#dit-d}" ;;
    *) echo "unknown model $m"; return 1 ;;
  esac
  echo "$(date -Is) start $m: TRAIN_THREADS=${TRAIN_THREADS:-2} $cmd" >> training/logs/queue.log
  $cmd > "training/logs/$m.log" 2>&1
  echo "$(date -Is) end $m rc=$?" >> training/logs/queue.log
}

if [ "${1:-}" = lane ]; then
  shift
  for m in "$@"; do train "$m" || exit 1; done
  exit 0
fi

train classifier
export TRAIN_THREADS=1
bash "$0" lane vqvae var-d1 var-d2 var-d3 &
bash "$0" lane vae dit-d1 dit-d2 dit-d3 &
( while [ ! -f training/runs/vae.pt ] || pgrep -f train_vae.py > /dev/null; do sleep 10; done
  bash "$0" lane dit-d4
  # Second stage: 20 more minutes at a lower peak learning rate, from the first stage's EMA weights.
  cp training/runs/dit-d4.pt training/runs/dit-d4-stage1.pt
  bash "$0" lane dit-d4-stage2 ) &
wait
