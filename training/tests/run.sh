#!/usr/bin/env bash
# Training-side CI (called by scripts/test-all.sh): Python unit tests, then the smoke export (every family
# trained for a few steps and exported into a temp folder), then the TypeScript bundle validator on that
# folder. Exits non-zero on any failure. About a minute on a busy 2-core machine.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=/usr/bin/python3  # Debian's python3 has torch; another python3 may come first on PATH

echo "--- python unit tests (training/tests)"
"$PY" -m unittest discover -s training/tests

tmp=$(mktemp -d "${TMPDIR:-/tmp}/smoke-bundles.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

echo "--- smoke export into $tmp"
TRAIN_THREADS="${TRAIN_THREADS:-2}" "$PY" training/tests/smoke_export.py --out "$tmp" 2>&1 | grep -v -e UserWarning -e '_C._jit_pass'

echo "--- TypeScript validator on the smoke bundles"
VALIDATE_BUNDLES_DIR="$tmp/models" VALIDATE_BUNDLES_FAMILIES=var,dit,vqvae,vae,classifier \
  npx vitest run --project unit test/models/smokeBundles.test.ts
