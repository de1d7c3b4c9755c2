import { describe, expect, it } from 'vitest';
import {
  FP_SPECS,
  dequantizeWeight,
  formatName,
  granularityName,
  hasOffset,
  quantizeWeight,
  unpackCode,
  wordsPerRow,
  type PackedWeight,
} from '../../src/quant';
import { ALL_GRANULARITIES, ALL_WEIGHT_FORMATS, SHAPES, scaleAt } from './cases';
import { makeRng, randomWeights } from './prng';

/** Largest error quantization may make on w: half a step of the grid at w's magnitude, plus f32 rounding. */
function errorBound(p: PackedWeight, w: number, scale: number): number {
  const f32Slack = 2 ** -23 * (Math.abs(w) + scale);
  if (p.format.kind === 'int') return scale / 2 + f32Slack;
  const spec = FP_SPECS[p.format.name];
  const a = Math.abs(w) / scale;
  const binade = a === 0 ? 1 - spec.bias : Math.max(Math.floor(Math.log2(a)), 1 - spec.bias);
  return (scale * 2 ** (binade - spec.manBits)) / 2 + f32Slack;
}

describe('quantizeWeight round trip', () => {
  for (const [rows, cols] of SHAPES) {
    it(`stays within half a grid step for every format and granularity at ${rows}x${cols}`, () => {
      const seed = 5500 + rows;
      const rng = makeRng(seed);
      const w = randomWeights(rng, rows, cols);
      for (const format of ALL_WEIGHT_FORMATS) {
        for (const granularity of ALL_GRANULARITIES) {
          const where = `seed ${seed}, ${formatName(format)} ${granularityName(granularity)} ${rows}x${cols}`;
          const p = quantizeWeight(w, rows, cols, format, granularity);
          const d = dequantizeWeight(p);
          let worstRatio = 0;
          let sumSq = 0;
          for (let r = 0; r < rows; r++) {
            for (let k = 0; k < cols; k++) {
              const i = r * cols + k;
              const error = Math.abs(w[i] - d[i]);
              worstRatio = Math.max(worstRatio, error / errorBound(p, w[i], scaleAt(p, r, k)));
              sumSq += (w[i] - d[i]) ** 2;
            }
          }
          expect(worstRatio, where).toBeLessThanOrEqual(1);
          // Not vacuous: the error is really there (no format here is lossless on Gaussian f32 data).
          expect(sumSq, where).toBeGreaterThan(0);
        }
      }
    });
  }

  it('lays out codes, scales and offsets as formats.ts documents', () => {
    const seed = 5601;
    const w = randomWeights(makeRng(seed), 7, 45);
    for (const format of ALL_WEIGHT_FORMATS) {
      for (const granularity of ALL_GRANULARITIES) {
        const p = quantizeWeight(w, 7, 45, format, granularity);
        const groupSize = granularity.kind === 'group' ? granularity.size : 45;
        const groupsPerRow = Math.ceil(45 / groupSize);
        const scaleCount = (granularity.kind === 'tensor' ? 1 : 7) * groupsPerRow;
        const where = `${formatName(format)} ${granularityName(granularity)}`;
        expect([p.rows, p.cols, p.groupSize, p.groupsPerRow], where).toEqual([7, 45, groupSize, groupsPerRow]);
        expect(p.wordsPerRow).toBe(wordsPerRow(45, p.bits));
        expect(p.codes.length).toBe(7 * p.wordsPerRow);
        expect(p.scales.length, where).toBe(scaleCount + (scaleCount % 2));
        expect(p.scales.length % 2).toBe(0);
        expect(p.offsets?.length, where).toBe(hasOffset(format) ? p.scales.length : undefined);
        // Padding entries and the unused high bits of each row's last word are zero.
        if (scaleCount % 2) expect(p.scales[scaleCount]).toBe(0);
        const usedBits = (45 * p.bits) % 32;
        if (usedBits)
          for (let r = 0; r < 7; r++)
            expect(p.codes[r * p.wordsPerRow + p.wordsPerRow - 1] >>> usedBits, where).toBe(0);
        for (let r = 0; r < 7; r++)
          for (let k = 0; k < 45; k++)
            expect(unpackCode(p.codes, r, k, p.wordsPerRow, p.bits)).toBeLessThan(2 ** p.bits);
      }
    }
  });
});
