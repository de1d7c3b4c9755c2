/**
 * The Frechet distance on the classifier bundle's real statistics (128 features): the reference with itself,
 * and the 10 golden test digits' PyTorch features against it (a rank-9 covariance), checked against the
 * data-factor nuclear norm of linalgReference.ts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FeatureAccumulator, FrechetReference, frechetDistance } from '../../src/metrics/index.ts';
import { parseSafetensors, tensorF32, tensorF64 } from '../../src/models/bundle/index.ts';
import { fromFlat, jacobiEigenvalues, relDiff } from './linalgReference.ts';

const DIR = join(import.meta.dirname, '../../public/models/mnist-classifier');
const present = existsSync(join(DIR, 'fd-stats.safetensors'));

describe.runIf(present)('FD on the shipped mnist-classifier statistics', () => {
  const read = (name: string) =>
    parseSafetensors(new Uint8Array(readFileSync(join(DIR, name))), `mnist-classifier/${name}`);
  const stats = read('fd-stats.safetensors');
  const mu = tensorF64(stats, 'mu');
  const sigma = tensorF64(stats, 'sigma');
  const features = tensorF32(read('goldens.safetensors'), 'features');
  const reference = new FrechetReference(mu, sigma);

  it('the test statistics against themselves give ~0', () => {
    let tr = 0;
    for (let i = 0; i < 128; i++) tr += sigma[i * 128 + i];
    expect(Math.abs(reference.distance(mu, sigma))).toBeLessThan(1e-9 * tr);
  });

  it('10 golden digits: finite, positive, symmetric, and equal to the nuclear-norm form', () => {
    const acc = FeatureAccumulator.fromRows(features, 10, 128);
    const fd = reference.distance(acc.mean(), acc.covariance());
    expect(Number.isFinite(fd)).toBe(true);
    expect(fd).toBeGreaterThan(0);
    expect(relDiff(frechetDistance(acc.mean(), acc.covariance(), mu, sigma), fd)).toBeLessThan(1e-8);
    // tr((S1 S2)^(1/2)) = sum sqrt(eig(F^T S_ref F)) with S_golden = F F^T, F = centred features / 3 (128 x 10).
    const m = acc.mean();
    const f = Array.from({ length: 128 }, (_, j) =>
      Array.from({ length: 10 }, (_, r) => (features[r * 128 + j] - m[j]) / 3),
    );
    const refM = fromFlat(sigma, 128);
    const small = Array.from({ length: 10 }, (_, a) =>
      Array.from({ length: 10 }, (_, b) => {
        let s = 0;
        for (let i = 0; i < 128; i++) for (let j = 0; j < 128; j++) s += f[i][a] * refM[i][j] * f[j][b];
        return s;
      }),
    );
    const traceSqrt = jacobiEigenvalues(small).reduce((s, v) => s + Math.sqrt(Math.max(v, 0)), 0);
    const cov = acc.covariance();
    let expected = -2 * traceSqrt;
    for (let i = 0; i < 128; i++) expected += (m[i] - mu[i]) ** 2 + sigma[i * 128 + i] + cov[i * 128 + i];
    expect(relDiff(fd, expected)).toBeLessThan(1e-9);
  });
});
