#!/usr/bin/env bash
# Every test: typecheck, unit tests (Node), GPU kernel tests (Dawn + SwiftShader), Python training smoke
# tests, then the browser end-to-end tests (built app in headless Chromium with WebGPU).
set -euo pipefail
cd "$(dirname "$0")/.."
export VK_ICD_FILENAMES="${VK_ICD_FILENAMES:-/usr/lib/chromium/vk_swiftshader_icd.json}"

npx tsc -b
npx vitest run --project unit
npx vitest run --project gpu
if [ -f training/tests/run.sh ]; then bash training/tests/run.sh; fi
npm run --silent test:e2e
