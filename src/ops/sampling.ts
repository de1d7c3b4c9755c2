/**
 * Reference of VAR's token sampling, matching training/var_sampling.py (the PyTorch sampler that records the
 * goldens) and docs/bundle-format.md; docs/sampling.md states the procedure and how the GPU kernel computes
 * it. Per token row of logits [V] (after CFG) with a uniform u in [0, 1):
 *  1. top-k (0 < k < V): remove logits < the k-th largest logit (ties with it are kept);
 *  2. top-p (0 < p < 1): probs = softmax(remaining logits) in f32; in ascending order of probability, remove
 *     every token whose ascending cumulative probability is <= 1 - p, except the most likely token;
 *  3. draw: q = softmax(kept logits) in f64 in vocabulary index order, cdf = cumsum(q);
 *     token = the number of indices with cdf <= u * cdf[V-1] (= the first index whose cdf exceeds u * total),
 *     clamped to the last kept index.
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
  return Float32Array.from({ length: cond.length }, (_, i) => uncond[i] + Math.fround(w * Math.fround(cond[i] - uncond[i])));
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

/** Step 3 on one filtered row. */
export function drawWithUniform(filtered: ArrayLike<number>, u: number): number {
  const V = filtered.length;
  let max = -Infinity;
  for (let i = 0; i < V; i++) max = Math.max(max, filtered[i]);
  const cdf = new Float64Array(V);
  let total = 0;
  let lastKept = 0;
  for (let i = 0; i < V; i++) {
    const w = Math.exp(filtered[i] - max);
    if (w > 0) lastKept = i;
    cdf[i] = total += w;
  }
  // Normalising q first (as PyTorch does) or scaling the target by the total is the same comparison.
  const target = u * total;
  let count = 0;
  while (count < V && cdf[count] <= target) count++;
  return Math.min(count, lastKept);
}

/** Tokens for logits [rows, vocab] and uniforms [rows]. */
export function sampleTokensRef(logits: ArrayLike<number>, uniforms: ArrayLike<number>, rows: number, vocab: number, topK: number, topP: number): Uint32Array {
  const tokens = new Uint32Array(rows);
  const row = new Float32Array(vocab);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < vocab; i++) row[i] = logits[r * vocab + i];
    tokens[r] = drawWithUniform(filterTopKTopP(row, topK, topP), uniforms[r]);
  }
  return tokens;
}
