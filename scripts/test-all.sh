#!/usr/bin/env bash
# Every test: lint (ESLint with the layer rule, Prettier), typecheck, unit tests (Node), GPU kernel tests (real WGSL on Dawn + SwiftShader), Python
# training tests, then the browser end-to-end tests (built app in headless Chromium with WebGPU). Every step
# runs even when an earlier one fails; the last line counts the steps, and the exit code is non-zero on any
# failure.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-deps.sh || exit 1
export VK_ICD_FILENAMES="${VK_ICD_FILENAMES:-/usr/lib/chromium/vk_swiftshader_icd.json}"

passed=0
failed=()
failed_logs=()
logs=$(mktemp -d "${TMPDIR:-/tmp}/test-all.XXXXXX")
trap 'rm -rf "$logs"' EXIT
step() {
  local name=$1
  shift
  printf '\n=== %s\n' "$name"
  # Each step's output is also kept, so the summary at the end (what a CI log's tail shows) can name the failing
  # tests, not only the step.
  local log="$logs/$((passed + ${#failed[@]})).log"
  if "$@" 2>&1 | tee "$log"; then
    passed=$((passed + 1))
  else
    failed+=("$name")
    failed_logs+=("$log")
  fi
}

step "lint (ESLint, Prettier)" npm run --silent lint
step "typecheck" npx tsc -b
step "unit tests (Node)" npx vitest run --project unit
step "GPU kernel and model tests (Dawn for Node, SwiftShader)" npx vitest run --project gpu
step "training tests (PyTorch)" bash training/tests/run.sh
step "end-to-end tests (headless Chromium, WebGPU)" node e2e/run.mjs

printf '\n'
for i in "${!failed[@]}"; do
  echo "FAILED: ${failed[$i]}"
  # Failure lines of vitest (FAIL, ×), Playwright (✘, numbered failures) and unittest (FAIL:, ERROR:), colours removed.
  sed 's/\x1b\[[0-9;]*m//g' "${failed_logs[$i]}" |
    grep -E '^ *(FAIL |×|✘|[0-9]+\) |FAIL:|ERROR:)|AssertionError|Error: ' | head -n 30 | sed 's/^/  /'
done
echo "steps: ${passed} passed, ${#failed[@]} failed"
[ ${#failed[@]} -eq 0 ]
