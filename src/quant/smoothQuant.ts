/**
 * SmoothQuant (Xiao et al. 2023): move activation outliers into the weights before quantising both.
 * For a Linear Y = X W^T with W [rows, cols] and calibration absmax a_j = max|X_:,j| per input channel j:
 *
 *   s_j = max(a_j^alpha / max(max_i |W_i,j|, 1e-5)^(1 - alpha), 1e-5)       (f64, then f32)
 *   W'  = W diag(s)          (every column j times s_j, one f32 rounding)
 *   X'  = X diag(s)^-1       (every column j times inv_j = f32(1 / s_j), one f32 rounding)
 *
 * so X' W'^T = X W^T before quantisation. The clamps are the published implementation's (a channel that is
 * zero in calibration, or a weight column of zeros, must not give a zero or infinite factor). The engine
 * quantises W' with the setting's weight quantiser and folds inv into the adaLN modulation before qkv and fc1
 * (src/models/runtime/methodWeights.ts; only those Linears are smoothed). The run-time multiply right before
 * the fake quantisation (ActivationQuantKernel's optional per-channel scale; smoothActivations here) remains
 * as the unfolded reference.
 *
 * We smooth each Linear on its own input (one s per Linear), not one s shared by the Linears that read the
 * same LayerNorm output as the paper's LLM recipe does, because the engine fake-quantises each Linear's input
 * separately anyway.
 */
import { QuantizationError } from './errors';
import { activationQmax } from './activation';
import type { ActivationFormat } from './formats';

/** Lower clamp of the weight column absmax and of s (the published implementation's 1e-5). */
export const SMOOTH_CLAMP = 1e-5;

export interface SmoothedLinear {
  /** W diag(s), row-major [rows, cols] f32. */
  readonly weight: Float32Array;
  /** s per input channel (f32). */
  readonly factors: Float32Array;
  /** f32(1 / s) per input channel: what the activation is multiplied by. */
  readonly inputScale: Float32Array;
}

export function validateAlpha(alpha: number): void {
  if (!(Number.isFinite(alpha) && alpha >= 0 && alpha <= 1)) {
    throw new QuantizationError(
      `SmoothQuant migration strength ${alpha} is outside 0..1; use e.g. 0.5 (the paper's default)`,
    );
  }
}

/** s_j per input channel from the calibration absmax of X's columns and W's column absmax. */
export function smoothingFactors(
  activationAbsMax: Float32Array,
  weight: Float32Array,
  rows: number,
  cols: number,
  alpha: number,
): Float32Array {
  validateAlpha(alpha);
  if (activationAbsMax.length !== cols) {
    throw new QuantizationError(
      `SmoothQuant needs one activation absmax per input channel: got ${activationAbsMax.length} for ${cols} channels; calibrate on this layer's input`,
    );
  }
  if (weight.length !== rows * cols)
    throw new QuantizationError(
      `weight has ${weight.length} values but the shape ${rows}x${cols} needs ${rows * cols}`,
    );
  const weightMax = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < cols; j++) weightMax[j] = Math.max(weightMax[j], Math.abs(weight[r * cols + j]));
  }
  const s = new Float32Array(cols);
  for (let j = 0; j < cols; j++) {
    const a = activationAbsMax[j];
    if (!(Number.isFinite(a) && a >= 0))
      throw new QuantizationError(`activation absmax of channel ${j} is ${a}; calibration must see finite activations`);
    const value = a ** alpha / Math.max(weightMax[j], SMOOTH_CLAMP) ** (1 - alpha);
    s[j] = Math.max(value, SMOOTH_CLAMP);
    if (!Number.isFinite(s[j]))
      throw new QuantizationError(
        `smoothing factor of channel ${j} overflows f32 (activation absmax ${a}); lower alpha`,
      );
  }
  return s;
}

/** W diag(s) and inv = 1/s (f32). */
export function smoothLinear(
  weight: Float32Array,
  rows: number,
  cols: number,
  activationAbsMax: Float32Array,
  alpha: number,
): SmoothedLinear {
  const factors = smoothingFactors(activationAbsMax, weight, rows, cols, alpha);
  const smoothed = new Float32Array(weight.length);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < cols; j++) smoothed[r * cols + j] = weight[r * cols + j] * factors[j];
  }
  const inputScale = new Float32Array(cols);
  for (let j = 0; j < cols; j++) inputScale[j] = 1 / factors[j];
  return { weight: smoothed, factors, inputScale };
}

/** X diag(inv): x [tokens, cols] times inputScale per column, one f32 rounding (what the kernel computes). */
export function smoothActivations(
  x: Float32Array,
  tokens: number,
  cols: number,
  inputScale: Float32Array,
): Float32Array {
  if (x.length !== tokens * cols || inputScale.length !== cols) {
    throw new QuantizationError(
      `smoothActivations: x has ${x.length} values for ${tokens}x${cols} and ${inputScale.length} channel scales; shapes must agree`,
    );
  }
  const y = new Float32Array(x.length);
  for (let t = 0; t < tokens; t++) {
    for (let j = 0; j < cols; j++) y[t * cols + j] = x[t * cols + j] * inputScale[j];
  }
  return y;
}

/**
 * Static per-tensor activation scale of the smoothed input, from the per-channel calibration absmax:
 * max_j f32(a_j * inv_j) / qmax. Equal to calibrateActivationScale on the smoothed samples, because f32
 * rounding of a product is monotone in |x|.
 */
export function smoothedTensorScale(
  activationAbsMax: Float32Array,
  inputScale: Float32Array,
  format: ActivationFormat,
): number {
  let absmax = 0;
  for (let j = 0; j < inputScale.length; j++)
    absmax = Math.max(absmax, Math.fround(activationAbsMax[j] * inputScale[j]));
  if (absmax === 0)
    throw new QuantizationError('calibration activations are all zero; run the model on real inputs to calibrate');
  return Math.fround(absmax / activationQmax(format));
}
