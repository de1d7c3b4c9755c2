/**
 * QualityPoint builder for the scaling-law unit tests: written as a sweep row (setting text, parsed through the
 * app's one edge, sweepRow.ts), bits derived the way the sweep derives them.
 */
import type { QualityPoint, SweepRow } from '../../src/engine/quality/types';
import { fromSweepRow } from '../../src/engine/quality/sweepRow';

export function qualityPoint(
  p: Partial<SweepRow> & Pick<SweepRow, 'modelId' | 'setting' | 'weightBits' | 'fd'>,
): QualityPoint {
  const linearParams = p.linearParams ?? 100_000 * (p.depth ?? 1);
  const totalParams = p.totalParams ?? linearParams + 3_000;
  const bitsPerWeight = p.bitsPerWeight ?? (p.weightBits >= 32 ? 32 : p.weightBits + 16 / 128);
  const activationBits = p.activationBits ?? 32;
  return fromSweepRow({
    family: p.modelId.includes('dit') ? 'dit' : 'var',
    depth: 1,
    method: 'rtn',
    linearParams,
    totalParams,
    bitsPerWeight,
    activationBits,
    totalWeightBits: linearParams * bitsPerWeight + (totalParams - linearParams) * 32,
    linearBits: linearParams * (p.weightBits >= 32 ? 16 : bitsPerWeight),
    transformerBits: linearParams * (p.weightBits >= 32 ? 16 : bitsPerWeight) + (totalParams - linearParams) * 16,
    computeBits: linearParams * p.weightBits * activationBits,
    samples: 100,
    fdStdErr: p.fd * 0.05,
    accuracy: 0.9,
    steps: 10,
    cfg: 1.5,
    partial: false,
    ms: 1000,
    ...p,
  });
}

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
