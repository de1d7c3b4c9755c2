#!/usr/bin/env bash
# The QAT / distillation students of docs/qat.md, in two lanes of one thread each (the 2-core machine is
# shared): `bash training/train_qat.sh A` and `bash training/train_qat.sh B` (or `all` = both in the background).
# Logs: training/logs/qat/<id>.log. Checkpoints: training/runs/qat/<id>.pt. Then: python3 training/qat_eval.py.
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
  DIT_SETTING=${DIT_SETTING:-W4g32-A8}
  for l in task mse; do run dit 3 "$DIT_SETTING" "$l" "$DIT_MIN"; done
  for l in rkl topkld; do run var 2 W4g32-A8 "$l" "$VAR_MIN"; done
  for l in task fkl rkl topkld; do run var 2 Wfp4g32 "$l" "$VAR_MIN"; done
}

case "${1:-all}" in
  A) lane_A ;;
  B) lane_B ;;
  all) lane_A & lane_B & wait ;;
esac
