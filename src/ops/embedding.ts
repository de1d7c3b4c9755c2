/**
 * References of the embedding ops (f64 math on f32 inputs unless stated):
 *  - gatherRowsRef: out[i, :] = table[indices[i], :] (class embedding, DiT label embedding)
 *  - addPositionRef: x[b, l, :] (+)= pos[posOffset + l, :] + levelTable[levels[posOffset + l], :] + perSample[b, :]
 *    (VAR: pos_1LC + lvl_embed by scale, the class vector for the first token; DiT: pos_embed)
 *  - timestepEmbeddingRef: DiT's 256-dim sinusoid, [cos(t f_i), sin(t f_i)], f_i = exp(-ln(10000) i / half),
 *    with the frequencies and t * f_i rounded to f32 exactly as PyTorch computes them in f32.
 */

export function gatherRowsRef(table: ArrayLike<number>, indices: ArrayLike<number>, channels: number): Float64Array {
  const out = new Float64Array(indices.length * channels);
  for (let i = 0; i < indices.length; i++)
    for (let c = 0; c < channels; c++) out[i * channels + c] = table[indices[i] * channels + c];
  return out;
}

export interface AddPositionRefArgs {
  /** x [batch * tokens, channels]; undefined = start from zeros (overwrite mode). */
  readonly x?: ArrayLike<number>;
  readonly batch: number;
  readonly tokens: number;
  readonly channels: number;
  /** Table rows are absolute positions; this call's token l reads row posOffset + l. */
  readonly posOffset: number;
  readonly pos?: ArrayLike<number>;
  readonly levelTable?: ArrayLike<number>;
  readonly levels?: ArrayLike<number>;
  /** [batch, channels], broadcast over the tokens of each sample. */
  readonly perSample?: ArrayLike<number>;
}

export function addPositionRef(a: AddPositionRefArgs): Float64Array {
  const { batch, tokens, channels: C, posOffset } = a;
  const out = new Float64Array(batch * tokens * C);
  for (let b = 0; b < batch; b++) {
    for (let l = 0; l < tokens; l++) {
      const p = posOffset + l;
      for (let c = 0; c < C; c++) {
        const i = (b * tokens + l) * C + c;
        let v = a.x ? a.x[i] : 0;
        if (a.pos) v += a.pos[p * C + c];
        if (a.levelTable && a.levels) v += a.levelTable[a.levels[p] * C + c];
        if (a.perSample) v += a.perSample[b * C + c];
        out[i] = v;
      }
    }
  }
  return out;
}

/** PyTorch's f32 frequencies: exp(f32(f32(-ln(maxPeriod)) * i) / half). */
export function timestepFrequencies(dim: number, maxPeriod = 10000): Float32Array {
  const half = Math.floor(dim / 2);
  const negLog = Math.fround(-Math.log(maxPeriod));
  return Float32Array.from({ length: half }, (_, i) => Math.exp(Math.fround(Math.fround(negLog * i) / half)));
}

/** [B, dim]: cos(t f_i) for i < half, then sin(t f_i); t * f_i rounded to f32 as in PyTorch; odd dim pads 0. */
export function timestepEmbeddingRef(t: ArrayLike<number>, dim: number): Float64Array {
  const freqs = timestepFrequencies(dim);
  const half = freqs.length;
  const out = new Float64Array(t.length * dim);
  for (let b = 0; b < t.length; b++) {
    for (let i = 0; i < half; i++) {
      const arg = Math.fround(Math.fround(t[b]) * freqs[i]);
      out[b * dim + i] = Math.cos(arg);
      out[b * dim + half + i] = Math.sin(arg);
    }
  }
  return out;
}
