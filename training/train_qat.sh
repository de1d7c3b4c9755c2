#!/usr/bin/env bash
# The QAT / distillation students of docs/qat.md on the zoo v2 teachers, one job at a time with both threads,
# each a fixed 1,000 steps x 64 images: every loss at W2g32 and W3g32 on var-d2, and the task and
# distillation students at W3g32 and W2g32 on dit-d2. Logs: training/logs/qat/<id>.log; checkpoints:
# training/runs/qat/<id>.pt; a student already trained is skipped. Then: python3 training/qat_eval.py and
# python3 training/export_qat.py.
# Usage: nohup bash training/train_qat.sh > training/logs/qat/train_qat.out 2>&1 &
set -uo pipefail
cd "$(dirname "$0")"
PY=/usr/bin/python3
STEPS=${QAT_STEPS:-1000}
mkdir -p logs/qat runs/qat

run() {  # family depth setting loss
  local id="mnist-$1-d$2-qat-$(echo "$3" | tr 'A-Z' 'a-z')-$4"
  if [ -f "runs/qat/$id.pt" ]; then echo "$id already trained"; return 0; fi
  echo "$(date -u +%H:%M:%S) start $id" >> logs/qat/queue.log
  "$PY" qat.py --family "$1" --depth "$2" --setting "$3" --loss "$4" --steps "$STEPS" --threads 2 > "logs/qat/$id.log" 2>&1
  echo "$(date -u +%H:%M:%S) end $id rc $?" >> logs/qat/queue.log
}

for s in W2g32 W3g32; do for l in task fkl rkl topkld; do run var 2 "$s" "$l"; done; done
for s in W3g32 W2g32; do for l in task mse; do run dit 2 "$s" "$l"; done; done
