/**
 * Per-sample vectors (adaLN shift/scale/gate) as the op references and kernels address them: the vector of
 * sample b is the `channels` values starting at `offset + b * stride` of a flat array. One chunk of a model's
 * adaLN output [B, k * C] is then { stride: k * C, offset: chunkIndex * C } and needs no copy.
 * Token row r of an activation [B * tokensPerSample, C] belongs to sample floor(r / tokensPerSample).
 */
export interface SampleVectorLayout {
  /** Elements between the vectors of consecutive samples. */
  readonly stride: number;
  /** Element offset of sample 0's vector. */
  readonly offset: number;
}

/** Index into the flat array of channel c of the vector of the sample that owns token row `row`. */
export function sampleVectorIndex(layout: SampleVectorLayout, tokensPerSample: number, row: number, c: number): number {
  return layout.offset + Math.floor(row / tokensPerSample) * layout.stride + c;
}
