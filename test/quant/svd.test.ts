/**
 * src/quant/svd.ts: truncatedSvd against decompositions known by construction (A = Q1 diag(sigma) Q2^T with random
 * orthogonal Q1, Q2), orthonormality of the factors, full-rank reconstruction, both orientations (rows < cols goes
 * through the transpose), the Eckart–Young error of the rank-r truncation (Frobenius^2 = sum of the dropped
 * sigma^2), the sign convention, and its refusals.
 */
import { describe, expect, it } from 'vitest';
import { truncatedSvd } from '../../src/quant/svd';
import { makeRng } from './prng';

const rng = makeRng(0x5bd1);

/** n x n orthogonal matrix (Gram–Schmidt of a Gaussian one), row-major. */
function randomOrthogonal(n: number): Float64Array {
  const q = Float64Array.from({ length: n * n }, () => rng.normal());
  for (let c = 0; c < n; c++) {
    for (let p = 0; p < c; p++) {
      let dot = 0;
      for (let i = 0; i < n; i++) dot += q[i * n + c] * q[i * n + p];
      for (let i = 0; i < n; i++) q[i * n + c] -= dot * q[i * n + p];
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += q[i * n + c] ** 2;
    for (let i = 0; i < n; i++) q[i * n + c] /= Math.sqrt(norm);
  }
  return q;
}

/** A = Q1[:, :k] diag(sigma) Q2[:, :k]^T, [rows, cols], k = sigma.length. */
function constructed(rows: number, cols: number, sigma: number[]): Float64Array {
  const q1 = randomOrthogonal(rows);
  const q2 = randomOrthogonal(cols);
  const a = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < cols; j++) {
      let v = 0;
      for (let k = 0; k < sigma.length; k++) v += q1[i * rows + k] * sigma[k] * q2[j * cols + k];
      a[i * cols + j] = v;
    }
  return a;
}

function reconstruct(u: Float64Array, s: Float64Array, vt: Float64Array, rows: number, cols: number): Float64Array {
  const r = s.length;
  const a = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < cols; j++) {
      let v = 0;
      for (let k = 0; k < r; k++) v += u[i * r + k] * s[k] * vt[k * cols + j];
      a[i * cols + j] = v;
    }
  return a;
}

function maxOffIdentity(m: Float64Array, rows: number, r: number, columns: boolean): number {
  let worst = 0;
  for (let p = 0; p < r; p++)
    for (let q = 0; q < r; q++) {
      let dot = 0;
      for (let i = 0; i < rows; i++) dot += columns ? m[i * r + p] * m[i * r + q] : m[p * rows + i] * m[q * rows + i];
      worst = Math.max(worst, Math.abs(dot - (p === q ? 1 : 0)));
    }
  return worst;
}

describe('truncatedSvd', () => {
  for (const [rows, cols] of [
    [12, 7],
    [7, 12],
    [16, 16],
  ]) {
    it(`${rows}x${cols}: singular values of a constructed matrix, orthonormal factors, exact reconstruction`, () => {
      const n = Math.min(rows, cols);
      const sigma = Array.from({ length: n }, (_, i) => 10 / (i + 1) + (i === 0 ? 5 : 0));
      const a = constructed(rows, cols, sigma);
      const svd = truncatedSvd(a, rows, cols, n);
      for (let k = 0; k < n; k++) expect(svd.s[k]).toBeCloseTo(sigma[k], 10);
      expect(maxOffIdentity(svd.u, rows, n, true)).toBeLessThan(1e-12);
      expect(maxOffIdentity(svd.vt, cols, n, false)).toBeLessThan(1e-12);
      const back = reconstruct(svd.u, svd.s, svd.vt, rows, cols);
      for (let i = 0; i < a.length; i++) expect(back[i]).toBeCloseTo(a[i], 11);
    });
  }

  it('Eckart–Young: the rank-r truncation error is the sum of the dropped squared singular values', () => {
    const rows = 20;
    const cols = 30;
    const a = Float64Array.from({ length: rows * cols }, () => rng.normal());
    const full = truncatedSvd(a, rows, cols, rows);
    for (const r of [1, 4, 10]) {
      const t = truncatedSvd(a, rows, cols, r);
      const back = reconstruct(t.u, t.s, t.vt, rows, cols);
      let err = 0;
      for (let i = 0; i < a.length; i++) err += (a[i] - back[i]) ** 2;
      let dropped = 0;
      for (let k = r; k < rows; k++) dropped += full.s[k] ** 2;
      expect(err).toBeCloseTo(dropped, 9);
      // No other rank-r matrix of a few random tries does better (the theorem's optimality, spot-checked).
      const other = truncatedSvd(
        a.map((v) => v + 0.01 * rng.normal()),
        rows,
        cols,
        r,
      );
      const near = reconstruct(other.u, other.s, other.vt, rows, cols);
      let otherErr = 0;
      for (let i = 0; i < a.length; i++) otherErr += (a[i] - near[i]) ** 2;
      expect(otherErr).toBeGreaterThanOrEqual(err - 1e-9);
    }
  });

  it('signs: the largest-magnitude entry of each right singular vector is positive', () => {
    const a = Float64Array.from({ length: 9 * 5 }, () => rng.normal());
    const { vt, rank } = truncatedSvd(a, 9, 5, 3);
    for (let k = 0; k < rank; k++) {
      const row = Array.from(vt.subarray(k * 5, k * 5 + 5));
      const peak = row.reduce((p, v) => (Math.abs(v) > Math.abs(p) ? v : p), 0);
      expect(peak).toBeGreaterThan(0);
    }
  });

  it('a rank-deficient matrix: zero trailing singular values, the top ones exact', () => {
    const a = constructed(10, 8, [3, 2]);
    const { s } = truncatedSvd(a, 10, 8, 4);
    expect(s[0]).toBeCloseTo(3, 12);
    expect(s[1]).toBeCloseTo(2, 12);
    expect(s[2]).toBeLessThan(1e-12);
  });

  it('refuses a rank outside 1..min(rows, cols), a wrong length and non-finite entries', () => {
    const a = new Float64Array(12).fill(1);
    expect(() => truncatedSvd(a, 3, 4, 0)).toThrow(/rank 0 must be an integer in 1..3/);
    expect(() => truncatedSvd(a, 3, 4, 4)).toThrow(/1..3/);
    expect(() => truncatedSvd(a, 4, 4, 1)).toThrow(/do not form a 4x4/);
    a[5] = NaN;
    expect(() => truncatedSvd(a, 3, 4, 1)).toThrow(/entry \(1, 1\) is NaN/);
  });
});
