/**
 * GPTQ (Frantar et al. 2023): quantise a Linear's weight W [rows, cols] column by column, each time spreading
 * the rounding error of column i over the not yet quantised columns so that the layer output X W^T on the
 * calibration inputs changes least. With H = 2 X^T X (any positive multiple gives the same result):
 *
 *   dead channels (H_jj = 0): H_jj = 1 and W_:,j = 0      (never seen an input; as the published code)
 *   H += damp * mean(diag H) * I                           (damp 0.01 by default)
 *   U = upper Cholesky factor of H^-1 (H^-1 = U^T U)
 *   for i = 0 .. cols-1:
 *     at the first column of a group: the group's scale (and offset) from the CURRENT, error-updated
 *       weights of the group (our RTN rule, groupScale.ts; per channel: the whole row at i = 0; per tensor:
 *       the whole matrix at i = 0)
 *     q = dequant(encode(W_:,i))                            (the project's codec: the codes we pack)
 *     err = (W_:,i - q) / U_ii;  W_:,j -= err U_ij for j > i
 *
 * Updates are applied to all later columns at once (no lazy batches): the published code's batching is only a
 * memory-traffic optimisation, except that its group scales inside a batch see the weights without that
 * batch's updates; we always use the fully updated weights. Arithmetic is f64. The result is a normal
 * PackedWeight, so every kernel runs it unchanged.
 */
import type { Granularity, PackedWeight, WeightFormat } from './formats';
import { QuantizationError } from './errors';
import { dequantValue, makeCodec, type WeightCodec } from './codec';
import { fitConstantGroup, groupScale, type GroupScale } from './groupScale';
import { allocateUnpackedWeight, packUnpackedWeight } from './packedLayout';
import { validateMatrix } from './quantizeWeight';

export interface GptqOptions {
  /** Fraction of the mean diagonal added to H (the published percdamp); default 0.01. */
  readonly damp?: number;
}

export const GPTQ_DEFAULT_DAMP = 0.01;

/** Accumulates X^T X (f64; the upper triangle while adding) over calibration inputs of one Linear. */
export class GramAccumulator {
  private readonly upper: Float64Array;
  tokens = 0;

  constructor(readonly cols: number) {
    this.upper = new Float64Array(cols * cols);
  }

  /** x: row-major [tokens, cols]. */
  add(x: Float32Array, tokens: number): void {
    const k = this.cols;
    if (x.length !== tokens * k)
      throw new QuantizationError(`GramAccumulator: ${x.length} values are not ${tokens} rows of ${k}`);
    // Transposed first, so that every entry is one contiguous dot product over tokens (X^T X of a wide layer
    // does not fit in cache; streaming it once per token would be memory-bound).
    const xt = new Float64Array(k * tokens);
    for (let t = 0; t < tokens; t++) for (let a = 0; a < k; a++) xt[a * tokens + t] = x[t * k + a];
    const h = this.upper;
    // Two rows a, a+1 against one row b per pass: 3 loads per 2 products. (a+1, a) lands below the diagonal
    // and is simply not stored.
    for (let a = 0; a < k; a += 2) {
      const ra = a * tokens;
      const pair = a + 1 < k;
      const ra1 = ra + tokens;
      for (let b = a; b < k; b++) {
        const rb = b * tokens;
        let s0 = 0;
        let s1 = 0;
        if (pair) {
          for (let t = 0; t < tokens; t++) {
            const xb = xt[rb + t];
            s0 += xt[ra + t] * xb;
            s1 += xt[ra1 + t] * xb;
          }
          if (b > a) h[(a + 1) * k + b] += s1;
        } else {
          for (let t = 0; t < tokens; t++) s0 += xt[ra + t] * xt[rb + t];
        }
        h[a * k + b] += s0;
      }
    }
    this.tokens += tokens;
  }

  /** X^T X, full symmetric. */
  gram(): Float64Array {
    const k = this.cols;
    const g = new Float64Array(k * k);
    for (let a = 0; a < k; a++) {
      for (let b = a; b < k; b++) g[a * k + b] = g[b * k + a] = this.upper[a * k + b];
    }
    return g;
  }
}

/** H = 2 X^T X from a full symmetric X^T X. */
export function gptqHessian(gram: Float64Array): Float64Array {
  return gram.map((v) => 2 * v);
}

/** Lower Cholesky factor L (L L^T = A) of a symmetric positive definite n x n matrix, in place of a copy. */
export function cholesky(a: Float64Array, n: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j];
    for (let p = 0; p < j; p++) d -= l[j * n + p] * l[j * n + p];
    if (!(d > 0)) {
      throw new QuantizationError(
        `GPTQ: the calibration Hessian is not positive definite at column ${j}; raise the damping or calibrate on more samples`,
      );
    }
    const ljj = Math.sqrt(d);
    l[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j];
      for (let p = 0; p < j; p++) s -= l[i * n + p] * l[j * n + p];
      l[i * n + j] = s / ljj;
    }
  }
  return l;
}

/**
 * U upper with U^T U = A^-1, without forming A^-1: with P the reversal permutation, the Cholesky factor L' of
 * P A P gives A = V V^T for the upper V = P L' P, so U = V^-1 = P L'^-1 P. One Cholesky and one triangular
 * inverse, both with contiguous inner loops.
 */
function upperFactorOfInverse(a: Float64Array, n: number): Float64Array {
  const reversed = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) reversed[i * n + j] = a[(n - 1 - i) * n + (n - 1 - j)];
  const l = cholesky(reversed, n);
  const upper = new Float64Array(n * n);
  const m = new Float64Array(n); // column j of L'^-1: forward substitution L' m = e_j
  for (let j = 0; j < n; j++) {
    m.fill(0);
    m[j] = 1 / l[j * n + j];
    for (let i = j + 1; i < n; i++) {
      const row = i * n;
      let s = 0;
      for (let p = j; p < i; p++) s += l[row + p] * m[p];
      m[i] = -s / l[row + i];
    }
    for (let i = j; i < n; i++) upper[(n - 1 - i) * n + (n - 1 - j)] = m[i];
  }
  return upper;
}

/** Upper factor U of H^-1 = U^T U after dead-channel handling and damping; also the dead channel list. */
export function gptqInverseFactor(
  hessian: Float64Array,
  cols: number,
  damp = GPTQ_DEFAULT_DAMP,
): { upper: Float64Array; dead: number[] } {
  if (hessian.length !== cols * cols)
    throw new QuantizationError(`GPTQ: Hessian has ${hessian.length} values, ${cols}x${cols} needs ${cols * cols}`);
  if (!(Number.isFinite(damp) && damp >= 0))
    throw new QuantizationError(`GPTQ damping ${damp} must be finite and >= 0; use 0.01`);
  const h = hessian.slice();
  const dead: number[] = [];
  let meanDiag = 0;
  for (let j = 0; j < cols; j++) {
    if (!Number.isFinite(h[j * cols + j]))
      throw new QuantizationError(
        `GPTQ: Hessian diagonal ${j} is ${h[j * cols + j]}; calibration inputs must be finite`,
      );
    if (h[j * cols + j] === 0) {
      h[j * cols + j] = 1;
      dead.push(j);
    }
    meanDiag += h[j * cols + j] / cols;
  }
  for (let j = 0; j < cols; j++) h[j * cols + j] += damp * meanDiag;
  return { upper: upperFactorOfInverse(h, cols), dead };
}

/** GPTQ-quantised weight in the packed layout (quantizeWeight's codes, scales and offsets rules). */
export function gptqQuantize(
  w: Float32Array,
  rows: number,
  cols: number,
  format: WeightFormat,
  granularity: Granularity,
  hessian: Float64Array,
  options: GptqOptions = {},
): PackedWeight {
  validateMatrix(w, rows, cols);
  const { upper, dead } = gptqInverseFactor(hessian, cols, options.damp ?? GPTQ_DEFAULT_DAMP);
  const codec = makeCodec(format);
  const unpacked = allocateUnpackedWeight(format, granularity, rows, cols);
  const { groupSize, groupsPerRow, perTensor, scales, offsets, codes } = unpacked;

  const work = Float64Array.from(w);
  for (const j of dead) for (let r = 0; r < rows; r++) work[r * cols + j] = 0;
  const rowScale: GroupScale[] = new Array(rows);
  for (let i = 0; i < cols; i++) {
    if (i % groupSize === 0) {
      const g = i / groupSize;
      const colEnd = Math.min(cols, i + groupSize);
      if (perTensor) {
        const s = scaleOf(codec, work, cols, 0, rows, i, colEnd, 'the whole tensor');
        rowScale.fill(s);
        scales[g] = s.scaleBits;
        if (offsets) offsets[g] = s.offsetBits;
      } else {
        for (let r = 0; r < rows; r++) {
          const s = scaleOf(codec, work, cols, r, r + 1, i, colEnd, `row ${r}, cols ${i}..${colEnd - 1}`);
          rowScale[r] = s;
          scales[r * groupsPerRow + g] = s.scaleBits;
          if (offsets) offsets[r * groupsPerRow + g] = s.offsetBits;
        }
      }
    }
    const d = upper[i * cols + i];
    for (let r = 0; r < rows; r++) {
      const base = r * cols;
      const s = rowScale[r];
      const value = work[base + i];
      const code = codec.encode(value, s.scale, s.offset);
      codes[base + i] = code;
      const err = (value - dequantValue(codec.values[code], s.scale, s.offset)) / d;
      if (err === 0) continue;
      const uRow = i * cols;
      for (let j = i + 1; j < cols; j++) work[base + j] -= err * upper[uRow + j];
    }
  }
  return packUnpackedWeight(unpacked);
}

/** The RTN scale rule of quantizeWeight on a region of the (updated) weights. */
function scaleOf(
  codec: WeightCodec,
  work: Float64Array,
  cols: number,
  rowStart: number,
  rowEnd: number,
  colStart: number,
  colEnd: number,
  where: string,
): GroupScale {
  let min = Infinity;
  let max = -Infinity;
  for (let r = rowStart; r < rowEnd; r++) {
    for (let k = colStart; k < colEnd; k++) {
      const v = work[r * cols + k];
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  if (min === max) return fitConstantGroup(codec, min, where);
  return groupScale(codec.format, min, max, 1, where);
}

/** ||X W^T - X Q^T||_F^2 / ||X W^T||_F^2 on inputs x [tokens, cols] (a test and report helper, f64). */
export function layerOutputError(
  x: Float32Array,
  tokens: number,
  w: Float32Array,
  q: Float32Array,
  rows: number,
  cols: number,
): number {
  let num = 0;
  let den = 0;
  for (let t = 0; t < tokens; t++) {
    for (let r = 0; r < rows; r++) {
      let a = 0;
      let b = 0;
      for (let k = 0; k < cols; k++) {
        a += x[t * cols + k] * w[r * cols + k];
        b += x[t * cols + k] * q[r * cols + k];
      }
      num += (a - b) ** 2;
      den += a * a;
    }
  }
  return den === 0 ? num : num / den;
}
