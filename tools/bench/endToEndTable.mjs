/** Plain-text tables of an end-to-end bench result (tools/bench/src/e2e/endToEndTypes.ts) for the terminal. */
import { table } from './summaryTable.mjs';

const missing = (x) => x === undefined || x === null || Number.isNaN(x);
const fmt = (x, digits = 1) => (missing(x) ? '-' : x.toFixed(digits));

export function formatImages(rows) {
  const headers = [
    'model',
    'setting',
    'batch',
    'steps',
    'bits/w',
    'total ms',
    'sample ms',
    'decode ms',
    'ms/step',
    'x vs fp32',
    'x vs fp32 (sample)',
    'x vs fp32 (min)',
    'load ms',
  ];
  return table(
    headers,
    rows.map((r) => [
      r.model,
      r.setting,
      r.batch,
      r.steps,
      fmt(r.bitsPerWeight, 2),
      fmt(r.totalMs),
      fmt(r.sampleMs),
      fmt(r.decodeMs),
      fmt(r.msPerStep, 2),
      fmt(r.speedupVsFp32, 2),
      fmt(r.sampleSpeedupVsFp32, 2),
      fmt(r.speedupVsFp32ByMin, 2),
      fmt(r.loadMs, 0),
    ]),
  );
}

export function formatForward(rows) {
  const headers = ['model', 'impl', 'setting', 'params', 'median ms', 'min ms', 'x vs ORT med/min', 'rel err vs ORT'];
  return table(
    headers,
    rows.map((r) => [
      r.model,
      r.impl,
      r.setting,
      r.params,
      fmt(r.medianMs, 2),
      fmt(r.minMs, 2),
      missing(r.speedupVsOrt) ? '-' : `${fmt(r.speedupVsOrt, 2)} / ${fmt(r.speedupVsOrtByMin, 2)}`,
      r.relErrorVsOrt.toExponential(1),
    ]),
  );
}

export function formatLatency(rows) {
  const headers = [
    'model',
    'family',
    'steps',
    'reps',
    'uncached med ms',
    'uncached min ms',
    'cached med ms',
    'extra uncached ms',
    'cold first ms',
  ];
  return table(
    headers,
    rows.map((r) => [
      r.model,
      r.family,
      r.steps,
      r.reps,
      fmt(r.uncachedMedianMs, 0),
      fmt(r.uncachedMinMs, 0),
      fmt(r.cachedMedianMs, 0),
      fmt(r.uncachedExtraMs, 0),
      fmt(r.coldMs, 0),
    ]),
  );
}

export function formatEndToEnd(result) {
  const s = result.summary;
  const failures =
    result.failures.length === 0
      ? 'failures: none'
      : ['failures:', ...result.failures.map((f) => `  ${f.id}: ${f.message}`)].join('\n');
  return [
    'time per image (medians, ms per image; ratios to fp32 of the same model and batch in this run)',
    formatImages(s.images),
    'one DiT forward, batch 2 (wall ms; onnxruntime-web on the same device, same inputs)',
    formatForward(s.forward),
    'changed setting -> updated image and traces (GenerationService.generate, ms)',
    formatLatency(s.latency),
    failures,
  ].join('\n\n');
}
