/**
 * Truncated singular value decomposition of a weight matrix, for the -lr<r> low-rank branch (src/quant/lowRank.ts).
 * A [rows, cols] (row-major) ~ U_r diag(S_r) V_r^T with the r largest singular values, in f64.
 *
 * Method (deterministic, no random start): with m = min(rows, cols), form the m x m Gram matrix of the short side
 * (A A^T when rows <= cols, else A^T A), diagonalise it with the cyclic Jacobi eigenvalue method (exact to f64
 * rounding, converged to an off-diagonal norm of 1e-15 of the matrix's), and take its r leading eigenvectors as the
 * short side's singular vectors. The long side's come from one product with A, and the singular values are their
 * norms (not square roots of eigenvalues, which would lose the small ones to the squaring):
 *   rows <= cols:  U_r = eigenvectors of A A^T,  B = U_r^T A,  s_k = |B_k|,  V_r^T row k = B_k / s_k
 *   rows >  cols:  V_r = eigenvectors of A^T A,  C = A V_r,    s_k = |C_:,k|, U_r column k = C_:,k / s_k
 * Cost: m^2 max(rows, cols) for the Gram matrix plus about 10 m^3 per Jacobi sweep (5-10 sweeps); the zoo's Linears
 * (m <= 192) take tens of milliseconds. Directions whose singular value is below 1e-13 of the largest are numerically
 * zero: their value is returned as 0 and their long-side vector as zeros (it carries no weight in U S V^T).
 * Signs: each pair (u_i, v_i) is flipped so that v_i's entry of largest magnitude is positive (training/low_rank.py
 * applies the same rule to torch.linalg.svd, so both give the same factors).
 */
import { QuantizationError } from './errors';

export interface TruncatedSvd {
  readonly rank: number;
  /** U_r, [rows, rank] row-major, orthonormal columns. */
  readonly u: Float64Array;
  /** Singular values, descending, [rank]. */
  readonly s: Float64Array;
  /** V_r^T, [rank, cols] row-major, orthonormal rows. */
  readonly vt: Float64Array;
}

/** Relative size below which a singular value counts as zero. */
const ZERO_SINGULAR = 1e-13;
const MAX_SWEEPS = 60;

/**
 * Eigen-decomposition of a symmetric m x m matrix (row-major, overwritten) by cyclic Jacobi rotations: returns the
 * eigenvalues (unsorted, the final diagonal) and the eigenvectors as the columns of an m x m row-major matrix.
 */
export function symmetricEigen(a: Float64Array, m: number): { values: Float64Array; vectors: Float64Array } {
  const v = new Float64Array(m * m);
  for (let i = 0; i < m; i++) v[i * m + i] = 1;
  let total = 0;
  for (let i = 0; i < m * m; i++) total += a[i] * a[i];
  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    let off = 0;
    for (let p = 0; p < m; p++) for (let q = p + 1; q < m; q++) off += 2 * a[p * m + q] * a[p * m + q];
    if (off <= 1e-30 * total || off === 0) break;
    for (let p = 0; p < m; p++)
      for (let q = p + 1; q < m; q++) {
        const apq = a[p * m + q];
        if (apq === 0) continue;
        const theta = (a[q * m + q] - a[p * m + p]) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        // A <- P^T A P with P the rotation in the (p, q) plane; columns, then rows; V <- V P.
        for (let k = 0; k < m; k++) {
          const akp = a[k * m + p];
          const akq = a[k * m + q];
          a[k * m + p] = c * akp - s * akq;
          a[k * m + q] = s * akp + c * akq;
        }
        for (let k = 0; k < m; k++) {
          const apk = a[p * m + k];
          const aqk = a[q * m + k];
          a[p * m + k] = c * apk - s * aqk;
          a[q * m + k] = s * apk + c * aqk;
        }
        a[p * m + q] = 0;
        a[q * m + p] = 0;
        for (let k = 0; k < m; k++) {
          const vkp = v[k * m + p];
          const vkq = v[k * m + q];
          v[k * m + p] = c * vkp - s * vkq;
          v[k * m + q] = s * vkp + c * vkq;
        }
      }
  }
  const values = new Float64Array(m);
  for (let i = 0; i < m; i++) values[i] = a[i * m + i];
  return { values, vectors: v };
}

/** The r largest singular triplets of a [rows, cols] matrix; 1 <= rank <= min(rows, cols). */
export function truncatedSvd(a: ArrayLike<number>, rows: number, cols: number, rank: number): TruncatedSvd {
  if (!(Number.isInteger(rows) && Number.isInteger(cols) && rows > 0 && cols > 0) || a.length !== rows * cols)
    throw new QuantizationError(`truncatedSvd: ${a.length} values do not form a ${rows}x${cols} matrix`);
  if (!(Number.isInteger(rank) && rank >= 1 && rank <= Math.min(rows, cols)))
    throw new QuantizationError(
      `truncatedSvd: rank ${rank} must be an integer in 1..${Math.min(rows, cols)} for a ${rows}x${cols} matrix`,
    );
  for (let i = 0; i < a.length; i++)
    if (!Number.isFinite(a[i]))
      throw new QuantizationError(
        `truncatedSvd: entry (${Math.floor(i / cols)}, ${i % cols}) is ${a[i]}; the matrix must be finite`,
      );
  // Work on M = A (short side = rows) or M = A^T, so the short side is always M's rows: M is [m, n], m <= n.
  const transposed = rows > cols;
  const m = transposed ? cols : rows;
  const n = transposed ? rows : cols;
  const mat = new Float64Array(m * n);
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < cols; j++) {
      if (transposed) mat[j * n + i] = a[i * cols + j];
      else mat[i * n + j] = a[i * cols + j];
    }
  const gram = new Float64Array(m * m);
  for (let p = 0; p < m; p++)
    for (let q = p; q < m; q++) {
      let acc = 0;
      for (let k = 0; k < n; k++) acc += mat[p * n + k] * mat[q * n + k];
      gram[p * m + q] = acc;
      gram[q * m + p] = acc;
    }
  const { values, vectors } = symmetricEigen(gram, m);
  const order = Array.from(values, (_, i) => i).sort((x, y) => values[y] - values[x] || x - y);
  // Short side: E [m, rank] (M's left vectors); long side: F [rank, n] = E^T M, its row norms the singular values.
  const e = new Float64Array(m * rank);
  const f = new Float64Array(rank * n);
  const s = new Float64Array(rank);
  for (let k = 0; k < rank; k++) {
    const col = order[k];
    for (let i = 0; i < m; i++) e[i * rank + k] = vectors[i * m + col];
    let norm = 0;
    for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let i = 0; i < m; i++) acc += vectors[i * m + col] * mat[i * n + j];
      f[k * n + j] = acc;
      norm += acc * acc;
    }
    s[k] = Math.sqrt(norm);
  }
  const floor = ZERO_SINGULAR * s.reduce((x, y) => Math.max(x, y), 0);
  for (let k = 0; k < rank; k++) {
    const inv = s[k] > floor ? 1 / s[k] : 0;
    if (inv === 0) s[k] = 0;
    for (let j = 0; j < n; j++) f[k * n + j] *= inv;
  }
  // A = M (not transposed): U = E, V^T = F.  A = M^T: A = F^T S E^T, so U = F^T and V^T = E^T.
  const u = new Float64Array(rows * rank);
  const vt = new Float64Array(rank * cols);
  for (let k = 0; k < rank; k++) {
    const vAt = (j: number) => (transposed ? e[j * rank + k] : f[k * n + j]);
    const uAt = (i: number) => (transposed ? f[k * n + i] : e[i * rank + k]);
    let peak = 0;
    for (let j = 0; j < cols; j++) if (Math.abs(vAt(j)) > Math.abs(peak)) peak = vAt(j);
    const sign = peak < 0 ? -1 : 1;
    for (let i = 0; i < rows; i++) u[i * rank + k] = sign * uAt(i);
    for (let j = 0; j < cols; j++) vt[k * cols + j] = sign * vAt(j);
  }
  return { rank, u, s, vt };
}
