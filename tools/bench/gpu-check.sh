#!/usr/bin/env bash
# The GPU check of issue 14, prepared for a machine with a real GPU (possibly no browser and no network): prints the
# adapter, runs the kernel bench, the end-to-end bench and parity, and writes their JSON (and logs) into one folder
# within 10 minutes (each step has its own time cap; the caps add up to 570 s).
#
#   bash tools/bench/gpu-check.sh [--smoke] [OUT_DIR]      # default OUT_DIR: bench-results/gpu-check-<UTC time>
#
# --smoke: small sizes (kernels K = N = 256, the quick format list; end to end: the d1 models at fp32 and W4g32,
# 2 rounds, 4 DiT steps; parity of the smallest VAR bundle), a few minutes even on SwiftShader. To try it on a
# machine without a GPU: FORCE_DAWN=1 DAWN_ADAPTER=fallback bash tools/bench/gpu-check.sh --smoke
#
# Without a browser (or with FORCE_DAWN=1) every step runs our WGSL on Dawn for Node, the `webgpu` package in
# node_modules, on the machine's high-performance adapter (DAWN_ADAPTER=gpu, the default; the machine's Vulkan ICDs):
#   kernels     test/bench/dawnKernelBench.test.ts  (ours, f32, copy; no ORT column: onnxruntime-web needs a browser)
#   end to end  test/bench/dawnEndToEndBench.test.ts (time per image of the samplers at fp32 / W4g32 / W4g32-A8;
#               the ONNX decoders need a browser, so sampling only)
#   parity      tools/parity/parity.mjs --dawn       (engine against the PyTorch goldens)
# With Chromium (Debian's /usr/bin/chromium, or CHROMIUM_PATH) and FORCE_DAWN unset: `npm run bench` (kernels with
# ORT's MatMulNBits column, and --suite e2e) and `npm run parity` in the browser, started with Vulkan on.
#
# Needs: Node 20+ and node_modules (npm ci on a machine with network, then copy the tree; no network is used).
# Env: SIZES (default 1024,4096), QUICK=1, FILTER (kernel case regex), E2E_MODELS, E2E_SETTINGS, E2E_REPS,
# NO_E2E=1, NO_PARITY=1, FORCE_DAWN=1, DAWN_ADAPTER=gpu|fallback, NICE_LEVEL. Exit code: 0 when every step passed,
# else the number of failed steps (a missing Node or package: 64 before anything runs).
set -u
cd "$(dirname "$0")/../.."

SMOKE=0
OUT=""
for arg in "$@"; do
  case "$arg" in
    --smoke) SMOKE=1 ;;
    -h | --help)
      sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    -*)
      echo "gpu-check: unknown option $arg (use --smoke, --help or an output folder)" >&2
      exit 64
      ;;
    *) OUT="$arg" ;;
  esac
done

# Preflight: say what is missing and how to get it, before anything runs.
if ! command -v node > /dev/null 2>&1; then
  echo "gpu-check: Node.js is not on PATH. Install Node 20 or newer (https://nodejs.org, or the distribution's nodejs package) and run again." >&2
  exit 64
fi
if ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)'; then
  echo "gpu-check: Node $(node --version) is too old: the bench needs Node 20 or newer." >&2
  exit 64
fi
for pkg in webgpu vitest; do
  if ! node -e "require.resolve('$pkg/package.json')" > /dev/null 2>&1; then
    echo "gpu-check: the npm package '$pkg' is missing from node_modules. Run 'npm ci' in $(pwd) on a machine with network (then copy the whole tree, node_modules included, to the GPU machine)." >&2
    exit 64
  fi
done

OUT="${OUT:-bench-results/gpu-check-$(date -u +%Y%m%dT%H%M%SZ)}"
mkdir -p "$OUT"
NICE="nice -n ${NICE_LEVEL:-0}"
DAWN_ADAPTER="${DAWN_ADAPTER:-gpu}"
export DAWN_ADAPTER
failed=0
started=$(date +%s)

log() { echo "[gpu-check $(($(date +%s) - started)) s] $*" | tee -a "$OUT/gpu-check.log"; }

if [ "$SMOKE" = 1 ]; then
  SIZES="${SIZES:-256}"
  QUICK="${QUICK:-1}"
  E2E_MODELS="${E2E_MODELS:-mnist-var-d1,mnist-dit-d1}"
  E2E_SETTINGS="${E2E_SETTINGS:-fp32,W4g32}"
  E2E_REPS="${E2E_REPS:-2}"
  E2E_DIT_STEPS="${E2E_DIT_STEPS:-4}"
  PARITY_IDS="${PARITY_IDS:-mnist-var-d1}"
else
  SIZES="${SIZES:-1024,4096}"
  E2E_MODELS="${E2E_MODELS:-mnist-var-d2,mnist-dit-d2}"
  E2E_SETTINGS="${E2E_SETTINGS:-fp32,W4g32,W4g32-A8}"
  E2E_REPS="${E2E_REPS:-5}"
  E2E_DIT_STEPS="${E2E_DIT_STEPS:-10}"
  PARITY_IDS="${PARITY_IDS:-}"
fi

BROWSER="${CHROMIUM_PATH:-}"
if [ -z "$BROWSER" ]; then for b in /usr/bin/chromium /usr/bin/chromium-browser /usr/bin/google-chrome; do [ -x "$b" ] && BROWSER="$b" && break; done; fi
[ "${FORCE_DAWN:-0}" = 1 ] && BROWSER=""

# Dawn's Vulkan loader: the machine's own drivers for the GPU (test/gpu/device.ts asks for the high-performance
# adapter), SwiftShader for DAWN_ADAPTER=fallback.
if [ -z "${VK_ICD_FILENAMES:-}" ]; then
  if [ "$DAWN_ADAPTER" = fallback ]; then
    export VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json
  else
    icds=$(ls /usr/share/vulkan/icd.d/*.json /etc/vulkan/icd.d/*.json 2> /dev/null | grep -v swiftshader | paste -sd: -)
    [ -n "$icds" ] && export VK_ICD_FILENAMES="$icds"
  fi
fi

{
  echo "date: $(date -u +%FT%TZ)"
  echo "commit: $(git rev-parse HEAD 2> /dev/null || echo unknown)"
  echo "uptime: $(uptime)"
  echo "node: $(node --version)"
  echo "mode: $([ "$SMOKE" = 1 ] && echo smoke || echo full); $([ -n "$BROWSER" ] && echo "browser $BROWSER" || echo "Dawn for Node, DAWN_ADAPTER=$DAWN_ADAPTER")"
  echo "VK_ICD_FILENAMES: ${VK_ICD_FILENAMES:-unset}"
  command -v nvidia-smi > /dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
  command -v vulkaninfo > /dev/null && vulkaninfo --summary 2> /dev/null | grep -E 'deviceName|driverName|apiVersion' | head -8
} > "$OUT/machine.txt" 2>&1
log "machine: $(tr '\n' ';' < "$OUT/machine.txt")"

# The adapter Dawn for Node gets (what every Dawn step runs on), to the log and adapter.json.
if ! timeout 60 node tools/bench/dawnAdapter.mjs "$DAWN_ADAPTER" > "$OUT/adapter.json" 2> "$OUT/adapter.log"; then
  log "Dawn for Node found no usable adapter: $(tr '\n' ' ' < "$OUT/adapter.log")"
  log "fix: install the GPU's Vulkan driver (vulkaninfo should list it) or set VK_ICD_FILENAMES; DAWN_ADAPTER=fallback uses SwiftShader"
  [ -z "$BROWSER" ] && exit 64
else
  log "adapter (Dawn for Node): $(node -e 'const a = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(`${a.vendor} / ${a.architecture} / ${a.device} / ${a.description}${a.isFallbackAdapter ? " (fallback adapter: a CPU, not a GPU)" : ""}; features: ${a.features.join(" ")}`)' "$OUT/adapter.json")"
fi

# step NAME CAP_S LOG COMMAND...: runs one step under its time cap, counts a failure.
step() {
  local name=$1 cap=$2 logfile=$3
  shift 3
  log "$name (cap ${cap} s) ..."
  timeout "$cap" "$@" > "$OUT/$logfile" 2>&1
  local rc=$?
  if [ $rc -eq 0 ]; then
    log "$name passed"
  else
    failed=$((failed + 1))
    log "$name FAILED (exit $rc$([ $rc -eq 124 ] && echo ', time cap reached'); see $OUT/$logfile): $(tail -n 3 "$OUT/$logfile" | tr '\n' ' ' | cut -c1-300)"
  fi
}

params="sizes=$SIZES"
[ "${QUICK:-0}" = 1 ] && params="$params&quick=1"
[ -n "${FILTER:-}" ] && params="$params&filter=$(node -e 'process.stdout.write(encodeURIComponent(process.argv[1]))' "$FILTER")"

if [ -n "$BROWSER" ]; then
  args=(--sizes "$SIZES" --out "$OUT/kernels-browser.json" --timeout-min 4)
  [ "${QUICK:-0}" = 1 ] && args+=(--quick)
  [ -n "${FILTER:-}" ] && args+=(--filter "$FILTER")
  # --enable-features=Vulkan / --use-angle=vulkan: Linux Chromium's WebGPU on the GPU rather than SwiftShader.
  export CHROMIUM_EXTRA_ARGS="--enable-features=Vulkan --use-angle=vulkan"
  step "kernel bench in $BROWSER" 240 kernels-browser.log $NICE npm run bench -- "${args[@]}"
else
  step "kernel bench on Dawn for Node ($params)" 240 kernels-dawn.log env BENCH_DAWN=1 BENCH_OUT="$OUT/kernels-dawn.json" \
    BENCH_PARAMS="$params" $NICE npx vitest run --project unit test/bench/dawnKernelBench.test.ts
fi

if [ "${NO_E2E:-0}" != 1 ]; then
  if [ -n "$BROWSER" ]; then
    step "end-to-end bench in the browser" 180 end-to-end-browser.log $NICE npm run bench -- --suite e2e \
      --out "$OUT/end-to-end-browser.json" --timeout-min 3 --param "models=$E2E_MODELS" --param "settings=$E2E_SETTINGS" \
      --param "reps=$E2E_REPS" --param batch=0 --param forwardModels= --param latencyModels= --param "ditSteps=$E2E_DIT_STEPS"
  else
    step "end-to-end sampling bench on Dawn for Node ($E2E_MODELS x $E2E_SETTINGS)" 180 end-to-end-dawn.log env \
      BENCH_DAWN_E2E=1 BENCH_OUT="$OUT/end-to-end-dawn.json" BENCH_MODELS="$E2E_MODELS" BENCH_SETTINGS="$E2E_SETTINGS" \
      BENCH_REPS="$E2E_REPS" BENCH_DIT_STEPS="$E2E_DIT_STEPS" $NICE npx vitest run --project unit test/bench/dawnEndToEndBench.test.ts
  fi
fi

if [ "${NO_PARITY:-0}" != 1 ]; then
  ids=()
  [ -n "$PARITY_IDS" ] && ids=(--ids "$PARITY_IDS")
  if [ -n "$BROWSER" ]; then
    step "parity in the browser" 150 parity.log $NICE node tools/parity/parity.mjs "${ids[@]}" --out "$OUT/parity.json" --timeout-min 2
  else
    step "parity on Dawn for Node" 150 parity.log $NICE node tools/parity/parity.mjs --dawn "${ids[@]}" --out "$OUT/parity.json" --timeout-min 2
  fi
fi

log "wrote $(ls "$OUT" | tr '\n' ' ')in $OUT; failed steps: $failed; $(($(date +%s) - started)) s"
exit "$failed"
