/** PSNR, relative L2, max abs error and the classifier read-out on hand-computed values. */
import { describe, expect, it } from 'vitest';
import {
  accuracy,
  maxAbsError,
  meanSquaredError,
  MetricsError,
  predict,
  psnr,
  relativeL2Error,
  softmax,
} from '../../src/metrics/index.ts';

describe('image metrics', () => {
  it('PSNR: an offset of 0.1 on range 2 is 10 log10(4 / 0.01) = 26.0206 dB', () => {
    const a = [-1, -0.5, 0.25, 1];
    const b = a.map((v) => v + 0.1);
    expect(meanSquaredError(a, b)).toBeCloseTo(0.01, 15);
    expect(psnr(a, b)).toBeCloseTo(26.020599913279625, 12);
    expect(psnr(a, b, 1)).toBeCloseTo(20, 12);
    expect(psnr(a, a)).toBe(Infinity);
    expect(() => psnr(a, b.slice(1))).toThrow(MetricsError);
    expect(() => psnr(a, b, 0)).toThrow(/peak-to-peak/);
  });

  it('relative L2 and max abs error', () => {
    expect(relativeL2Error([3, 4.5], [3, 4])).toBeCloseTo(0.1, 15);
    expect(relativeL2Error([0, 0], [0, 0])).toBe(0);
    expect(relativeL2Error([1, 0], [0, 0])).toBe(Infinity);
    expect(maxAbsError([1, 2, 3], [1.5, 2, 2])).toBe(1);
    expect(maxAbsError([1, NaN], [1, 2])).toBeNaN();
  });

  it('softmax, argmax label and confidence per row', () => {
    const [p] = predict([1, 2, 3], 3);
    expect(p.label).toBe(2);
    expect(p.confidence).toBeCloseTo(Math.exp(3) / (Math.exp(1) + Math.exp(2) + Math.exp(3)), 15);
    const big = softmax([1000, 1001]);
    expect(big[1]).toBeCloseTo(1 / (1 + Math.exp(-1)), 15);
    const rows = predict([5, 5, 0, /* row 2 */ -1, 0, 7], 3);
    expect(rows.map((r) => r.label)).toEqual([0, 2]); // ties go to the first class
    expect(accuracy(rows, [0, 1])).toBe(0.5);
    expect(() => predict([1, 2, 3, 4], 3)).toThrow(MetricsError);
  });
});
