#!/usr/bin/env bash
# Every test: typecheck, unit tests (Node), GPU kernel tests (real WGSL on Dawn + SwiftShader), Python
# training tests, then the browser end-to-end tests (built app in headless Chromium with WebGPU).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-deps.sh
export VK_ICD_FILENAMES="${VK_ICD_FILENAMES:-/usr/lib/chromium/vk_swiftshader_icd.json}"

step() { printf '\n=== %s\n' "$1"; }
step "typecheck"; npx tsc -b
step "unit tests (Node)"; npx vitest run --project unit
step "GPU kernel tests (Dawn for Node, SwiftShader)"; npx vitest run --project gpu
if [ -f training/tests/run.sh ]; then step "training tests (PyTorch)"; bash training/tests/run.sh; fi
step "end-to-end tests (headless Chromium, WebGPU)"; node e2e/run.mjs
