/** jackknifeFd against a brute-force jackknife over explicit leave-one-group-out sample sets. */
import { describe, expect, it } from 'vitest';
import {
  FeatureAccumulator,
  frechetDistance,
  FrechetReference,
  jackknifeFd,
  MetricsError,
  pairedFdDifference,
} from '../../src/metrics/index.ts';
import { Pcg32 } from '../../src/models/runtime/prng.ts';
import { flat, randomCovariance, randomMatrix, relDiff, sampleStats } from './linalgReference.ts';

describe('jackknifeFd', () => {
  const d = 4;
  const rng = new Pcg32(31);
  const sigma = randomCovariance(d, rng);
  const mu = new Array(d).fill(0);
  const reference = new FrechetReference(mu, flat(sigma));
  const draw = (n: number, seed: number) => randomMatrix(n, d, new Pcg32(seed)).map((r) => r.map((v) => v + 0.2));

  it('equals the textbook grouped jackknife computed from explicit leave-one-group-out sets (groups of whole rounds of classes)', () => {
    // 3 classes, sample r of class r mod 3, 23 samples = 7 full rounds + 2: group floor(r / 3) mod 5.
    const rows = draw(23, 1);
    const g = 5;
    const fdOf = (subset: number[][]) => {
      const s = sampleStats(subset);
      return frechetDistance(mu, flat(sigma), s.mu, flat(s.sigma));
    };
    const full = fdOf(rows);
    const thetas = Array.from({ length: g }, (_, q) => fdOf(rows.filter((_, r) => Math.floor(r / 3) % g !== q)));
    const bar = thetas.reduce((a, b) => a + b, 0) / g;
    const se = Math.sqrt(((g - 1) / g) * thetas.reduce((a, t) => a + (t - bar) ** 2, 0));
    const got = jackknifeFd(reference, FeatureAccumulator.fromRows(rows.flat(), 23, d), { groups: g, classes: 3 });
    expect(got.groups).toBe(5);
    expect(got.classBalanced).toBe(true);
    expect(got.samples).toBe(23);
    expect(relDiff(got.fd, full)).toBeLessThan(1e-10);
    expect(relDiff(got.stdError, se)).toBeLessThan(1e-8);
    expect(relDiff(got.leaveOutMean, bar)).toBeLessThan(1e-10);
    expect(relDiff(got.extrapolated!, g * full - (g - 1) * bar)).toBeLessThan(1e-8);
  });

  it('falls back to delete-one with fewer samples than groups, and extrapolates only from N >= dim', () => {
    const got = jackknifeFd(reference, FeatureAccumulator.fromRows(draw(6, 2).flat(), 6, d));
    expect(got.groups).toBe(6);
    expect(got.classBalanced).toBe(false);
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

  it('pairs two sample sets drawn from the same random numbers: the textbook jackknife of the FD difference, far below the independent bound', () => {
    // 60 samples of 10 classes: 6 rounds, so 6 groups (group floor(r / 10) mod 6 = round r / 10).
    const n = 60;
    const g = 6;
    const base = draw(n, 7);
    // A second "setting" of the same samples: each row moved a little (what quantisation does with shared draws).
    const noise = randomMatrix(n, d, new Pcg32(8), 0.05);
    const moved = base.map((r, i) => r.map((v, j) => v + 0.1 + noise[i]![j]!));
    const fdOf = (subset: number[][]) => {
      const s = sampleStats(subset);
      return frechetDistance(mu, flat(sigma), s.mu, flat(s.sigma));
    };
    const out = (q: number) => (_: unknown, r: number) => Math.floor(r / 10) % g !== q;
    const deltas = Array.from({ length: g }, (_, q) => fdOf(moved.filter(out(q))) - fdOf(base.filter(out(q))));
    const bar = deltas.reduce((a, b) => a + b, 0) / g;
    const se = Math.sqrt(((g - 1) / g) * deltas.reduce((a, t) => a + (t - bar) ** 2, 0));
    const a = jackknifeFd(reference, FeatureAccumulator.fromRows(moved.flat(), n, d));
    const b = jackknifeFd(reference, FeatureAccumulator.fromRows(base.flat(), n, d));
    expect(a.leaveOut).toHaveLength(g);
    const paired = pairedFdDifference(a, b);
    expect(relDiff(paired.difference, fdOf(moved) - fdOf(base))).toBeLessThan(1e-9);
    expect(relDiff(paired.stdError, se)).toBeLessThan(1e-7);
    expect(paired.stdError).toBeLessThan(Math.hypot(a.stdError, b.stdError) / 3);
    expect(() => pairedFdDifference(a, { fd: b.fd, leaveOut: b.leaveOut.slice(1) })).toThrow(MetricsError);
  });

  it('rejects bad options, too few samples and accumulators without rows', () => {
    const acc = FeatureAccumulator.fromRows(draw(10, 5).flat(), 10, d);
    expect(() => jackknifeFd(reference, acc, { groups: 1 })).toThrow(MetricsError);
    expect(() => jackknifeFd(reference, FeatureAccumulator.fromRows(draw(2, 6).flat(), 2, d))).toThrow(
      /at least 3 samples/,
    );
    const noRows = FeatureAccumulator.fromRows(acc.samples(), 10, d, { keepSamples: false });
    expect(() => jackknifeFd(reference, noRows)).toThrow(/keepSamples: true/);
  });
});
