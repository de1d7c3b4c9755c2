/**
 * Reference of the q8 KV cache (kvFormat 'q8' of VarQkvPrepareKernel / AttentionKernel): every head row of
 * headDim values is stored as int8 codes plus one scale, the row's absmax:
 *
 *   scale = max_e |x_e|,   code_e = floor(0.5 + 127 * clamp(x_e / scale, -1, 1))   (WGSL pack4x8snorm),
 *   value_e = max(-1, code_e / 127) * scale                                         (unpack4x8snorm x scale).
 *
 * So each value is within scale / 254 of the original (half a code step), and a row's largest value is exact.
 * An all-zero row has scale 0 and codes 0.
 */

export interface KvRowsQ8 {
  /** int8 codes, same order as the input. */
  readonly codes: Int8Array;
  /** One absmax per row of `headDim` values. */
  readonly scales: Float64Array;
}

/** Quantises `values` (whole rows of `headDim`) as the q8 cache stores them. */
export function quantizeKvRowsQ8(values: ArrayLike<number>, headDim: number): KvRowsQ8 {
  if (values.length % headDim !== 0) throw new RangeError(`${values.length} values are not whole rows of ${headDim}`);
  const rows = values.length / headDim;
  const codes = new Int8Array(values.length);
  const scales = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let absmax = 0;
    for (let e = 0; e < headDim; e++) absmax = Math.max(absmax, Math.abs(values[r * headDim + e]));
    scales[r] = absmax;
    const inverse = absmax > 0 ? 1 / absmax : 0;
    for (let e = 0; e < headDim; e++) {
      const x = Math.min(1, Math.max(-1, values[r * headDim + e] * inverse));
      codes[r * headDim + e] = Math.floor(0.5 + 127 * x);
    }
  }
  return { codes, scales };
}

/** The values attention reads back from q8 rows. */
export function dequantizeKvRowsQ8({ codes, scales }: KvRowsQ8, headDim: number): Float64Array {
  const out = new Float64Array(codes.length);
  for (let i = 0; i < codes.length; i++) out[i] = Math.max(-1, codes[i] / 127) * scales[Math.floor(i / headDim)];
  return out;
}

/** quantise then dequantise: what a q8 cache makes of `values`. */
export function roundTripKvQ8(values: ArrayLike<number>, headDim: number): Float64Array {
  return dequantizeKvRowsQ8(quantizeKvRowsQ8(values, headDim), headDim);
}
