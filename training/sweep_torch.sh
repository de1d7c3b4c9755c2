#!/usr/bin/env bash
# torchrun for training/sweep_torch.py: NPROC processes on this machine (default 2), the rest of the arguments
# go to sweep_torch.py. Across machines, call torchrun yourself with --nnodes/--rdzv_endpoint as usual.
#   NPROC=2 bash training/sweep_torch.sh --models var-d1,dit-d1 --settings fp32,W4g32 --samples 2000 --out F
# --redirects 1 --tee 1: Debian's torch 1.13 launcher under Python 3.11 cannot parse its own default "0"
# (IntFlag iteration changed in 3.11), so stdout is redirected to its log and teed back explicitly.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-/usr/bin/python3}
exec "$PY" -m torch.distributed.run --redirects 1 --tee 1 --nproc_per_node "${NPROC:-2}" training/sweep_torch.py "$@"
