/**
 * Truncated singular value decomposition of a weight matrix, for the -lr<r> low-rank branch (src/quant/lowRank.ts).
 * A [rows, cols] (row-major) ~ U_r diag(S_r) V_r^T with the r largest singular values, in f64.
 *
 * The decomposition is ml-matrix's SingularValueDecomposition (Golub–Kahan bidiagonalisation + implicit QR, the
 * JAMA algorithm, already a dependency for the Fréchet distance), on the orientation with fewer columns (it wants
 * rows >= cols). It is deterministic (no random start), exact to f64 rounding, and cheap at this project's sizes
 * (shipped Linears are at most 192 x 1152; a 1024 x 4096 one takes seconds, once per setting). Signs: each pair
 * (u_i, v_i) is flipped so that the entry of v_i with the largest magnitude is positive, so the factors do not depend
 * on the library's sign choice (the product U S V^T never does).
 */
import { Matrix, SingularValueDecomposition } from 'ml-matrix';
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
  // Decompose M = A (rows >= cols) or M = A^T, so the library never transposes behind our back.
  const transposed = rows < cols;
  const mRows = transposed ? cols : rows;
  const mCols = transposed ? rows : cols;
  const m = new Matrix(mRows, mCols);
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < cols; j++) {
      if (transposed) m.set(j, i, a[i * cols + j]);
      else m.set(i, j, a[i * cols + j]);
    }
  const svd = new SingularValueDecomposition(m, {
    computeLeftSingularVectors: true,
    computeRightSingularVectors: true,
    autoTranspose: false,
  });
  const left = svd.leftSingularVectors; // [mRows, >= mCols]
  const right = svd.rightSingularVectors; // [mCols, mCols]
  const values = svd.diagonal;
  const order = values.map((_, i) => i).sort((x, y) => values[y] - values[x] || x - y);
  const u = new Float64Array(rows * rank);
  const s = new Float64Array(rank);
  const vt = new Float64Array(rank * cols);
  for (let k = 0; k < rank; k++) {
    const src = order[k];
    s[k] = Math.max(values[src], 0);
    // A = U S V^T; for M = A^T, A's U is M's V and A's V is M's U.
    const uAt = (i: number) => (transposed ? right.get(i, src) : left.get(i, src));
    const vAt = (j: number) => (transposed ? left.get(j, src) : right.get(j, src));
    let peak = 0;
    for (let j = 0; j < cols; j++) if (Math.abs(vAt(j)) > Math.abs(peak)) peak = vAt(j);
    const sign = peak < 0 ? -1 : 1;
    for (let i = 0; i < rows; i++) u[i * rank + k] = sign * uAt(i);
    for (let j = 0; j < cols; j++) vt[k * cols + j] = sign * vAt(j);
  }
  return { rank, u, s, vt };
}
