#!/usr/bin/env node
/**
 * npm run sweep -- [--out public/sweeps/mnist-sweep.json] [--samples 20] [--dit-steps 20] [--dit-sampler ddpm|ddim]
 *                  [--batch 10] [--seed S] [--only id1,id2] [--settings s1,s2] [--fresh]
 * npm run sweep -- --sizes-only [--out docs/sweeps/mnist-sweep-sizes.json] [--only ...] [--settings ...]
 *
 * --sizes-only measures no quality: each point's model is loaded at its setting (calibrated and prepared as a
 * measurement would be) and its size axes (bit accounting of what the GPU stores, src/engine/quality/pointSize.ts)
 * are written to a sizes file, which `npm run sweep:merge -- --sizes` gives to PyTorch-measured points.
 *
 * Sample quality (FD and, where the classifier bundle ships KID's reference, KID, each with its class-balanced
 * jackknife error; accuracy, bit counts) of every generator bundle in
 * public/models/index.json at every setting of the grid, measured by the app's engine worker
 * (measureQuality) in Debian's headless Chromium on /tools/sweep/sweep.html, served by Vite (vite.tools.config.ts). Bundles trained for one
 * quantisation (manifest.quantTraining) are measured at their own setting only.
 *
 * The sweep file is written after every finished point (tmp + rename), so a killed run loses at most the
 * point in flight; a restart skips the points already in the file with the same config and adapter
 * (--fresh starts over). The file is formatVersion 2 (docs/sweep.md); its realDataFloor comes from the classifier
 * bundle's manifest (config.realFloorSamples, realFd, realFdSe, realKid, realKidSe, written by
 * training/evaluate.py) when that floor was measured at this run's --samples. See docs/sweep.md.
 */
/* global window, document -- read inside page.evaluate / waitForFunction callbacks, which run in the page */
import { existsSync, readFileSync, renameSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../scripts/chromium.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MODELS_DIR = path.join(ROOT, 'public', 'models');
/**
 * The grid's settings in the order they run: the ones that shape the curve first (fp32, 4 and 2 bits), so a
 * sweep cut short still has whole columns across every model. Then the PTQ-method columns, each beside the RTN
 * setting it is paired with: SmoothQuant at the paper's W8A8 (per-channel INT8 weights, per-token INT8
 * activations) and at W4g32-A4, GPTQ (128 calibration images) at W3g32 and W2g32.
 */
export const GRID_SETTINGS = [
  'fp32',
  'W4g32',
  'W2g32',
  'W8g32',
  'W3g32',
  'W4g32-A8',
  'Wfp4g32',
  'W6g32',
  'W8g32-A8',
  'W8c-A8',
  'W8c-A8-sq0.5',
  'W3g32-gptq',
  'W2g32-gptq',
  'W4g32-A4',
  'W4g32-A4-sq0.5',
];
const USAGE =
  'npm run sweep -- [--out public/sweeps/mnist-sweep.json] [--samples 20] [--dit-steps 20] [--dit-sampler ddpm] [--batch 10] [--seed 0] [--only id,...] [--settings s,...] [--fresh]';

function parseArgs(argv) {
  const opts = {
    out: 'public/sweeps/mnist-sweep.json',
    samples: 20,
    ditSteps: 20,
    ditSampler: 'ddpm',
    batch: 10,
    seed: 0,
    only: undefined,
    settings: undefined,
    fresh: false,
    sizesOnly: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value (${USAGE})`);
      return v;
    };
    const int = (name) => {
      const n = Number(value());
      if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number`);
      return n;
    };
    if (arg === '--out') opts.out = value();
    else if (arg === '--samples') opts.samples = int('--samples');
    else if (arg === '--dit-steps') opts.ditSteps = int('--dit-steps');
    else if (arg === '--dit-sampler') opts.ditSampler = value();
    else if (arg === '--batch') opts.batch = int('--batch');
    else if (arg === '--seed') opts.seed = int('--seed');
    else if (arg === '--only') opts.only = value().split(',').filter(Boolean);
    else if (arg === '--settings') opts.settings = value().split(',').filter(Boolean);
    else if (arg === '--fresh') opts.fresh = true;
    else if (arg === '--sizes-only') opts.sizesOnly = true;
    else if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else throw new Error(`unknown option ${arg} (${USAGE})`);
  }
  if (opts.samples < 3) throw new Error('--samples must be 3 or more (FD needs them)');
  if (opts.sizesOnly && !argv.includes('--out')) opts.out = 'docs/sweeps/mnist-sweep-sizes.json';
  if (opts.ditSampler !== 'ddpm' && opts.ditSampler !== 'ddim')
    throw new Error("--dit-sampler must be 'ddpm' or 'ddim'");
  return opts;
}

/**
 * The real-data floor at N = samples from the classifier bundle's manifest (training/evaluate.py measures it on
 * N real training digits ordered like the samples), or undefined with the reason printed.
 */
function realDataFloor(samples) {
  const index = JSON.parse(readFileSync(path.join(MODELS_DIR, 'index.json'), 'utf8'));
  const entry = index.models.find((e) => e.family === 'classifier');
  if (!entry) return (console.log('no classifier bundle in index.json: no real-data floor'), undefined);
  const c = JSON.parse(readFileSync(path.join(MODELS_DIR, entry.id, 'manifest.json'), 'utf8')).config;
  const numbers = ['realFd', 'realFdSe', 'realKid', 'realKidSe'];
  if (c.realFloorSamples !== samples || !numbers.every((k) => typeof c[k] === 'number')) {
    console.log(
      `${entry.id} has no real-data floor at N = ${samples} (config.realFloorSamples ${c.realFloorSamples ?? 'absent'}; needs ${numbers.join(', ')}): the file gets none`,
    );
    return undefined;
  }
  return {
    samples,
    fd: c.realFd,
    fdStdErr: c.realFdSe,
    kid: c.realKid,
    kidSe: c.realKidSe,
    source: c.realFloorSource ?? `${samples} real digits (${entry.id} manifest)`,
  };
}

/** Every generator of index.json with its depth and, for QAT bundles, the one setting it was trained for. */
function generators(only) {
  const index = JSON.parse(readFileSync(path.join(MODELS_DIR, 'index.json'), 'utf8'));
  const out = [];
  for (const entry of index.models) {
    if (entry.family !== 'var' && entry.family !== 'dit') continue;
    if (only && !only.includes(entry.id)) continue;
    const manifest = JSON.parse(readFileSync(path.join(MODELS_DIR, entry.id, 'manifest.json'), 'utf8'));
    const weights = manifest.files.find((f) => f.role === 'weights')?.sha256 ?? null;
    out.push({
      id: entry.id,
      family: entry.family,
      depth: manifest.config.depth,
      quantTraining: manifest.quantTraining,
      weights,
    });
  }
  if (only)
    for (const id of only)
      if (!out.some((g) => g.id === id))
        throw new Error(`--only: '${id}' is not a generator in public/models/index.json`);
  return out;
}

/**
 * The grid: setting by setting across every ordinary generator; a bundle trained for one setting (QAT) right
 * after the column of its setting (after fp32's when its setting is not in the grid), so a resumed sweep
 * measures newly landed QAT bundles before the remaining columns.
 */
function grid(gens, settings) {
  const columns = settings ?? GRID_SETTINGS;
  const trained = gens.filter((g) => g.quantTraining?.setting);
  const points = [];
  for (const [i, setting] of columns.entries()) {
    for (const g of gens) if (!g.quantTraining) points.push({ modelId: g.id, family: g.family, setting });
    for (const g of trained) {
      const own = g.quantTraining.setting;
      if (own === setting || (i === 0 && !columns.includes(own)))
        points.push({ modelId: g.id, family: g.family, setting: own });
    }
  }
  return points;
}

function readSweep(file) {
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8'));
}

function writeSweep(file, sweep) {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(sweep, null, 1)}\n`);
  renameSync(tmp, file);
}

const kidText = (p) => (typeof p.kid === 'number' ? `, KID ${p.kid.toFixed(4)} ± ${p.kidSe.toFixed(4)}` : '');
const sameConfig = (a, b) => JSON.stringify(a) === JSON.stringify(b);
function fmtTime(seconds) {
  const s = Math.round(seconds);
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const outFile = path.resolve(ROOT, opts.out);
  // varDraw: the engine's VAR token draw (docs/sampling.md); VAR points measured with another draw do not resume.
  const config = {
    samples: opts.samples,
    seed: opts.seed,
    ditSteps: opts.ditSteps,
    ditSampler: opts.ditSampler,
    batch: opts.batch,
    varDraw: 'gumbel-max',
  };
  const allGens = generators(undefined);
  const gens = generators(opts.only);
  const points = grid(gens, opts.settings);

  const { createServer } = await import('vite');
  const { chromium } = await import('@playwright/test');
  // The worker's dependencies are not found by Vite's entry scan (it does not follow `new Worker(new URL(...))`);
  // discovered late they make Vite reload the page mid-point, so they are pre-bundled up front.
  const server = await createServer({
    root: ROOT,
    configFile: path.join(ROOT, 'vite.tools.config.ts'),
    logLevel: 'warn',
    optimizeDeps: { include: ['onnxruntime-web/webgpu', 'ml-matrix'] },
    // No HMR and no watcher: other people editing the checkout must not reload the page mid-sweep (the
    // worker's code is fixed once loaded; index.json and the bundles are fetched fresh per request).
    server: { port: 0, strictPort: false, host: '127.0.0.1', hmr: false, watch: { ignored: ['**/*'] } },
  });
  await server.listen();
  const base = server.resolvedUrls.local[0];
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  let current = { point: '', started: 0 };
  let lastLine = 0;
  try {
    const page = await browser.newPage();
    page.on('pageerror', (e) => console.error(`[page error] ${e.message}`));
    page.on('console', (m) =>
      m.type() === 'error' || m.type() === 'warning' ? console.error(`[page ${m.type()}] ${m.text()}`) : undefined,
    );
    await page.exposeFunction('__sweepReport', (kind, payload) => {
      if (kind !== 'partial') return;
      const now = Date.now();
      if (now - lastLine < 20_000) return; // a line per ~20 s is enough for a log
      lastLine = now;
      const elapsed = (now - current.started) / 1000;
      const eta = (elapsed * (opts.samples - payload.samples)) / payload.samples;
      console.log(
        `  ${current.point}: ${payload.samples}/${opts.samples} samples, FD ${payload.fd.toFixed(2)} ± ${payload.fdStdErr.toFixed(2)}${kidText(payload)}, acc ${payload.accuracy.toFixed(3)}, point ETA ${fmtTime(eta)}`,
      );
    });
    const ready = () =>
      page.waitForFunction(() => document.body.dataset.ready === '1' && window.__sweep !== undefined, undefined, {
        timeout: 120_000,
      });
    await page.goto(`${base}tools/sweep/sweep.html`, { timeout: 180_000 });
    await ready();
    const env = await page.evaluate(() => window.__sweep.environment());
    const adapter = `${env.adapter} (${env.browser})`;
    console.log(
      `sweep on ${adapter}: ${points.length} points, config ${JSON.stringify(config)} -> ${path.relative(ROOT, outFile)}`,
    );

    if (opts.sizesOnly) return await writeSizes(page, points, gens, adapter, outFile);
    const previous = opts.fresh ? undefined : readSweep(outFile);
    if (previous && previous.formatVersion !== 2) {
      throw new Error(
        `${opts.out} is a formatVersion ${previous.formatVersion} sweep (class-aligned jackknife groups, no KID): its points cannot be resumed into a formatVersion 2 file. Pass --fresh to replace it, or --out to write another file.`,
      );
    }
    if (previous && (!sameConfig(previous.config, config) || previous.adapter !== adapter)) {
      throw new Error(
        `${opts.out} holds a sweep with config ${JSON.stringify(previous.config)} on '${previous.adapter}'; this run is ${JSON.stringify(config)} on '${adapter}'. ` +
          'Pass --fresh to replace it, or --out to write another file.',
      );
    }
    // A point is kept only while its bundle's weights are the ones it was measured on (a re-exported bundle is measured again).
    // (A file written before weights were recorded is taken to match the bundles as they are now.)
    const weights = Object.fromEntries(allGens.map((g) => [g.id, g.weights]));
    const recorded = previous?.weights ?? weights;
    const kept = previous
      ? previous.points.filter((p) => !p.partial && (recorded[p.modelId] ?? null) === (weights[p.modelId] ?? null))
      : [];
    if (previous && kept.length < previous.points.length)
      console.log(
        `dropping ${previous.points.length - kept.length} points whose bundle weights changed since they were measured`,
      );
    const measuredWeights = Object.fromEntries(kept.map((p) => [p.modelId, recorded[p.modelId]]));
    const floor = realDataFloor(opts.samples);
    const sweep = {
      formatVersion: 2,
      createdAt: previous?.createdAt ?? new Date().toISOString(),
      adapter,
      config,
      weights: measuredWeights,
      ...(floor ? { realDataFloor: floor } : {}),
      points: [...kept],
    };
    if (previous && kept.length < previous.points.length) writeSweep(outFile, sweep);
    // PyTorch points merged into the file (tools/sweep/merge.mjs) stay in it, but they do not stand for the WebGPU point.
    const done = new Set(kept.filter((p) => p.engine !== 'pytorch').map((p) => `${p.modelId}|${p.setting}`));
    const todo = points.filter((p) => !done.has(`${p.modelId}|${p.setting}`));
    if (kept.length > 0) console.log(`resuming: ${kept.length} points already in the file, ${todo.length} to measure`);
    const start = Date.now();
    for (const [i, p] of todo.entries()) {
      current = { point: `[${i + 1}/${todo.length}] ${p.modelId} ${p.setting}`, started: Date.now() };
      lastLine = Date.now();
      console.log(
        `${new Date().toISOString().slice(11, 19)} point ${i + 1}/${todo.length}: ${p.modelId} ${p.setting} (${opts.samples} samples${p.family === 'dit' ? `, ${opts.ditSteps}-step ${opts.ditSampler}` : ''})`,
      );
      const params = {
        modelId: p.modelId,
        setting: p.setting,
        samples: opts.samples,
        seed: opts.seed,
        batch: opts.batch,
        ...(p.family === 'dit' ? { steps: opts.ditSteps, sampler: opts.ditSampler } : {}),
      };
      let point;
      try {
        try {
          point = await page.evaluate((params) => window.__sweep.measure(params), params);
        } catch (e) {
          // A page reload (Vite re-optimising a dependency) kills the run in flight: wait for the page, retry once.
          if (!String(e instanceof Error ? e.message : e).includes('Execution context was destroyed')) throw e;
          console.error('  the page reloaded; retrying the point');
          await ready();
          point = await page.evaluate((params) => window.__sweep.measure(params), params);
        }
      } catch (e) {
        // One bad point (e.g. a bundle that fails validation) is reported and skipped; the rest still run.
        console.error(
          `  FAILED ${p.modelId} ${p.setting}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`,
        );
        continue;
      }
      sweep.points.push(point);
      sweep.weights[point.modelId] = weights[point.modelId];
      writeSweep(outFile, sweep);
      const elapsed = (Date.now() - start) / 1000;
      const eta = (elapsed / (i + 1)) * (todo.length - i - 1);
      console.log(
        `  done: FD ${point.fd.toFixed(2)} ± ${point.fdStdErr.toFixed(2)}${kidText(point)}, accuracy ${point.accuracy.toFixed(3)}, ${(point.ms / 1000).toFixed(1)} s; sweep ${fmtTime(elapsed)} elapsed, ETA ${fmtTime(eta)}`,
      );
    }
    const missing = points.filter(
      (p) => !sweep.points.some((q) => q.engine !== 'pytorch' && q.modelId === p.modelId && q.setting === p.setting),
    );
    console.log(
      `sweep finished: ${sweep.points.length} points in ${path.relative(ROOT, outFile)}${missing.length ? `; missing ${missing.map((p) => `${p.modelId} ${p.setting}`).join(', ')}` : ''}`,
    );
    if (missing.length > 0) process.exitCode = 1;
  } finally {
    await browser.close();
    await server.close();
  }
}

/** --sizes-only: every point's size axes (no samples), written once at the end; a point that fails is reported. */
async function writeSizes(page, points, gens, adapter, outFile) {
  const byId = Object.fromEntries(gens.map((g) => [g.id, g]));
  const rows = [];
  for (const [i, p] of points.entries()) {
    console.log(`size ${i + 1}/${points.length}: ${p.modelId} ${p.setting}`);
    try {
      const row = await page.evaluate((params) => window.__sweep.size(params), {
        modelId: p.modelId,
        setting: p.setting,
      });
      rows.push({ ...row, family: p.family, depth: byId[p.modelId].depth });
    } catch (e) {
      console.error(`  FAILED ${p.modelId} ${p.setting}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
      process.exitCode = 1;
    }
  }
  const weights = Object.fromEntries(gens.map((g) => [g.id, g.weights]));
  writeSweep(outFile, {
    formatVersion: 2,
    kind: 'sizes',
    createdAt: new Date().toISOString(),
    adapter,
    weights,
    points: rows,
  });
  console.log(`sizes of ${rows.length} of ${points.length} points in ${path.relative(ROOT, outFile)}`);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
