/**
 * VAR's token draw on the CPU (docs/bundle-format.md, "Sampling"): the CFG mix of one scale's logits, the
 * official top-k / top-p filter, and the inverse-CDF draw from a given uniform. The sampler uses it until a
 * GPU sampling kernel lands (it reads back one scale's logits, pn*pn x V floats); the arithmetic follows
 * PyTorch: the CFG mix in f32, the filter on f32 logits, softmax and cumulative sums in f64.
 */

/** (1 + t) * cond - t * uncond in f32, t = cfg * k / (K - 1). */
export function cfgMix(cond: Float32Array, uncond: Float32Array, cfg: number, k: number, scales: number): Float32Array {
  // torch: t is a Python float; tensor * scalar casts the scalar (1 + t, t) to f32 and multiplies in f32.
  const t = scales > 1 ? (cfg * k) / (scales - 1) : 0;
  const a = Math.fround(1 + t);
  const b = Math.fround(t);
  const out = new Float32Array(cond.length);
  for (let i = 0; i < cond.length; i++) out[i] = Math.fround(Math.fround(a * cond[i]) - Math.fround(b * uncond[i]));
  return out;
}

/** Official VAR filter: keep logits >= the k-th largest; then drop the ascending-cumulative-probability tail <= 1 - topP (never the most likely). */
export function filterTopKTopP(logits: ArrayLike<number>, topK: number, topP: number): Float64Array {
  const out = Float64Array.from(logits);
  const V = out.length;
  if (topK > 0 && topK < V) {
    const kth = Float64Array.from(out).sort()[V - topK];
    for (let i = 0; i < V; i++) if (out[i] < kth) out[i] = -Infinity;
  }
  if (topP > 0 && topP < 1) {
    // torch sorts ascending (stable for ties here: only the cumulative sums matter), softmax in f32 there;
    // f64 here, which only matters for a token exactly on the threshold.
    const order = Array.from(out.keys()).sort((a, b) => out[a] - out[b]);
    const max = out[order[V - 1]];
    let sum = 0;
    for (const i of order) sum += Math.exp(out[i] - max);
    let cumulative = 0;
    const remove: number[] = [];
    order.forEach((i, rank) => {
      cumulative += Math.exp(out[i] - max) / sum;
      if (cumulative <= 1 - topP && rank < V - 1) remove.push(i);
    });
    for (const i of remove) out[i] = -Infinity;
  }
  return out;
}

/**
 * torch: p = softmax(logits) in f64, cdf = cumsum(p), token = #{i : cdf[i] <= u * cdf[V-1]}, clamped to the
 * last index with p > 0 (rounding can leave the target above every cdf entry).
 */
export function drawToken(logits: Float64Array, u: number): number {
  let max = -Infinity;
  for (const v of logits) max = Math.max(max, v);
  const e = Array.from(logits, (v) => Math.exp(v - max));
  const total = e.reduce((a, b) => a + b, 0);
  const cdf = new Float64Array(e.length);
  let cumulative = 0;
  let lastKept = 0;
  e.forEach((v, i) => {
    cdf[i] = cumulative += v / total;
    if (v > 0) lastKept = i;
  });
  const target = u * cdf[cdf.length - 1];
  let index = 0;
  while (index < cdf.length && cdf[index] <= target) index++;
  return Math.min(index, lastKept);
}

/** Tokens of one scale: CFG mix, filter, draw per position. cond/uncond [B, T, V] (B rows each); uniforms [B, T]. */
export function drawScale(cond: Float32Array, uncond: Float32Array, uniforms: ArrayLike<number>, vocab: number, options: { cfg: number; topK: number; topP: number; k: number; scales: number }): { tokens: Uint32Array; mixed: Float32Array } {
  const mixed = cfgMix(cond, uncond, options.cfg, options.k, options.scales);
  const count = mixed.length / vocab;
  const tokens = new Uint32Array(count);
  for (let i = 0; i < count; i++) {
    tokens[i] = drawToken(filterTopKTopP(mixed.subarray(i * vocab, (i + 1) * vocab), options.topK, options.topP), uniforms[i]);
  }
  return { tokens, mixed };
}
