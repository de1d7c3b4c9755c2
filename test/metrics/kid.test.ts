/**
 * KID (src/metrics/kid.ts) against known answers: a brute-force double loop over explicit sample sets (the
 * estimate, every leave-one-group-out value, any batch order), its unbiasedness for samples of the reference
 * distribution at small N, the analytic MMD^2 of the cubic polynomial kernel between two Gaussians, and the
 * paired error of a difference.
 */
import { describe, expect, it } from 'vitest';
import {
  jackknifeKid,
  KidAccumulator,
  KidReference,
  MetricsError,
  pairedKidDifference,
  polynomialKernel,
} from '../../src/metrics/index.ts';
import { Pcg32 } from '../../src/models/runtime/prng.ts';

const kernel = (x: readonly number[], y: readonly number[]) =>
  (x.reduce((s, v, k) => s + v * y[k]!, 0) / x.length + 1) ** 3;

/**
 * The textbook unbiased MMD^2, written as the double loops of Binkowski et al. (2018), eq. (2); with `labels`
 * (and `classes`), the class-stratified sample term of kid.ts: 1/C * mean over same-class pairs + (1 - 1/C) *
 * mean over different-class pairs.
 */
function bruteKid(xs: readonly number[][], ys: readonly number[][], labels?: readonly number[], classes = 10): number {
  const n = xs.length;
  const m = ys.length;
  let xx = 0;
  let same = 0;
  let sameCount = 0;
  let diff = 0;
  let diffCount = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i === j) continue;
      const k = kernel(xs[i]!, xs[j]!);
      xx += k;
      if (labels && labels[i] === labels[j]) [same, sameCount] = [same + k, sameCount + 1];
      else [diff, diffCount] = [diff + k, diffCount + 1];
    }
  }
  if (labels) xx = (n * (n - 1) * (same / sameCount)) / classes + (n * (n - 1) * (1 - 1 / classes) * diff) / diffCount;
  let yy = 0;
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) if (i !== j) yy += kernel(ys[i]!, ys[j]!);
  let xy = 0;
  for (const x of xs) for (const y of ys) xy += kernel(x, y);
  return xx / (n * (n - 1)) + yy / (m * (m - 1)) - (2 * xy) / (n * m);
}

/** The biased (V-statistic) MMD^2, diagonals included: what the unbiasedness test must tell apart. */
function biasedMmd2(xs: readonly number[][], ys: readonly number[][]): number {
  const mean = (a: readonly number[][], b: readonly number[][]) =>
    a.reduce((s, x) => s + b.reduce((t, y) => t + kernel(x, y), 0), 0) / (a.length * b.length);
  return mean(xs, xs) + mean(ys, ys) - 2 * mean(xs, ys);
}

/** Rows of N(mean, diag(sd^2)). */
function gaussian(n: number, mean: readonly number[], sd: readonly number[], rng: Pcg32): number[][] {
  return Array.from({ length: n }, () => mean.map((m, k) => m + sd[k]! * rng.normal()));
}

const meanOf = (v: readonly number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const sdOf = (v: readonly number[]) => Math.sqrt(v.reduce((a, x) => a + (x - meanOf(v)) ** 2, 0) / (v.length - 1));

/**
 * Population MMD^2 of k(x, y) = (x.y/d + 1)^3 between N(mu1, diag(s1^2)) and N(mu2, diag(s2^2)) from Gaussian
 * moments: E k(u, v) = sum_j C(3, j) d^-j E[(u.v)^j] with E[u.v] = mu_u.mu_v, E[(u.v)^2] = <M_u, M_v> (second
 * moments M = S + mu mu^T) and E[(u.v)^3] = <T_u, T_v> (third moments T_abc = mu_a mu_b mu_c + mu_a S_bc +
 * mu_b S_ac + mu_c S_ab), for independent u, v.
 */
function analyticMmd2(
  mu1: readonly number[],
  s1: readonly number[],
  mu2: readonly number[],
  s2: readonly number[],
): number {
  const d = mu1.length;
  const second = (mu: readonly number[], s: readonly number[]) => (a: number, b: number) =>
    mu[a]! * mu[b]! + (a === b ? s[a]! ** 2 : 0);
  const third = (mu: readonly number[], s: readonly number[]) => {
    const S = (a: number, b: number) => (a === b ? s[a]! ** 2 : 0);
    return (a: number, b: number, c: number) =>
      mu[a]! * mu[b]! * mu[c]! + mu[a]! * S(b, c) + mu[b]! * S(a, c) + mu[c]! * S(a, b);
  };
  const expected = (muU: readonly number[], sU: readonly number[], muV: readonly number[], sV: readonly number[]) => {
    const m1 = muU.reduce((s, v, k) => s + v * muV[k]!, 0);
    const [mu, mv] = [second(muU, sU), second(muV, sV)];
    const [tu, tv] = [third(muU, sU), third(muV, sV)];
    let m2 = 0;
    let m3 = 0;
    for (let a = 0; a < d; a++) {
      for (let b = 0; b < d; b++) {
        m2 += mu(a, b) * mv(a, b);
        for (let c = 0; c < d; c++) m3 += tu(a, b, c) * tv(a, b, c);
      }
    }
    return 1 + (3 * m1) / d + (3 * m2) / d ** 2 + m3 / d ** 3;
  };
  return expected(mu1, s1, mu1, s1) + expected(mu2, s2, mu2, s2) - 2 * expected(mu1, s1, mu2, s2);
}

describe('KID', () => {
  const d = 5;
  const rng = new Pcg32(11);
  const refRows = gaussian(60, [0.5, 0, -0.3, 1, 0], [1, 1, 0.5, 1, 2], rng);
  const reference = KidReference.fromFeatures(refRows.flat(), 60, d);

  it('polynomialKernel is (x.y/d + 1)^3 and the reference term is the mean off-diagonal kernel', () => {
    expect(polynomialKernel([1, 2, 3], 0, [0, 0, 4, 1, -1, 2], 3, 3)).toBeCloseTo((5 / 3 + 1) ** 3, 12);
    let yy = 0;
    for (let i = 0; i < 60; i++) for (let j = 0; j < 60; j++) if (i !== j) yy += kernel(refRows[i]!, refRows[j]!);
    expect(reference.selfKernelMean).toBeCloseTo(yy / (60 * 59), 10);
    // A given kYY (the exporter's) is used as is.
    expect(KidReference.fromFeatures(refRows.flat(), 60, d, 1.25).selfKernelMean).toBe(1.25);
  });

  it('equals the double loop, for the estimate and every leave-one-group-out set, in any batch order', () => {
    for (const [n, classes, groups, stratified] of [
      [53, 5, 4, true],
      [40, 10, 10, true],
      [15, 10, 10, true],
      [25, 10, 10, false],
      [7, 10, 10, false],
    ] as const) {
      const xs = gaussian(n, [0.8, 0.2, 0, 1, -0.5], [1.2, 1, 0.7, 1, 1.5], rng);
      const labels = xs.map((_, i) => i % classes);
      const got = jackknifeKid(reference, xs.flat(), n, { classes, groups });
      expect(got.stratified).toBe(stratified);
      const brute = (keep: (i: number) => boolean) => {
        const idx = xs.map((_, i) => i).filter(keep);
        return bruteKid(
          idx.map((i) => xs[i]!),
          refRows,
          stratified ? idx.map((i) => labels[i]!) : undefined,
          classes,
        );
      };
      expect(got.kid).toBeCloseTo(
        brute(() => true),
        10,
      );
      // The groups of jackknife.ts, written out: whole rounds of classes from two rounds on, else contiguous chunks.
      const rounds = Math.floor(n / classes);
      const g = rounds >= 2 ? Math.min(groups, rounds) : Math.min(groups, n);
      const groupOf = (i: number) => (rounds >= 2 ? Math.floor(i / classes) % g : Math.floor((i * g) / n));
      expect(got.groups).toBe(g);
      const leaveOut = Array.from({ length: g }, (_, q) => brute((i) => groupOf(i) !== q));
      got.leaveOut.forEach((v, q) => expect(v).toBeCloseTo(leaveOut[q]!, 10));
      const bar = meanOf(leaveOut);
      expect(got.stdError).toBeCloseTo(Math.sqrt(((g - 1) / g) * leaveOut.reduce((a, t) => a + (t - bar) ** 2, 0)), 10);
      // Streamed in uneven batches: the same numbers.
      const acc = new KidAccumulator(reference, { classes });
      for (let first = 0; first < n; first += 6)
        acc.addBatch(xs.slice(first, first + 6).flat(), Math.min(6, n - first));
      const streamed = acc.estimate({ groups });
      expect(streamed.kid).toBeCloseTo(got.kid, 12);
      expect(streamed.stdError).toBeCloseTo(got.stdError, 12);
    }
  });

  it('is unbiased: samples of the reference distribution average KID 0 at N = 20 (the biased V-statistic does not)', () => {
    const mean = [0.5, 0, -0.3, 1, 0];
    const sd = [1, 1, 0.5, 1, 2];
    const local = new Pcg32(12);
    const kids: number[] = [];
    const biased: number[] = [];
    for (let r = 0; r < 400; r++) {
      // A fresh reference set each repeat: the estimator is unbiased over both sets of draws.
      const ref = gaussian(40, mean, sd, local);
      const xs = gaussian(20, mean, sd, local);
      kids.push(jackknifeKid(KidReference.fromFeatures(ref.flat(), 40, d), xs.flat(), 20).kid);
      biased.push(biasedMmd2(xs, ref));
    }
    const se = sdOf(kids) / Math.sqrt(kids.length);
    const biasedSe = sdOf(biased) / Math.sqrt(biased.length);
    console.log(
      `KID of reference-distribution samples, N = 20: mean ${meanOf(kids).toExponential(2)} ± ${se.toExponential(2)} (sd ${sdOf(kids).toFixed(3)}); ` +
        `biased V-statistic ${meanOf(biased).toFixed(3)} ± ${biasedSe.toFixed(3)}`,
    );
    expect(Math.abs(meanOf(kids))).toBeLessThan(3 * se);
    expect(meanOf(biased)).toBeGreaterThan(5 * biasedSe);
    // Not vacuous: a single estimate scatters far more than the tolerance on the mean.
    expect(sdOf(kids)).toBeGreaterThan(10 * se);
  }, 60_000);

  it('class-stratified samples (class i mod 10) of a 10-class mixture average KID 0; the plain sample term is biased', () => {
    const local = new Pcg32(14);
    const C = 10;
    const means = Array.from({ length: C }, () => Array.from({ length: 4 }, () => 2 * local.normal()));
    const drawClass = (c: number) => means[c]!.map((m) => m + local.normal());
    const kids: number[] = [];
    const plain: number[] = [];
    for (let r = 0; r < 200; r++) {
      // The reference: iid draws of the equal-weight mixture; the samples: exactly 3 of each class, as the engine draws them.
      const ref = Array.from({ length: 80 }, () => drawClass(Math.floor(local.uniform() * C)));
      const xs = Array.from({ length: 30 }, (_, i) => drawClass(i % C));
      const reference = KidReference.fromFeatures(ref.flat(), 80, 4);
      const estimate = jackknifeKid(reference, xs.flat(), 30);
      expect(estimate.stratified).toBe(true);
      kids.push(estimate.kid);
      // The plain sample term (every pair weighted alike), with the same reference and cross terms.
      let pairs = 0;
      for (let i = 0; i < 30; i++) for (let j = 0; j < i; j++) pairs += kernel(xs[i]!, xs[j]!);
      plain.push(
        (2 * pairs) / (30 * 29) + reference.selfKernelMean - 2 * meanOf(xs.map((x) => reference.crossKernelMean(x))),
      );
    }
    const se = sdOf(kids) / Math.sqrt(kids.length);
    const plainSe = sdOf(plain) / Math.sqrt(plain.length);
    console.log(
      `KID of stratified mixture samples, N = 30: mean ${meanOf(kids).toFixed(3)} ± ${se.toFixed(3)}; plain sample term ${meanOf(plain).toFixed(3)} ± ${plainSe.toFixed(3)}`,
    );
    expect(Math.abs(meanOf(kids))).toBeLessThan(3 * se);
    expect(meanOf(plain)).toBeLessThan(-5 * plainSe);
  }, 60_000);

  it('a known shift: averages the analytic MMD^2 of the polynomial kernel between two Gaussians', () => {
    const mu1 = [0.4, -0.2, 0, 0.6];
    const s1 = [1, 0.8, 1.2, 1];
    const mu2 = [1.2, 0.3, -0.5, 0.6];
    const s2 = [1, 1, 0.7, 1.4];
    const want = analyticMmd2(mu1, s1, mu2, s2);
    const local = new Pcg32(13);
    const kids: number[] = [];
    for (let r = 0; r < 300; r++) {
      const ref = gaussian(50, mu1, s1, local);
      const xs = gaussian(30, mu2, s2, local);
      kids.push(jackknifeKid(KidReference.fromFeatures(ref.flat(), 50, 4), xs.flat(), 30).kid);
    }
    const se = sdOf(kids) / Math.sqrt(kids.length);
    console.log(
      `KID of a known shift: analytic MMD^2 ${want.toFixed(4)}, mean KID ${meanOf(kids).toFixed(4)} ± ${se.toFixed(4)}`,
    );
    expect(want).toBeGreaterThan(20 * se);
    expect(Math.abs(meanOf(kids) - want)).toBeLessThan(3.5 * se);
  }, 60_000);

  it('pairs two sample sets measured on the same draws: the jackknife of the KID difference', () => {
    const n = 60;
    const xs = gaussian(n, [0.8, 0.2, 0, 1, -0.5], [1.2, 1, 0.7, 1, 1.5], rng);
    const moved = xs.map((row) => row.map((v) => v + 0.1 + 0.05 * rng.normal()));
    const a = jackknifeKid(reference, moved.flat(), n);
    const b = jackknifeKid(reference, xs.flat(), n);
    const deltas = Array.from({ length: 6 }, (_, q) => {
      const keep = (_: unknown, i: number) => Math.floor(i / 10) % 6 !== q;
      const labels = xs.map((_, i) => i % 10).filter(keep);
      return bruteKid(moved.filter(keep), refRows, labels) - bruteKid(xs.filter(keep), refRows, labels);
    });
    const bar = meanOf(deltas);
    const paired = pairedKidDifference(a, b);
    expect(paired.difference).toBeCloseTo(a.kid - b.kid, 14);
    expect(paired.stdError).toBeCloseTo(Math.sqrt((5 / 6) * deltas.reduce((s, t) => s + (t - bar) ** 2, 0)), 10);
    expect(paired.stdError).toBeLessThan(Math.hypot(a.stdError, b.stdError) / 3);
  });

  it('rejects bad shapes, non-finite features and too few samples', () => {
    expect(() => KidReference.fromFeatures([1, 2, 3], 2, 2)).toThrow(MetricsError);
    expect(() => KidReference.fromFeatures([1, 2, NaN, 4], 2, 2)).toThrow(/row 1/);
    const acc = new KidAccumulator(reference);
    expect(() => acc.addBatch([1, 2, 3], 1)).toThrow(MetricsError);
    expect(() => acc.addBatch([1, 2, 3, 4, Infinity], 1)).toThrow(/non-finite/);
    acc.addBatch(refRows.slice(0, 2).flat(), 2);
    expect(() => acc.estimate()).toThrow(/at least 3 samples/);
  });
});
