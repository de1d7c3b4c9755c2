#!/usr/bin/env bash
# The GPU check of issue 14, prepared for a machine with a real GPU (possibly no browser and no network):
# runs the kernel bench and parity and writes their JSON (and logs) into one folder, within about 10 minutes.
#
#   bash tools/bench/gpu-check.sh [OUT_DIR]          # default OUT_DIR: bench-results/gpu-check-<UTC time>
#
# With Chromium (Debian's /usr/bin/chromium, or CHROMIUM_PATH): the kernel bench in the browser (ours, f32, copy and
# onnxruntime-web's MatMulNBits on the same GPUDevice; `npm run bench`), Chromium started with Vulkan on.
# Without a browser: the same bench (no ORT column: onnxruntime-web needs a browser) on Dawn for Node, the `webgpu`
# package in node_modules, on the machine's high-performance adapter (test/bench/dawnKernelBench.test.ts).
# Parity: `npm run parity` in the browser, or `tools/parity/parity.mjs --dawn` on Dawn for Node with DAWN_ADAPTER=gpu
# (test/gpu/device.ts then asks for the real GPU instead of SwiftShader).
#
# Needs: node_modules installed (npm ci on a machine with network, then copy the tree). No network is used.
# Env: SIZES (default 1024,4096), QUICK=1 (quick format list), FILTER (case regex), NO_PARITY=1, FORCE_DAWN=1
# (skip the browser even if there is one), DAWN_ADAPTER=fallback (SwiftShader: to try this script on a machine
# without a GPU; set VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json), TIME_LIMIT_S (default 540 per
# step). Exit code: 0 when every step passed, else the number of failed steps.
set -u
cd "$(dirname "$0")/../.."
OUT="${1:-bench-results/gpu-check-$(date -u +%Y%m%dT%H%M%SZ)}"
mkdir -p "$OUT"
SIZES="${SIZES:-1024,4096}"
LIMIT="${TIME_LIMIT_S:-540}"
NICE="nice -n ${NICE_LEVEL:-0}"
failed=0
started=$(date +%s)

log() { echo "[gpu-check $(($(date +%s) - started)) s] $*" | tee -a "$OUT/gpu-check.log"; }

{
  echo "date: $(date -u +%FT%TZ)"
  echo "commit: $(git rev-parse HEAD 2>/dev/null || echo unknown)"
  echo "uptime: $(uptime)"
  echo "node: $(node --version)"
  command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
  command -v vulkaninfo >/dev/null && vulkaninfo --summary 2>/dev/null | grep -E 'deviceName|driverName|apiVersion' | head -8
} > "$OUT/machine.txt" 2>&1
log "machine: $(tr '\n' ';' < "$OUT/machine.txt")"

BROWSER="${CHROMIUM_PATH:-}"
if [ -z "$BROWSER" ]; then for b in /usr/bin/chromium /usr/bin/chromium-browser /usr/bin/google-chrome; do [ -x "$b" ] && BROWSER="$b" && break; done; fi
[ "${FORCE_DAWN:-0}" = 1 ] && BROWSER=""

# tools/parity/parity.mjs --dawn points VK_ICD_FILENAMES at SwiftShader when it is unset: name the machine's own Vulkan
# drivers instead, so that Dawn sees the GPU.
if [ "${DAWN_ADAPTER:-gpu}" = gpu ] && [ -z "${VK_ICD_FILENAMES:-}" ]; then
  icds=$(ls /usr/share/vulkan/icd.d/*.json /etc/vulkan/icd.d/*.json 2>/dev/null | grep -v swiftshader | paste -sd: -)
  [ -n "$icds" ] && export VK_ICD_FILENAMES="$icds" && log "VK_ICD_FILENAMES=$icds"
fi

params="sizes=$SIZES"
[ "${QUICK:-0}" = 1 ] && params="$params&quick=1"
[ -n "${FILTER:-}" ] && params="$params&filter=$(node -e 'process.stdout.write(encodeURIComponent(process.argv[1]))' "$FILTER")"

if [ -n "$BROWSER" ]; then
  log "kernel bench in $BROWSER ($params)"
  args=(--sizes "$SIZES" --out "$OUT/kernels-browser.json" --timeout-min $((LIMIT / 60)))
  [ "${QUICK:-0}" = 1 ] && args+=(--quick)
  [ -n "${FILTER:-}" ] && args+=(--filter "$FILTER")
  # --enable-features=Vulkan / --use-angle=vulkan: Linux Chromium's WebGPU on the GPU rather than SwiftShader.
  CHROMIUM_EXTRA_ARGS="--enable-features=Vulkan --use-angle=vulkan" timeout "$LIMIT" $NICE npm run bench -- "${args[@]}" > "$OUT/kernels-browser.log" 2>&1 || { failed=$((failed + 1)); log "kernel bench failed (see kernels-browser.log)"; }
else
  log "no browser: kernel bench on Dawn for Node (${DAWN_ADAPTER:-gpu} adapter; $params)"
  BENCH_DAWN=1 BENCH_OUT="$OUT/kernels-dawn.json" BENCH_PARAMS="$params" DAWN_ADAPTER="${DAWN_ADAPTER:-gpu}" \
    timeout "$LIMIT" $NICE npx vitest run --project unit test/bench/dawnKernelBench.test.ts > "$OUT/kernels-dawn.log" 2>&1 || { failed=$((failed + 1)); log "kernel bench failed (see kernels-dawn.log)"; }
fi
log "kernel bench done"

if [ "${NO_PARITY:-0}" != 1 ]; then
  if [ -n "$BROWSER" ]; then
    log "parity in the browser"
    timeout "$LIMIT" $NICE node tools/parity/parity.mjs --out "$OUT/parity.json" > "$OUT/parity.log" 2>&1 || { failed=$((failed + 1)); log "parity failed (see parity.log)"; }
  else
    log "parity on Dawn for Node (${DAWN_ADAPTER:-gpu} adapter)"
    DAWN_ADAPTER="${DAWN_ADAPTER:-gpu}" timeout "$LIMIT" $NICE node tools/parity/parity.mjs --dawn --out "$OUT/parity.json" > "$OUT/parity.log" 2>&1 || { failed=$((failed + 1)); log "parity failed (see parity.log)"; }
  fi
  log "parity done"
fi

log "wrote $(ls "$OUT" | tr '\n' ' ')in $OUT; failed steps: $failed"
exit "$failed"
