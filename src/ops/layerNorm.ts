/**
 * Reference of LayerNormModulateKernel: LayerNorm without affine weights over the last dimension (biased
 * variance, like torch.nn.functional.layer_norm), optionally fused with adaLN modulation
 *   y = (x - mean) / sqrt(var + eps) * (1 + scale[sample]) + shift[sample].
 * Computed in f64 with two passes (mean, then squared deviations).
 */
import { sampleVectorIndex, type SampleVectorLayout } from './sampleVectors';

export interface Modulation {
  /** Flat array holding the per-sample scale and shift vectors (e.g. a model's adaLN output [B, 6C]). */
  readonly values: ArrayLike<number>;
  readonly scale: SampleVectorLayout;
  readonly shift: SampleVectorLayout;
  readonly tokensPerSample: number;
}

export function layerNormModulateRef(
  x: ArrayLike<number>,
  rows: number,
  channels: number,
  eps: number,
  modulation?: Modulation,
): Float64Array {
  const y = new Float64Array(rows * channels);
  for (let r = 0; r < rows; r++) {
    const base = r * channels;
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += x[base + c];
    const mean = sum / channels;
    let squares = 0;
    for (let c = 0; c < channels; c++) squares += (x[base + c] - mean) ** 2;
    const invStd = 1 / Math.sqrt(squares / channels + eps);
    for (let c = 0; c < channels; c++) {
      let v = (x[base + c] - mean) * invStd;
      if (modulation) {
        const { values, scale, shift, tokensPerSample } = modulation;
        v =
          v * (1 + values[sampleVectorIndex(scale, tokensPerSample, r, c)]) +
          values[sampleVectorIndex(shift, tokensPerSample, r, c)];
      }
      y[base + c] = v;
    }
  }
  return y;
}
