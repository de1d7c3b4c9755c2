/** FeatureAccumulator: batches and merges give the one-shot (two-pass, unbiased) statistics. */
import { describe, expect, it } from 'vitest';
import { FeatureAccumulator, MetricsError } from '../../src/metrics/index.ts';
import { Pcg32 } from '../../src/models/runtime/prng.ts';
import { randomMatrix, sampleStats } from './linalgReference.ts';

const maxRel = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let scale = 0;
  let err = 0;
  for (let i = 0; i < a.length; i++) {
    scale = Math.max(scale, Math.abs(b[i]));
    err = Math.max(err, Math.abs(a[i] - b[i]));
  }
  return err / scale;
};

describe('FeatureAccumulator', () => {
  const rng = new Pcg32(11);
  const d = 6;
  const rows = randomMatrix(37, d, rng).map((r) => r.map((v, j) => v * (j + 1) + 0.5 * j));
  const all = Float64Array.from(rows.flat());
  const ref = sampleStats(rows);

  it('one-shot statistics equal the textbook two-pass mean and unbiased covariance', () => {
    const acc = FeatureAccumulator.fromRows(all, rows.length, d);
    expect(acc.count).toBe(37);
    expect(maxRel(acc.mean(), ref.mu)).toBeLessThan(1e-14);
    expect(maxRel(acc.covariance(), ref.sigma.flat())).toBeLessThan(1e-13);
  });

  it('batches of 1, 5 and 31 rows and merged accumulators equal one shot', () => {
    const batched = new FeatureAccumulator(d);
    batched.addBatch(all.subarray(0, d), 1);
    batched.addBatch(all.subarray(d, 6 * d), 5);
    batched.addBatch(all.subarray(6 * d), 31);
    const left = FeatureAccumulator.fromRows(all.subarray(0, 20 * d), 20, d);
    const right = FeatureAccumulator.fromRows(all.subarray(20 * d), 17, d);
    left.merge(right);
    for (const acc of [batched, left]) {
      expect(acc.count).toBe(37);
      expect(maxRel(acc.mean(), ref.mu)).toBeLessThan(1e-13);
      expect(maxRel(acc.covariance(), ref.sigma.flat())).toBeLessThan(1e-12);
      expect(acc.samples()).toEqual(all);
    }
  });

  // At 1e8 the mean itself is only known to ulp(1e8) = 1.5e-8, which bounds M2's accuracy (~1e-8 absolute);
  // the one-pass E[x^2] - E[x]^2 would lose everything (1e16 * 2^-52 = 2, larger than the variance).
  it('uses N - 1 and stays accurate far from the origin', () => {
    const acc = new FeatureAccumulator(1);
    acc.addBatch([1e8 + 1], 1);
    acc.addBatch([1e8 - 1, 1e8 + 1], 2);
    acc.addBatch([1e8 - 1], 1);
    expect(acc.mean()[0]).toBe(1e8);
    expect(acc.covariance()[0]).toBeCloseTo(4 / 3, 7);
  });

  it('reports too few samples, wrong sizes and non-finite features with MetricsError', () => {
    const acc = new FeatureAccumulator(3);
    acc.addBatch([1, 2, 3], 1);
    expect(() => acc.covariance()).toThrow(/at least 2 samples/);
    expect(() => acc.addBatch([1, 2], 1)).toThrow(MetricsError);
    expect(() => acc.addBatch([1, NaN, 3], 1)).toThrow(/non-finite/);
    expect(() => acc.merge(new FeatureAccumulator(4))).toThrow(/dimension 3/);
    expect(() => new FeatureAccumulator(0)).toThrow(MetricsError);
  });

  it('stops keeping samples once merged with one that did not keep them', () => {
    const keeps = FeatureAccumulator.fromRows([1, 2, 3, 4], 2, 2);
    keeps.merge(FeatureAccumulator.fromRows([5, 6, 7, 9], 2, 2, { keepSamples: false }));
    expect(keeps.keepsSamples).toBe(false);
    expect(keeps.count).toBe(4);
    expect(() => keeps.samples()).toThrow(/keepSamples: true/);
    keeps.reset();
    expect(keeps.count).toBe(0);
  });
});
