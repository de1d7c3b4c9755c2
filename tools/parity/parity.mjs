#!/usr/bin/env node
/**
 * node tools/parity/parity.mjs [--dawn] [--ids a,b] [--models-dir DIR] [--out FILE.json] [--timeout-min 20]
 *
 * Parity of the WebGPU engine with the PyTorch goldens of every transformer bundle (docs/bundle-format.md):
 * prints a JSON report, one row per golden tensor with its max relative error (max |ours - golden| / max
 * |golden|; the fraction of mismatching tokens for token indices), the tolerance and pass/fail, per model and
 * step. Exit code 1 when any row fails or a bundle could not be checked.
 *
 * Default: serves the sources with Vite (its dev server on vite.tools.config.ts, public dir = --models-dir's parent
 * when given), opens /tools/parity/parity.html in Debian's headless Chromium with WebGPU and reads the page's report
 * (tools/parity/src/main.ts).
 * --dawn: the same checks (tools/parity/src/runParity.ts) through vitest on Dawn for Node instead of a browser.
 */
/* global window -- read inside page.evaluate / waitForFunction callbacks, which run in the page */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../scripts/chromium.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

function parseArgs(argv) {
  const opts = { dawn: false, ids: undefined, modelsDir: undefined, out: undefined, timeoutMin: 20 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    if (arg === '--dawn') opts.dawn = true;
    else if (arg === '--ids') opts.ids = value();
    else if (arg === '--models-dir') opts.modelsDir = path.resolve(value());
    else if (arg === '--out') opts.out = value();
    else if (arg === '--timeout-min') opts.timeoutMin = Number(value());
    else if (arg === '--help' || arg === '-h') {
      console.log('npm run parity -- [--dawn] [--ids a,b] [--models-dir DIR] [--out FILE.json] [--timeout-min 20]');
      process.exit(0);
    } else throw new Error(`unknown option ${arg} (see --help)`);
  }
  if (opts.modelsDir && path.basename(opts.modelsDir) !== 'models')
    throw new Error('--models-dir must be a folder named "models" (it is served as /models/)');
  return opts;
}

/** vitest on Dawn: the parity test writes the report to PARITY_OUT. */
function runDawn(opts) {
  const out = path.join(mkdtempSync(path.join(tmpdir(), 'parity-')), 'report.json');
  const env = {
    ...process.env,
    VK_ICD_FILENAMES: process.env.VK_ICD_FILENAMES ?? ICD,
    PARITY_OUT: out,
    MODEL_TESTS: 'all',
  };
  if (opts.modelsDir) env.MODEL_BUNDLES_DIR = opts.modelsDir;
  if (opts.ids) env.MODEL_IDS = opts.ids;
  const r = spawnSync('npx', ['vitest', 'run', '--project', 'gpu', 'test/gpu/models/parity.test.ts'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  try {
    return JSON.parse(readFileSync(out, 'utf8'));
  } catch {
    throw new Error(`vitest exited with ${r.status} and wrote no report`);
  }
}

/** Vite dev server (the developer pages' config) + headless Chromium on the parity page. */
async function runBrowser(opts) {
  const { createServer } = await import('vite');
  const { chromium } = await import('@playwright/test');
  const server = await createServer({
    root: ROOT,
    configFile: path.join(ROOT, 'vite.tools.config.ts'),
    logLevel: 'warn',
    publicDir: opts.modelsDir ? path.dirname(opts.modelsDir) : undefined,
    server: { port: 0, strictPort: false, host: '127.0.0.1' },
  });
  await server.listen();
  const base = server.resolvedUrls.local[0];
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    page.on('console', (m) => console.error(`[page ${m.type()}] ${m.text()}`));
    page.on('pageerror', (e) => console.error(`[page error] ${e.message}`));
    const query = opts.ids ? `?ids=${encodeURIComponent(opts.ids)}` : '';
    await page.goto(`${base}tools/parity/parity.html${query}`);
    await page.waitForFunction(
      () => window.__parityReport !== undefined || window.__parityError !== undefined,
      undefined,
      { timeout: opts.timeoutMin * 60_000 },
    );
    const error = await page.evaluate(() => window.__parityError);
    if (error) throw new Error(`the parity page failed: ${error}`);
    return await page.evaluate(() => window.__parityReport);
  } finally {
    await browser.close();
    await server.close();
  }
}

const opts = parseArgs(process.argv.slice(2));
const report = opts.dawn ? runDawn(opts) : await runBrowser(opts);
const json = JSON.stringify(report, null, 2);
if (opts.out) writeFileSync(opts.out, json);
console.log(json);
const failed = report.rows.filter((r) => !r.pass);
console.error(
  `parity on ${report.device}: ${report.rows.length} tensors, ${failed.length} failed, ${report.skipped.length} bundles skipped -> ${report.pass ? 'PASS' : 'FAIL'}`,
);
process.exit(report.pass ? 0 : 1);
