/**
 * Reference of VAR's token sampling, matching training/var_sampling.py (the PyTorch sampler that records the
 * goldens) and docs/bundle-format.md; docs/sampling.md states the procedure and how the GPU kernel computes
 * it. Per token row of logits [V] (after CFG) with a uniform u in [0, 1):
 *  1. top-k (0 < k < V): remove logits < the k-th largest logit (ties with it are kept);
 *  2. top-p (0 < p < 1): probs = softmax(remaining logits) in f32; in ascending order of probability, remove
 *     every token whose ascending cumulative probability is <= 1 - p, except the most likely token;
 *  3. draw (Gumbel-max): token = the kept index with the largest l_i + g_i, g_i = -log(-log(max(u_i, 2^-24))),
 *     in f64, ties to the smallest index. Every kept token is drawn with probability softmax(kept logits), and
 *     two runs that share the uniforms (fp32 and a quantised setting) draw different tokens only where the
 *     change of the logits moves the argmax, which keeps their samples as alike as the models allow.
 * The f32 steps use Math.fround after every operation, as PyTorch's f32 CPU kernels round.
 */

/** VAR's CFG: (1 + t) * cond - t * uncond, in f32 as PyTorch computes it. */
export function varCfgRef(cond: ArrayLike<number>, uncond: ArrayLike<number>, t: number): Float32Array {
  const a = Math.fround(1 + t);
  const b = Math.fround(t);
  return Float32Array.from({ length: cond.length }, (_, i) => Math.fround(a * cond[i]) - Math.fround(b * uncond[i]));
}

/** DiT's CFG on eps: uncond + s * (cond - uncond), in f32. */
export function ditCfgRef(cond: ArrayLike<number>, uncond: ArrayLike<number>, s: number): Float32Array {
  const w = Math.fround(s);
  return Float32Array.from(
    { length: cond.length },
    (_, i) => uncond[i] + Math.fround(w * Math.fround(cond[i] - uncond[i])),
  );
}

/** Steps 1-2 on one row: the logits with removed tokens set to -Infinity. */
export function filterTopKTopP(logits: ArrayLike<number>, topK: number, topP: number): Float32Array {
  const V = logits.length;
  const out = Float32Array.from(logits);
  if (topK > 0 && topK < V) {
    const kth = Float32Array.from(out).sort().reverse()[topK - 1];
    for (let i = 0; i < V; i++) if (out[i] < kth) out[i] = -Infinity;
  }
  if (topP > 0 && topP < 1) {
    const probs = softmaxF32(out);
    // Ascending by probability; equal probabilities keep index order (PyTorch's order among exact ties is
    // unspecified, see docs/sampling.md).
    const order = Array.from({ length: V }, (_, i) => i).sort((a, b) => probs[a] - probs[b] || a - b);
    const limit = Math.fround(1 - topP);
    let cumulative = 0;
    for (let r = 0; r < V - 1; r++) {
      cumulative = Math.fround(cumulative + probs[order[r]]);
      if (cumulative <= limit) out[order[r]] = -Infinity;
    }
  }
  return out;
}

function softmaxF32(logits: Float32Array): Float32Array {
  let max = -Infinity;
  for (const v of logits) max = Math.max(max, v);
  const e = logits.map((v) => Math.fround(Math.exp(Math.fround(v - max))));
  let sum = 0;
  for (const v of e) sum = Math.fround(sum + v);
  return e.map((v) => Math.fround(v / sum));
}

/** The smallest uniform the draw uses: u = 0 (possible with 24-bit uniforms) would give g = -Infinity. */
export const MIN_UNIFORM = 2 ** -24;

/** Gumbel noise of one uniform, in f64 as PyTorch computes it: -log(-log(max(u, 2^-24))). */
export function gumbel(u: number): number {
  return -Math.log(-Math.log(Math.max(u, MIN_UNIFORM)));
}

/**
 * Step 3 on one filtered row with its V uniforms (u[offset .. offset + V - 1]): the kept index with the largest
 * logit + Gumbel noise (f64), ties to the smallest index. Removed tokens (-Infinity) are never drawn.
 */
export function drawGumbel(filtered: ArrayLike<number>, u: ArrayLike<number>, offset = 0): number {
  let best = -1;
  let bestScore = -Infinity;
  for (let i = 0; i < filtered.length; i++) {
    if (filtered[i] === -Infinity) continue;
    const score = filtered[i] + gumbel(u[offset + i]);
    if (best < 0 || score > bestScore) {
      best = i;
      bestScore = score;
    }
  }
  return best;
}

/** Tokens for logits [rows, vocab] and uniforms [rows, vocab]. */
export function sampleTokensRef(
  logits: ArrayLike<number>,
  uniforms: ArrayLike<number>,
  rows: number,
  vocab: number,
  topK: number,
  topP: number,
): Uint32Array {
  const tokens = new Uint32Array(rows);
  const row = new Float32Array(vocab);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < vocab; i++) row[i] = logits[r * vocab + i];
    tokens[r] = drawGumbel(filterTopKTopP(row, topK, topP), uniforms, r * vocab);
  }
  return tokens;
}
