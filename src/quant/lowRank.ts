/**
 * The -lr<r> modifier (SVDQuant, Li et al. 2024): a rank-r branch kept in 16 bits absorbs the largest directions
 * of a (smoothed) weight, and only the residual goes through the low-bit quantiser.
 *
 * Conventions (row vectors, y = x W^T + b, W [N, K]):
 *   W_s = W diag(s)                    the SmoothQuant-smoothed weight (s = 1 without activation quantisation)
 *   W_s ~ U_r S_r V_r^T                truncated SVD (src/quant/svd.ts, f64)
 *   up   = f16(U_r S_r)       [N, r]   ("L1": the singular values go with the up projection)
 *   down = f16(V_r^T diag(c)) [r, K]   ("L2"; c = the per-channel 1/s the residual's input is multiplied by at run
 *                                      time, or 1 where 1/s is folded into the operation before the Linear)
 *   R    = W_s - up down diag(1/c)     the residual, against the f16-rounded branch (f64, one f32 rounding), so
 *                                      the quantised residual also absorbs the branch's f16 rounding
 * and at run time, with x the Linear's input as the model produces it and x c its smoothed form:
 *   y = Q_A(x c) Q_W(R)^T + (x down^T) up^T + b
 * The branch reads x itself: down already carries c, so x down^T = (x c) (V_r^T)^T in exact arithmetic, and the
 * branch never needs a second copy of the smoothed input. Its (N + K) r parameters are stored as f16.
 */
import { QuantizationError } from './errors';
import { roundToF16 } from './f16';
import { truncatedSvd } from './svd';

export interface LowRankSplit {
  readonly rank: number;
  /** f16-exact values, [rows, rank]. */
  readonly up: Float32Array;
  /** f16-exact values, [rank, cols]. */
  readonly down: Float32Array;
  /** W_s - up down diag(1/c), [rows, cols] f32: what the setting's weight quantiser sees. */
  readonly residual: Float32Array;
  /** Singular values of W_s, descending, [rank] (for reports). */
  readonly singularValues: Float64Array;
}

/** The largest rank a [rows, cols] Linear takes: the branch must be smaller than the weight itself. */
export function maxLowRank(rows: number, cols: number): number {
  return Math.min(rows, cols) - 1;
}

/**
 * Split a smoothed weight W_s [rows, cols] into an f16 rank-r branch and a residual (conventions above).
 * `inputScale` (f32 [cols]): c, the run-time multiplier of the residual path's input; omitted when the input
 * arrives smoothed (or unsmoothed with s = 1).
 */
export function lowRankSplit(
  weight: Float32Array,
  rows: number,
  cols: number,
  rank: number,
  inputScale?: Float32Array,
): LowRankSplit {
  if (!(Number.isInteger(rank) && rank >= 1 && rank <= maxLowRank(rows, cols)))
    throw new QuantizationError(
      `low-rank branch of rank ${rank} does not fit a ${rows}x${cols} weight; the largest rank is ${maxLowRank(rows, cols)}`,
    );
  if (inputScale && inputScale.length !== cols)
    throw new QuantizationError(`lowRankSplit: ${inputScale.length} input scales for ${cols} input channels`);
  const { u, s, vt } = truncatedSvd(weight, rows, cols, rank);
  const up = new Float32Array(rows * rank);
  for (let i = 0; i < rows; i++) for (let k = 0; k < rank; k++) up[i * rank + k] = roundToF16(u[i * rank + k] * s[k]);
  const down = new Float32Array(rank * cols);
  for (let k = 0; k < rank; k++)
    for (let j = 0; j < cols; j++) down[k * cols + j] = roundToF16(vt[k * cols + j] * (inputScale ? inputScale[j] : 1));
  const residual = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < cols; j++) {
      let branch = 0;
      for (let k = 0; k < rank; k++) branch += up[i * rank + k] * down[k * cols + j];
      if (inputScale) branch /= inputScale[j];
      residual[i * cols + j] = weight[i * cols + j] - branch;
    }
  return { rank, up, down, residual, singularValues: s };
}

/** y [m, rows] += (x down^T) up^T in f64 (the branch as the engine adds it; x [m, cols]). */
export function addLowRankBranch(
  y: Float32Array,
  x: Float32Array,
  m: number,
  rows: number,
  cols: number,
  branch: Pick<LowRankSplit, 'rank' | 'up' | 'down'>,
): Float32Array {
  const { rank, up, down } = branch;
  const out = new Float32Array(y.length);
  const t = new Float64Array(rank);
  for (let r = 0; r < m; r++) {
    for (let k = 0; k < rank; k++) {
      let acc = 0;
      for (let j = 0; j < cols; j++) acc += x[r * cols + j] * down[k * cols + j];
      t[k] = acc;
    }
    for (let n = 0; n < rows; n++) {
      let acc = y[r * rows + n];
      for (let k = 0; k < rank; k++) acc += t[k] * up[n * rank + k];
      out[r * rows + n] = acc;
    }
  }
  return out;
}

/**
 * y [m, n] + t [m, rank] up [n, rank]^T in f32 arithmetic, summed in LowRankAddKernel's order (acc over j from 0,
 * then y + acc): the kernel's reference.
 */
export function lowRankUpAddF32(
  y: Float32Array,
  t: Float32Array,
  up: Float32Array,
  m: number,
  n: number,
  rank: number,
): Float32Array {
  const out = new Float32Array(m * n);
  for (let r = 0; r < m; r++)
    for (let c = 0; c < n; c++) {
      let acc = 0;
      for (let j = 0; j < rank; j++) acc = Math.fround(acc + Math.fround(t[r * rank + j] * up[c * rank + j]));
      out[r * n + c] = Math.fround(y[r * n + c] + acc);
    }
  return out;
}
