#!/usr/bin/env bash
# Every test: typecheck, unit tests (Node), GPU kernel tests (real WGSL on Dawn + SwiftShader), Python
# training tests, then the browser end-to-end tests (built app in headless Chromium with WebGPU). Every step
# runs even when an earlier one fails; the last line counts the steps, and the exit code is non-zero on any
# failure.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-deps.sh || exit 1
export VK_ICD_FILENAMES="${VK_ICD_FILENAMES:-/usr/lib/chromium/vk_swiftshader_icd.json}"

passed=0
failed=()
step() {
  local name=$1
  shift
  printf '\n=== %s\n' "$name"
  if "$@"; then passed=$((passed + 1)); else failed+=("$name"); fi
}

step "typecheck" npx tsc -b
step "unit tests (Node)" npx vitest run --project unit
step "GPU kernel and model tests (Dawn for Node, SwiftShader)" npx vitest run --project gpu
step "training tests (PyTorch)" bash training/tests/run.sh
step "end-to-end tests (headless Chromium, WebGPU)" node e2e/run.mjs

printf '\n'
for name in "${failed[@]}"; do echo "FAILED: $name"; done
echo "steps: ${passed} passed, ${#failed[@]} failed"
[ ${#failed[@]} -eq 0 ]
