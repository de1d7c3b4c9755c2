#!/usr/bin/env node
// Moved to tools/parity/parity.mjs (`npm run parity`). This forwarder stays while training/tests/run.sh and
// training/tests/official_layout.py still call `node scripts/parity.mjs`; the options and exit code are the same.
await import('../tools/parity/parity.mjs');
