/**
 * frechetDistance / FrechetReference against independent computations written in linalgReference.ts:
 * Denman-Beavers square root of S1 S2 (full-rank covariances), the nuclear norm of F1^T F2 from data factors
 * (rank-deficient covariances from fewer samples than features), and closed forms (diagonal, 1-D).
 */
import { describe, expect, it } from 'vitest';
import { FrechetReference, frechetDistance, MetricsError } from '../../src/metrics/index.ts';
import { Pcg32 } from '../../src/models/runtime/prng.ts';
import {
  fdDenmanBeavers,
  fdFromFactors,
  flat,
  randomCovariance,
  randomMatrix,
  relDiff,
  sampleStats,
  trace,
} from './linalgReference.ts';

const randomVector = (n: number, rng: Pcg32, sd = 1) => Array.from({ length: n }, () => sd * rng.normal());

describe('frechetDistance', () => {
  it('matches Denman-Beavers on random full-rank covariances (rel 1e-9)', () => {
    const rng = new Pcg32(1);
    for (const d of [3, 12]) {
      const mu1 = randomVector(d, rng);
      const mu2 = randomVector(d, rng, 0.5);
      const s1 = randomCovariance(d, rng);
      const s2 = randomCovariance(d, rng, 0.3);
      const expected = fdDenmanBeavers(mu1, s1, mu2, s2);
      expect(expected).toBeGreaterThan(0.1);
      expect(relDiff(frechetDistance(mu1, flat(s1), mu2, flat(s2)), expected)).toBeLessThan(1e-9);
    }
  });

  it('matches the diagonal closed form sum (dmu)^2 + sum (sqrt(a) - sqrt(b))^2', () => {
    const rng = new Pcg32(2);
    const d = 20;
    const mu1 = randomVector(d, rng);
    const mu2 = randomVector(d, rng);
    const a = Array.from({ length: d }, () => 0.1 + rng.uniform() * 3);
    const b = Array.from({ length: d }, () => 0.1 + rng.uniform() * 3);
    const diag = (v: number[]) => flat(v.map((x, i) => v.map((_, j) => (i === j ? x : 0))));
    const expected = mu1.reduce((s, v, i) => s + (v - mu2[i]) ** 2 + (Math.sqrt(a[i]) - Math.sqrt(b[i])) ** 2, 0);
    expect(relDiff(frechetDistance(mu1, diag(a), mu2, diag(b)), expected)).toBeLessThan(1e-12);
  });

  it('is (mu1 - mu2)^2 + (sd1 - sd2)^2 in one dimension', () => {
    expect(frechetDistance([1], [4], [-2], [9])).toBeCloseTo(9 + 1, 12);
  });

  it('matches the data-factor nuclear norm for rank-deficient covariances (10 samples of 24 features)', () => {
    const rng = new Pcg32(3);
    const x = sampleStats(randomMatrix(10, 24, rng));
    const y = sampleStats(randomMatrix(40, 24, rng, 1.5).map((r) => r.map((v) => v + 0.3)));
    const expected = fdFromFactors(x.mu, x.factor, y.mu, y.factor);
    expect(relDiff(frechetDistance(y.mu, flat(y.sigma), x.mu, flat(x.sigma)), expected)).toBeLessThan(1e-9);
    // The reference side may be the singular one too.
    expect(relDiff(frechetDistance(x.mu, flat(x.sigma), y.mu, flat(y.sigma)), expected)).toBeLessThan(1e-9);
  });

  it('is ~0 for a distribution with itself, full rank and singular', () => {
    const rng = new Pcg32(4);
    const full = randomCovariance(16, rng);
    const mu = randomVector(16, rng);
    expect(Math.abs(frechetDistance(mu, flat(full), mu, flat(full)))).toBeLessThan(1e-10 * trace(full));
    const few = sampleStats(randomMatrix(5, 16, rng));
    expect(Math.abs(frechetDistance(few.mu, flat(few.sigma), few.mu, flat(few.sigma)))).toBeLessThan(
      1e-7 * trace(few.sigma),
    );
  });

  it('is symmetric in its two distributions', () => {
    const rng = new Pcg32(5);
    const a = sampleStats(randomMatrix(30, 10, rng));
    const b = sampleStats(randomMatrix(8, 10, rng, 2));
    const ab = frechetDistance(a.mu, flat(a.sigma), b.mu, flat(b.sigma));
    const ba = frechetDistance(b.mu, flat(b.sigma), a.mu, flat(a.sigma));
    expect(ab).toBeGreaterThan(1);
    expect(relDiff(ab, ba)).toBeLessThan(1e-9);
  });

  it('FrechetReference.distanceParts splits mean and covariance terms', () => {
    const ref = new FrechetReference([0, 0], [1, 0, 0, 1]);
    const parts = ref.distanceParts([3, 4], [4, 0, 0, 4]);
    expect(parts.meanTerm).toBeCloseTo(25, 12);
    expect(parts.covarianceTerm).toBeCloseTo(2, 12); // 2 * (2 - 1)^2
    expect(parts.fd).toBeCloseTo(27, 12);
  });

  it('rejects a matrix that is not a covariance, and mismatched shapes, with MetricsError', () => {
    const notPsd = [1, 0, 0, -1];
    expect(() => frechetDistance([0, 0], notPsd, [0, 0], [1, 0, 0, 1])).toThrow(MetricsError);
    try {
      frechetDistance([0, 0], [1, 0, 0, 1], [0, 0], notPsd);
      expect.unreachable();
    } catch (e) {
      expect((e as MetricsError).code).toBe('not-positive-semidefinite');
    }
    expect(() => frechetDistance([0, 0], [1, 0, 0], [0, 0], [1, 0, 0, 1])).toThrow(/covariance: expected 2x2/);
    expect(() => new FrechetReference([0, 0], [1, 0, 0, 1]).distance([0, 0, 0], new Array(9).fill(0))).toThrow(
      /reference's dimension/,
    );
    expect(() => frechetDistance([NaN], [1], [0], [1])).toThrow(/non-finite/);
    expect(() => frechetDistance([0], [NaN], [0], [1])).toThrow(/non-finite/);
  });
});
