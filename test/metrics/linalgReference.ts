/**
 * Slow, independent linear algebra for checking src/metrics (no ml-matrix): dense matrices as number[][],
 * Gauss-Jordan inverse, the Denman-Beavers iteration for the (non-symmetric) square root of S1 S2, and the
 * cyclic Jacobi eigenvalue method for small symmetric matrices.
 */
import { Pcg32 } from '../../src/models/runtime/prng.ts';

export type Mat = number[][];

export const identity = (n: number): Mat =>
  Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));

export function matmul(a: Mat, b: Mat): Mat {
  return a.map((row) => b[0].map((_, j) => row.reduce((s, v, k) => s + v * b[k][j], 0)));
}

export const transpose = (a: Mat): Mat => a[0].map((_, j) => a.map((row) => row[j]));
export const add = (a: Mat, b: Mat, wb = 1): Mat => a.map((row, i) => row.map((v, j) => v + wb * b[i][j]));
export const scale = (a: Mat, s: number): Mat => a.map((row) => row.map((v) => v * s));
export const trace = (a: Mat): number => a.reduce((s, row, i) => s + row[i], 0);
export const flat = (a: Mat): Float64Array => Float64Array.from(a.flat());
export const fromFlat = (f: ArrayLike<number>, n: number): Mat =>
  Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => f[i * n + j]));

/** Gauss-Jordan with partial pivoting. */
export function inverse(a: Mat): Mat {
  const n = a.length;
  const m = a.map((row, i) => [...row, ...identity(n)[i]]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[p][c])) p = r;
    [m[c], m[p]] = [m[p], m[c]];
    const pivot = m[c][c];
    if (pivot === 0) throw new Error('singular matrix in the test reference');
    for (let j = 0; j < 2 * n; j++) m[c][j] /= pivot;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r][c];
      for (let j = 0; j < 2 * n; j++) m[r][j] -= f * m[c][j];
    }
  }
  return m.map((row) => row.slice(n));
}

/** Principal square root of A (eigenvalues off the closed negative real axis) by Denman-Beavers. */
export function sqrtDenmanBeavers(a: Mat): Mat {
  let y = a;
  let z = identity(a.length);
  for (let k = 0; k < 100; k++) {
    const yNext = scale(add(y, inverse(z)), 0.5);
    const zNext = scale(add(z, inverse(y)), 0.5);
    const change = Math.max(...yNext.flat().map((v, i) => Math.abs(v - y.flat()[i])));
    y = yNext;
    z = zNext;
    if (change < 1e-15 * Math.max(...y.flat().map(Math.abs))) break;
  }
  return y;
}

/** FD = |mu1 - mu2|^2 + tr(S1 + S2 - 2 (S1 S2)^(1/2)) with the non-symmetric square root (needs S1 S2 nonsingular). */
export function fdDenmanBeavers(mu1: number[], s1: Mat, mu2: number[], s2: Mat): number {
  const meanTerm = mu1.reduce((s, v, i) => s + (v - mu2[i]) ** 2, 0);
  return meanTerm + trace(s1) + trace(s2) - 2 * trace(sqrtDenmanBeavers(matmul(s1, s2)));
}

/** Eigenvalues of a small symmetric matrix by cyclic Jacobi rotations. */
export function jacobiEigenvalues(input: Mat): number[] {
  const a = input.map((row) => row.slice());
  const n = a.length;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p][q] ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        if (a[p][q] === 0) continue;
        const theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k][p];
          const akq = a[k][q];
          a[k][p] = c * akp - s * akq;
          a[k][q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p][k];
          const aqk = a[q][k];
          a[p][k] = c * apk - s * aqk;
          a[q][k] = s * apk + c * aqk;
        }
      }
    }
  }
  return a.map((row, i) => row[i]);
}

/**
 * FD when S1 = F1 F1^T and S2 = F2 F2^T are given by factors (e.g. centred data / sqrt(N-1)): the nonzero
 * eigenvalues of sqrt(S1) S2 sqrt(S1) are those of (F1^T F2)(F1^T F2)^T, so tr((S1 S2)^(1/2)) is the nuclear
 * norm of F1^T F2, a small matrix when few samples are involved. Works for singular covariances.
 */
export function fdFromFactors(mu1: number[], f1: Mat, mu2: number[], f2: Mat): number {
  const s1 = matmul(f1, transpose(f1));
  const s2 = matmul(f2, transpose(f2));
  const cross = matmul(transpose(f1), f2);
  const gram = matmul(cross, transpose(cross));
  const nuclear = jacobiEigenvalues(gram).reduce((s, v) => s + Math.sqrt(Math.max(v, 0)), 0);
  const meanTerm = mu1.reduce((s, v, i) => s + (v - mu2[i]) ** 2, 0);
  return meanTerm + trace(s1) + trace(s2) - 2 * nuclear;
}

export function randomMatrix(rows: number, cols: number, rng: Pcg32, sd = 1): Mat {
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => sd * rng.normal()));
}

/** A random SPD covariance G G^T / k + ridge I. */
export function randomCovariance(n: number, rng: Pcg32, ridge = 0.1): Mat {
  const g = randomMatrix(n, n + 3, rng);
  return add(scale(matmul(g, transpose(g)), 1 / (n + 3)), scale(identity(n), ridge));
}

/** Mean and unbiased covariance by the textbook two-pass formula. */
export function sampleStats(rows: Mat): { mu: number[]; sigma: Mat; factor: Mat } {
  const n = rows.length;
  const mu = rows[0].map((_, j) => rows.reduce((s, r) => s + r[j], 0) / n);
  const centred = rows.map((r) => r.map((v, j) => v - mu[j]));
  // factor: d x n, so that sigma = factor factor^T
  const factor = scale(transpose(centred), 1 / Math.sqrt(n - 1));
  return { mu, sigma: matmul(factor, transpose(factor)), factor };
}

export function relDiff(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), 1e-300);
}
