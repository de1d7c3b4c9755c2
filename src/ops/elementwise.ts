/**
 * References of the elementwise kernels: residual add (plain and gated), SiLU, GELU (tanh approximation).
 * f64 math on f32 inputs.
 */
import { sampleVectorIndex, type SampleVectorLayout } from './sampleVectors';

/** x + gate[sample] * y (gated) or x + y, for x, y [rows, channels]. */
export function residualAddRef(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  rows: number,
  channels: number,
  gate?: { readonly values: ArrayLike<number>; readonly layout: SampleVectorLayout; readonly tokensPerSample: number },
): Float64Array {
  const out = new Float64Array(rows * channels);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < channels; c++) {
      const i = r * channels + c;
      const g = gate ? gate.values[sampleVectorIndex(gate.layout, gate.tokensPerSample, r, c)] : 1;
      out[i] = x[i] + g * y[i];
    }
  }
  return out;
}

export function siluRef(x: number): number {
  return x / (1 + Math.exp(-x));
}

/** torch.nn.functional.gelu(x, approximate='tanh'). */
export function geluTanhRef(x: number): number {
  return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
}

export type ActivationName = 'silu' | 'gelu-tanh';

export function activationRef(name: ActivationName, x: ArrayLike<number>): Float64Array {
  const f = name === 'silu' ? siluRef : geluTanhRef;
  return Float64Array.from({ length: x.length }, (_, i) => f(x[i]));
}
