#!/usr/bin/env node
/**
 * npm run bench -- [--suite kernels|e2e] [--out FILE.json] [--quick] [--filter REGEX] [--sizes 256,1024] [--m 64]
 *                  [--no-ort] [--param NAME=VALUE ...] [--dev] [--rebuild] [--timeout-min 30]
 *
 * --suite kernels (default): the quantized matmul kernels; --suite e2e: the generators end to end (time per image,
 * DiT forward against onnxruntime-web, setting-switch latency). --param passes any page parameter through
 * (e.g. --param ditSteps=50 --param models=mnist-dit-d2); --filter/--sizes/--m/--no-ort apply to kernels only.
 *
 * Builds the developer pages when dist-tools/ is missing or older than the sources (`vite build --config
 * vite.tools.config.ts`; falls back to the dev server if the build fails), serves them on a free port, opens
 * /tools/bench/bench.html?auto=1 in Debian's Chromium (headless, WebGPU
 * on whatever adapter it finds), echoes the page's progress, and writes the page's result plus the machine
 * (from Node: CPU model, cores, memory) and the browser version to --out (default
 * bench-results/<suite>-<date>.json). Prints a summary table. Exit code 1 when any case failed.
 */
/* global window -- read inside page.evaluate / waitForFunction callbacks, which run in the page */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../scripts/chromium.mjs';
import { formatFailures, formatHeader, formatSummary } from './summaryTable.mjs';
import { formatEndToEnd } from './endToEndTable.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const VITE = path.join(ROOT, 'node_modules/vite/bin/vite.js');
// The developer pages' own build (dist-tools/), never the app's dist/.
const TOOLS_CONFIG = ['--config', 'vite.tools.config.ts'];
const PAGE = 'tools/bench/bench.html';
const LAUNCH_ARGS = [
  ...CHROMIUM_ARGS,
  // Without it Chromium rounds GPU timestamps to 100 µs (a fingerprinting defence), coarser than small kernels.
  '--enable-webgpu-developer-features',
  // tools/bench/gpu-check.sh adds the flags that put Linux Chromium's WebGPU on a real GPU (Vulkan).
  ...(process.env.CHROMIUM_EXTRA_ARGS ?? '').split(' ').filter(Boolean),
];

function parseArgs(argv) {
  const opts = {
    suite: 'kernels',
    out: undefined,
    quick: false,
    filter: '',
    sizes: undefined,
    m: undefined,
    ort: true,
    params: [],
    dev: false,
    rebuild: false,
    timeoutMin: 30,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    if (arg === '--suite') {
      opts.suite = value();
      if (opts.suite !== 'kernels' && opts.suite !== 'e2e')
        throw new Error(`--suite ${opts.suite}: use kernels or e2e`);
    } else if (arg === '--param') {
      const pair = value();
      if (!/^[A-Za-z]+=/.test(pair)) throw new Error(`--param ${pair}: use NAME=VALUE`);
      opts.params.push(pair.split(/=(.*)/s).slice(0, 2));
    } else if (arg === '--out') opts.out = value();
    else if (arg === '--quick') opts.quick = true;
    else if (arg === '--filter') opts.filter = value();
    else if (arg === '--sizes') opts.sizes = value();
    else if (arg === '--m') opts.m = value();
    else if (arg === '--no-ort') opts.ort = false;
    else if (arg === '--dev') opts.dev = true;
    else if (arg === '--rebuild') opts.rebuild = true;
    else if (arg === '--timeout-min') opts.timeoutMin = Number(value());
    else if (arg === '--help' || arg === '-h') {
      console.log(readUsage());
      process.exit(0);
    } else throw new Error(`unknown option ${arg} (see --help)`);
  }
  return opts;
}

function readUsage() {
  return 'npm run bench -- [--suite kernels|e2e] [--out FILE.json] [--quick] [--filter REGEX] [--sizes 256,1024] [--m 64] [--no-ort] [--param NAME=VALUE ...] [--dev] [--rebuild] [--timeout-min 30]';
}

/** Newest modification time under the paths that go into the build. */
function newestSourceMtime() {
  let newest = 0;
  const visit = (p) => {
    if (!existsSync(p)) return;
    const s = statSync(p);
    if (s.isDirectory()) for (const e of readdirSync(p)) visit(path.join(p, e));
    else newest = Math.max(newest, s.mtimeMs);
  };
  for (const p of ['src', 'tools', 'shaders', 'public', 'vite.tools.config.ts', 'package.json'])
    visit(path.join(ROOT, p));
  return newest;
}

function run(cmd, args, label) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('exit', (code) => resolve(code === 0));
    child.on('error', (e) => {
      console.error(`${label}: ${e.message}`);
      resolve(false);
    });
  });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

async function waitForHttp(url, server, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (server.exitCode !== null)
      throw new Error(`the server exited with code ${server.exitCode} before serving ${url}`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not answer within ${timeoutMs / 1000} s`);
}

async function prepareServer(opts) {
  let mode = opts.dev ? 'dev' : 'preview';
  if (mode === 'preview') {
    const built = path.join(ROOT, 'dist-tools', PAGE);
    const stale = !existsSync(built) || statSync(built).mtimeMs < newestSourceMtime();
    if (opts.rebuild || stale) {
      console.log(
        `[driver] ${existsSync(built) ? 'sources changed' : 'no build yet'}: npx vite build --config vite.tools.config.ts`,
      );
      if (!(await run(process.execPath, [VITE, 'build', ...TOOLS_CONFIG, '--logLevel', 'warn'], 'vite build'))) {
        console.warn('[driver] vite build failed (see above); serving the sources with the dev server instead');
        mode = 'dev';
      }
    }
  }
  const port = await freePort();
  const args =
    mode === 'dev'
      ? [VITE, ...TOOLS_CONFIG, '--host', '127.0.0.1', '--port', String(port), '--strictPort']
      : [VITE, 'preview', ...TOOLS_CONFIG, '--host', '127.0.0.1', '--port', String(port), '--strictPort'];
  const server = spawn(process.execPath, args, {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
  });
  server.stderr.on('data', (d) => process.stderr.write(`[vite] ${d}`));
  const base = `http://127.0.0.1:${port}`;
  await waitForHttp(`${base}/${PAGE}`, server, 60_000);
  console.log(`[driver] serving ${mode === 'dev' ? 'sources (vite dev)' : 'dist-tools/ (vite preview)'} at ${base}`);
  return { server, base, mode };
}

function defaultOut(suite) {
  const stamp = new Date().toISOString().replace(/[:]/g, '-').replace(/\..*/, '');
  return path.join(ROOT, 'bench-results', `${suite === 'e2e' ? 'end-to-end' : 'kernels'}-${stamp}.json`);
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const out = path.resolve(opts.out ?? defaultOut(opts.suite));
  const { server, base, mode } = await prepareServer(opts);
  let browser;
  const stop = () => {
    browser?.close().catch(() => {});
    if (server.exitCode === null) server.kill('SIGTERM');
  };
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ]) {
    process.on(signal, () => {
      stop();
      process.exit(code);
    });
  }
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: LAUNCH_ARGS });
    const page = await browser.newPage();
    page.on('console', (msg) => {
      const text = msg.text();
      if (text.startsWith('[bench]')) console.log(text);
      else if (msg.type() === 'error' || msg.type() === 'warning') console.log(`[page ${msg.type()}] ${text}`);
    });
    page.on('pageerror', (e) => console.log(`[page error] ${e.message}`));
    const params = new URLSearchParams({ auto: '1' });
    if (opts.suite === 'e2e') params.set('suite', 'e2e');
    for (const [name, v] of opts.params) params.set(name, v);
    if (opts.quick) params.set('quick', '1');
    if (opts.filter) params.set('filter', opts.filter);
    if (opts.sizes) params.set('sizes', opts.sizes);
    if (opts.m) params.set('m', opts.m);
    if (!opts.ort) params.set('ort', '0');
    const url = `${base}/${PAGE}?${params}`;
    console.log(`[driver] ${CHROMIUM_PATH} (${browser.version()}) -> ${url}`);
    const loadBefore = os.loadavg();
    // The machine's load over the run (a CPU adapter competes with everything else on the cores).
    const loadSamples = [];
    const loadTimer = setInterval(() => loadSamples.push(Math.round(os.loadavg()[0] * 100) / 100), 15_000);
    await page.goto(url);
    await page
      .waitForFunction(() => window.__benchLoaded === true, undefined, { timeout: 120_000 })
      .catch(() => {
        throw new Error(
          'the bench page did not start within 120 s: its script failed to load (see [vite] and [page error] lines above)',
        );
      });
    await page.waitForFunction(
      () => window.__benchResult !== undefined || window.__benchError !== undefined,
      undefined,
      {
        timeout: opts.timeoutMin * 60_000,
        polling: 1000,
      },
    );
    clearInterval(loadTimer);
    const error = await page.evaluate(() => window.__benchError);
    if (error) throw new Error(`the bench page failed: ${error}`);
    const pageResult = await page.evaluate(() => window.__benchResult);
    const cpus = os.cpus();
    const result = {
      ...pageResult,
      machine: {
        cpuModel: cpus[0]?.model ?? 'unknown',
        cores: cpus.length,
        memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
        platform: `${os.platform()} ${os.release()} ${os.arch()}`,
        node: process.version,
        // Other work on the machine slows a CPU adapter (SwiftShader) down: record how busy it was.
        loadAverage1mBefore: Math.round(loadBefore[0] * 100) / 100,
        loadAverage1mAfter: Math.round(os.loadavg()[0] * 100) / 100,
        loadAverage1mSamples: loadSamples,
        loadSampleIntervalS: 15,
      },
      browser: { executablePath: CHROMIUM_PATH, version: browser.version(), launchArgs: LAUNCH_ARGS, headless: true },
      served: mode === 'dev' ? 'vite dev server (sources)' : 'vite preview (dist-tools/ production build)',
    };
    mkdirSync(path.dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify(result, null, 1)}\n`);
    const tables =
      opts.suite === 'e2e' ? formatEndToEnd(result) : `${formatSummary(result)}\n\n${formatFailures(result)}`;
    console.log(`\n${formatHeader(result)}\n\n${tables}\n\nwrote ${out}`);
    process.exitCode = result.failures.length > 0 ? 1 : 0;
  } finally {
    stop();
  }
}

main().catch((e) => {
  console.error(`[driver] ${e instanceof Error ? e.message : e}`);
  process.exit(1);
});
