/** bootstrapFd: resampled statistics are exact, the estimate is deterministic per seed and shrinks with N. */
import { describe, expect, it } from 'vitest';
import { bootstrapFd, FeatureAccumulator, FrechetReference, MetricsError } from '../../src/metrics/index.ts';
import { resampleStats } from '../../src/metrics/fdBootstrap.ts';
import { Pcg32 } from '../../src/models/runtime/prng.ts';
import { flat, randomCovariance, randomMatrix, sampleStats } from './linalgReference.ts';

describe('bootstrapFd', () => {
  const d = 5;
  const rng = new Pcg32(21);
  const sigma = randomCovariance(d, rng);
  const reference = new FrechetReference(new Array(d).fill(0), flat(sigma));
  /** N samples from N(0.2, I) (a distribution near, but not at, the reference). */
  const draw = (n: number, seed: number) => {
    const r = new Pcg32(seed);
    return FeatureAccumulator.fromRows(Float64Array.from(randomMatrix(n, d, r).flat().map((v) => v + 0.2)), n, d);
  };

  it('statistics of a resample equal those of the rows repeated by their counts', () => {
    const rows = randomMatrix(7, d, rng);
    const counts = Uint32Array.from([0, 3, 1, 0, 2, 0, 1]);
    const expanded = rows.flatMap((row, i) => Array.from({ length: counts[i] }, () => row));
    const expected = sampleStats(expanded);
    const got = resampleStats(Float64Array.from(rows.flat()), counts, d);
    got.mean.forEach((v, i) => expect(v).toBeCloseTo(expected.mu[i], 13));
    got.covariance.forEach((v, i) => expect(v).toBeCloseTo(expected.sigma.flat()[i], 13));
  });

  it('gives the point estimate, an ordered interval and a deterministic spread per seed', () => {
    const acc = draw(200, 1);
    const a = bootstrapFd(reference, acc, { resamples: 30, seed: 7 });
    const b = bootstrapFd(reference, acc, { resamples: 30, seed: 7 });
    const c = bootstrapFd(reference, acc, { resamples: 30, seed: 8 });
    expect(a).toEqual(b);
    expect(c.stdError).not.toBe(a.stdError);
    expect(a.fd).toBeCloseTo(reference.distance(acc.mean(), acc.covariance()), 12);
    expect(a.samples).toBe(200);
    expect(a.stdError).toBeGreaterThan(0);
    expect(a.low).toBeLessThan(a.high);
    expect(a.fd).toBeGreaterThan(a.low - 3 * a.stdError);
    expect(a.fd).toBeLessThan(a.high + 3 * a.stdError);
  });

  it('the error bar shrinks as samples accumulate', () => {
    const few = bootstrapFd(reference, draw(40, 2), { resamples: 40 });
    const many = bootstrapFd(reference, draw(640, 3), { resamples: 40 });
    expect(many.stdError).toBeLessThan(few.stdError / 2);
  });

  it('rejects bad options and accumulators without samples', () => {
    const acc = draw(10, 4);
    expect(() => bootstrapFd(reference, acc, { resamples: 1 })).toThrow(MetricsError);
    expect(() => bootstrapFd(reference, acc, { confidence: 1 })).toThrow(/strictly between 0 and 1/);
    const noRows = FeatureAccumulator.fromRows(acc.samples(), 10, d, { keepSamples: false });
    expect(() => bootstrapFd(reference, noRows)).toThrow(/keepSamples: true/);
  });
});
