/**
 * References of the attention kernels (f64 math on f32 inputs).
 *
 * Head-major tensors are addressed by a HeadLayout: element (b, h, t, e) of a [B, H, T, d] view lives at
 * offset + b*batchStride + h*headStride + t*tokenStride + e. That one description covers a contiguous
 * [B, H, T, d] tensor, a KV cache [B, H, capacity, d], and q/k/v read straight out of a token-major qkv
 * matmul output [B, T, 3, H, d] (DiT), so no split kernel is needed there.
 */

export interface HeadLayout {
  readonly offset: number;
  readonly batchStride: number;
  readonly headStride: number;
  readonly tokenStride: number;
}

/** Layout of a contiguous [B, H, T, d] tensor (T = tokens, or a KV cache's capacity). */
export function headMajorLayout(heads: number, tokens: number, headDim: number, offset = 0): HeadLayout {
  return { offset, batchStride: heads * tokens * headDim, headStride: tokens * headDim, tokenStride: headDim };
}

/** Layouts of q, k and v inside a token-major qkv tensor [B, T, 3, H, d] (torch `.view(B, T, 3, H, d)`). */
export function tokenMajorQkvLayouts(
  tokens: number,
  heads: number,
  headDim: number,
): { q: HeadLayout; k: HeadLayout; v: HeadLayout } {
  const C = heads * headDim;
  const base = { batchStride: tokens * 3 * C, headStride: headDim, tokenStride: 3 * C };
  return { q: { offset: 0, ...base }, k: { offset: C, ...base }, v: { offset: 2 * C, ...base } };
}

export function layoutIndex(layout: HeadLayout, b: number, h: number, t: number, e: number): number {
  return layout.offset + b * layout.batchStride + h * layout.headStride + t * layout.tokenStride + e;
}

/** ln(100): VAR clamps its learned log attention scale to this before exp. */
export const VAR_MAX_SCALE_MUL_LOG = Math.log(100);

/**
 * VAR's q/k/v preparation for one call of `tokens` new tokens: from qkv [B, T, 3C] (mat_qkv output, no bias) add
 * q_bias / v_bias (k has none), split into H heads of d, L2-normalise q and k per head (x / max(|x|, 1e-12)),
 * multiply q by exp(min(scaleMulLog[h], ln 100)). Returns contiguous q, k, v [B, H, T, d].
 */
export function varQkvPrepareRef(
  qkv: ArrayLike<number>,
  batch: number,
  tokens: number,
  heads: number,
  headDim: number,
  qBias: ArrayLike<number>,
  vBias: ArrayLike<number>,
  scaleMulLog: ArrayLike<number>,
): { q: Float64Array; k: Float64Array; v: Float64Array } {
  const C = heads * headDim;
  const n = batch * tokens * C;
  const q = new Float64Array(n);
  const k = new Float64Array(n);
  const v = new Float64Array(n);
  const out = headMajorLayout(heads, tokens, headDim);
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < tokens; t++) {
      for (let h = 0; h < heads; h++) {
        const src = (b * tokens + t) * 3 * C + h * headDim;
        const qs: number[] = [];
        const ks: number[] = [];
        for (let e = 0; e < headDim; e++) {
          qs.push(qkv[src + e] + qBias[h * headDim + e]);
          ks.push(qkv[src + C + e]);
        }
        const qNorm = Math.max(Math.hypot(...qs), 1e-12);
        const kNorm = Math.max(Math.hypot(...ks), 1e-12);
        const scale = Math.exp(Math.min(scaleMulLog[h], VAR_MAX_SCALE_MUL_LOG));
        for (let e = 0; e < headDim; e++) {
          const i = layoutIndex(out, b, h, t, e);
          q[i] = (qs[e] / qNorm) * scale;
          k[i] = ks[e] / kNorm;
          v[i] = qkv[src + 2 * C + e] + vBias[h * headDim + e];
        }
      }
    }
  }
  return { q, k, v };
}

export interface AttentionRefShape {
  readonly batch: number;
  readonly heads: number;
  readonly headDim: number;
  readonly queries: number;
  readonly keys: number;
  /** Multiplies q.k before the softmax: 1 for VAR (q carries its learned scale), 1/sqrt(d) for DiT. */
  readonly scale: number;
  /**
   * Block-causal mask: query i (absolute position firstQueryPosition + i) attends key j iff
   * levels[j] <= levels[firstQueryPosition + i]. Omitted: every query attends every key.
   */
  readonly mask?: { readonly levels: ArrayLike<number>; readonly firstQueryPosition: number };
}

/** out [B, queries, H*d] (token-major, ready for the output projection) = softmax(scale q k^T + mask) v. */
export function attentionRef(
  q: ArrayLike<number>,
  qLayout: HeadLayout,
  k: ArrayLike<number>,
  kLayout: HeadLayout,
  v: ArrayLike<number>,
  vLayout: HeadLayout,
  shape: AttentionRefShape,
): Float64Array {
  const { batch, heads, headDim, queries, keys, scale, mask } = shape;
  const out = new Float64Array(batch * queries * heads * headDim);
  const scores = new Float64Array(keys);
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < heads; h++) {
      for (let i = 0; i < queries; i++) {
        let max = -Infinity;
        for (let j = 0; j < keys; j++) {
          if (mask && mask.levels[j] > mask.levels[mask.firstQueryPosition + i]) {
            scores[j] = -Infinity;
            continue;
          }
          let s = 0;
          for (let e = 0; e < headDim; e++)
            s += q[layoutIndex(qLayout, b, h, i, e)] * k[layoutIndex(kLayout, b, h, j, e)];
          scores[j] = s * scale;
          max = Math.max(max, scores[j]);
        }
        let sum = 0;
        for (let j = 0; j < keys; j++) sum += scores[j] = Math.exp(scores[j] - max);
        const outBase = ((b * queries + i) * heads + h) * headDim;
        for (let j = 0; j < keys; j++) {
          if (scores[j] === 0) continue;
          const p = scores[j] / sum;
          for (let e = 0; e < headDim; e++) out[outBase + e] += p * v[layoutIndex(vLayout, b, h, j, e)];
        }
      }
    }
  }
  return out;
}

/** Scale index of every token for VAR's patch numbers, e.g. [1, 2] -> [0, 1, 1, 1, 1]. */
export function tokenLevels(patchNums: readonly number[]): Uint32Array {
  const levels: number[] = [];
  patchNums.forEach((pn, level) => {
    for (let i = 0; i < pn * pn; i++) levels.push(level);
  });
  return Uint32Array.from(levels);
}
