/** jackknifeFd against a brute-force jackknife over explicit leave-one-group-out sample sets. */
import { describe, expect, it } from 'vitest';
import { FeatureAccumulator, frechetDistance, FrechetReference, jackknifeFd, MetricsError } from '../../src/metrics/index.ts';
import { Pcg32 } from '../../src/models/runtime/prng.ts';
import { flat, randomCovariance, randomMatrix, relDiff, sampleStats } from './linalgReference.ts';

describe('jackknifeFd', () => {
  const d = 4;
  const rng = new Pcg32(31);
  const sigma = randomCovariance(d, rng);
  const mu = new Array(d).fill(0);
  const reference = new FrechetReference(mu, flat(sigma));
  const draw = (n: number, seed: number) => randomMatrix(n, d, new Pcg32(seed)).map((r) => r.map((v) => v + 0.2));

  it('equals the textbook grouped jackknife computed from explicit leave-one-group-out sets', () => {
    const rows = draw(23, 1);
    const g = 5;
    const fdOf = (subset: number[][]) => {
      const s = sampleStats(subset);
      return frechetDistance(mu, flat(sigma), s.mu, flat(s.sigma));
    };
    const full = fdOf(rows);
    const thetas = Array.from({ length: g }, (_, q) => fdOf(rows.filter((_, r) => r % g !== q)));
    const bar = thetas.reduce((a, b) => a + b, 0) / g;
    const se = Math.sqrt(((g - 1) / g) * thetas.reduce((a, t) => a + (t - bar) ** 2, 0));
    const got = jackknifeFd(reference, FeatureAccumulator.fromRows(rows.flat(), 23, d), { groups: g });
    expect(got.groups).toBe(5);
    expect(got.samples).toBe(23);
    expect(relDiff(got.fd, full)).toBeLessThan(1e-10);
    expect(relDiff(got.stdError, se)).toBeLessThan(1e-8);
    expect(relDiff(got.leaveOutMean, bar)).toBeLessThan(1e-10);
    expect(relDiff(got.extrapolated!, g * full - (g - 1) * bar)).toBeLessThan(1e-8);
  });

  it('falls back to delete-one with fewer samples than groups, and extrapolates only from N >= dim', () => {
    const got = jackknifeFd(reference, FeatureAccumulator.fromRows(draw(6, 2).flat(), 6, d));
    expect(got.groups).toBe(6);
    expect(got.stdError).toBeGreaterThan(0);
    expect(got.extrapolated).toBeDefined();
    expect(jackknifeFd(reference, FeatureAccumulator.fromRows(draw(3, 2).flat(), 3, d)).extrapolated).toBeUndefined();
  });

  it('the error bar shrinks as samples accumulate, and the correction lowers FD', () => {
    const few = jackknifeFd(reference, FeatureAccumulator.fromRows(draw(40, 3).flat(), 40, d));
    const many = jackknifeFd(reference, FeatureAccumulator.fromRows(draw(640, 4).flat(), 640, d));
    expect(many.stdError).toBeLessThan(few.stdError / 2);
    expect(few.extrapolated!).toBeLessThan(few.fd);
  });

  it('rejects bad options, too few samples and accumulators without rows', () => {
    const acc = FeatureAccumulator.fromRows(draw(10, 5).flat(), 10, d);
    expect(() => jackknifeFd(reference, acc, { groups: 1 })).toThrow(MetricsError);
    expect(() => jackknifeFd(reference, FeatureAccumulator.fromRows(draw(2, 6).flat(), 2, d))).toThrow(/at least 3 samples/);
    const noRows = FeatureAccumulator.fromRows(acc.samples(), 10, d, { keepSamples: false });
    expect(() => jackknifeFd(reference, noRows)).toThrow(/keepSamples: true/);
  });
});
