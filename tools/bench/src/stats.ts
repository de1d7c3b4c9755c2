/** Summary statistics of repeated timings; all samples are kept so the JSON can be re-analysed later. */
export interface TimingStats {
  readonly medianMs: number;
  readonly minMs: number;
  readonly maxMs: number;
  readonly samplesMs: readonly number[];
}

export function summarize(samplesMs: readonly number[]): TimingStats {
  if (samplesMs.length === 0) throw new Error('summarize: no samples (reps must be at least 1)');
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const medianMs = sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { medianMs, minMs: sorted[0], maxMs: sorted[sorted.length - 1], samplesMs: samplesMs.map(round4) };
}

/** Keeps JSON readable: 0.1 µs is far below what either clock resolves. */
export function round4(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}

/** Max |a - b| / max|b| over the arrays: one number per case that says whether a result is usable. */
export function maxRelativeError(actual: Float32Array, expected: Float32Array): number {
  if (actual.length !== expected.length)
    throw new Error(`maxRelativeError: lengths differ (${actual.length} vs ${expected.length})`);
  let maxAbs = 0;
  let maxDiff = 0;
  for (let i = 0; i < expected.length; i++) {
    maxAbs = Math.max(maxAbs, Math.abs(expected[i]));
    const diff = Math.abs(actual[i] - expected[i]);
    maxDiff = Number.isNaN(diff) ? Infinity : Math.max(maxDiff, diff);
  }
  return maxAbs === 0 ? maxDiff : maxDiff / maxAbs;
}
