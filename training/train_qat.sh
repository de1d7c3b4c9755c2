#!/usr/bin/env bash
# The QAT / distillation students of docs/qat.md, in two lanes of one thread each (the 2-core machine is
# shared): `bash training/train_qat.sh A` and `bash training/train_qat.sh B` (or `all` = both in the background).
# Logs: training/logs/qat/<id>.log. Checkpoints: training/runs/qat/<id>.pt. Then: python3 training/qat_eval.py.
# `C` and `D` (after A and B): the four W2g32 students again with 8 minutes each (the setting where RTN loses);
# the 3-minute checkpoints and logs move to runs/qat/short/ and logs/qat/short/ first (their results stay in
# qat_results.json, keyed by step count).
# `G` and `H`: the four 8-minute W2g32 students again with seed 1 (ids end in -s1; logs in logs/qat/seed1/).
# `E` and `F` (after C and D): the DiT pair again at W2g32, where RTN loses (W3g32 RTN is within FD noise of fp32).
set -uo pipefail
cd "$(dirname "$0")"
PY=/usr/bin/python3
VAR_MIN=${VAR_MIN:-3}
DIT_MIN=${DIT_MIN:-6}

run() {  # family depth setting loss minutes
  local id="mnist-$1-d$2-qat-$(echo "$3" | tr 'A-Z' 'a-z')-$4"
  echo "$(date -u +%H:%M:%S) start $id" >> logs/qat/queue.log
  nice -n 10 "$PY" qat.py --family "$1" --depth "$2" --setting "$3" --loss "$4" --minutes "$5" --threads 1 > "logs/qat/$id.log" 2>&1
  echo "$(date -u +%H:%M:%S) end $id rc $?" >> logs/qat/queue.log
}

lane_A() {
  for s in W3g32 W2g32; do for l in task fkl rkl topkld; do run var 2 "$s" "$l" "$VAR_MIN"; done; done
  for l in task fkl; do run var 2 W4g32-A8 "$l" "$VAR_MIN"; done
}

lane_B() {
  # W3g32, not W4g32-A8: RTN W4g32-A8 is nearly lossless on dit-d3 (relative eps MSE 0.25%, FD within noise;
  # docs/qat.md), so distillation could not show anything there.
  DIT_SETTING=${DIT_SETTING:-W3g32}
  for l in task mse; do run dit 3 "$DIT_SETTING" "$l" "$DIT_MIN"; done
  for l in rkl topkld; do run var 2 W4g32-A8 "$l" "$VAR_MIN"; done
  for l in task fkl rkl topkld; do run var 2 Wfp4g32 "$l" "$VAR_MIN"; done
}

keep_short() {  # setting loss
  local id="mnist-var-d2-qat-$(echo "$1" | tr 'A-Z' 'a-z')-$2"
  mkdir -p runs/qat/short logs/qat/short
  [ -f "runs/qat/$id.pt" ] && mv "runs/qat/$id.pt" runs/qat/short/
  [ -f "logs/qat/$id.log" ] && mv "logs/qat/$id.log" logs/qat/short/
}

lane_C() { for l in task fkl; do keep_short W2g32 "$l"; run var 2 W2g32 "$l" 8; done; }
lane_D() { for l in rkl topkld; do keep_short W2g32 "$l"; run var 2 W2g32 "$l" 8; done; }

run_seed1() {  # loss
  local id="mnist-var-d2-qat-w2g32-$1-s1"
  mkdir -p logs/qat/seed1
  echo "$(date -u +%H:%M:%S) start $id" >> logs/qat/queue.log
  nice -n 10 "$PY" qat.py --family var --depth 2 --setting W2g32 --loss "$1" --minutes 8 --seed 1 --threads 1 > "logs/qat/seed1/$id.log" 2>&1
  echo "$(date -u +%H:%M:%S) end $id rc $?" >> logs/qat/queue.log
}
lane_G() { for l in topkld task; do run_seed1 "$l"; done; }
lane_H() { for l in fkl rkl; do run_seed1 "$l"; done; }

lane_E() { run dit 3 W2g32 task "$DIT_MIN"; }
lane_F() { run dit 3 W2g32 mse "$DIT_MIN"; }

case "${1:-all}" in
  A) lane_A ;;
  B) lane_B ;;
  C) lane_C ;;
  D) lane_D ;;
  E) lane_E ;;
  F) lane_F ;;
  G) lane_G ;;
  H) lane_H ;;
  all) lane_A & lane_B & wait; lane_C & lane_D & wait; lane_E & lane_F & wait; lane_G & lane_H & wait ;;
esac
