/** Request and answer of the format explorer's probe (src/engine/quantProbe.ts); the worker protocol carries them. */
import type { Granularity, WeightFormat } from '../quant/formats';

export interface QuantProbeParams {
  format: WeightFormat;
  granularity: Granularity;
  rows: number;
  cols: number;
  /** Tokens multiplied through the fused kernel (1 = GEMV path, more = GEMM path). */
  tokens: number;
  seed: number;
}

export interface QuantProbeResult {
  /** Effective stored bits per weight, scales included. */
  bitsPerWeight: number;
  packedBytes: number;
  f32Bytes: number;
  /** RMS of (dequantised - original) weights over RMS of the weights. */
  weightRelRmse: number;
  /** Fused GPU kernel output against the TypeScript reference on the same packed weights (kernel correctness). */
  kernelMaxRelError: number;
  /** Quantised output against the full-precision output (what quantisation costs). */
  outputRelRmse: number;
  gpuMs: number;
  /** Histogram of original weights of the first group, and the dequantised grid values of that group. */
  histogram: { edges: number[]; counts: number[] };
  grid: number[];
}
