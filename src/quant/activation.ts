/**
 * Activation fake quantization (quantize then dequantize, values stay f32), the reference for the activation
 * quantization kernels. All arithmetic is f32, one rounding per operation (Math.fround), like WGSL:
 *  - INT k: symmetric restricted range, qmax = 2^(k-1) - 1 (so -qmax..qmax, zero exactly representable and the
 *    range symmetric, as in SmoothQuant / LLM.int8): s = absmax / qmax,
 *    y = clamp(round_half_even(x / s), -qmax, qmax) * s.
 *  - FP8 e4m3 / e5m2: s = absmax / maxFinite, y = decode(quantizeToFp(x / s)) * s (saturating).
 *  - per token: absmax of each row (dynamic); per tensor: the given static scale, values beyond the range
 *    saturate. A row (or tensor) whose scale is 0 outputs zeros. `none` returns a copy.
 * Note for kernels: WGSL f32 division is only accurate to 2.5 ulp, so a kernel that divides may differ from
 * this reference by one code on rare ties; multiply by a precomputed reciprocal only if the reference does too.
 */
import { FP_SPECS, decodeFp, type ActivationFormat, type ActivationScaling } from './formats';
import { QuantizationError } from './errors';
import { quantizeToFp } from './fpGrid';
import { roundHalfEven } from './rounding';

/** Largest quantized magnitude: qmax for INT, maxFinite for FP. */
export function activationQmax(format: ActivationFormat): number {
  if (format.kind === 'none')
    throw new QuantizationError("activation format 'none' has no scale; pick an int or fp format");
  return format.kind === 'int' ? 2 ** (format.bits - 1) - 1 : FP_SPECS[format.name].maxFinite;
}

export function fakeQuantActivations(
  x: Float32Array,
  tokens: number,
  cols: number,
  format: ActivationFormat,
  scaling: ActivationScaling,
): Float32Array {
  if (!Number.isInteger(tokens) || !Number.isInteger(cols) || tokens < 1 || cols < 1 || x.length !== tokens * cols) {
    throw new QuantizationError(
      `activations have ${x.length} values for shape ${tokens}x${cols}; pass a row-major [tokens, cols] array`,
    );
  }
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i])) {
      throw new QuantizationError(
        `activation at token ${Math.floor(i / cols)}, col ${i % cols} is ${x[i]}; find the op that overflowed upstream`,
      );
    }
  }
  if (format.kind === 'none') return x.slice();
  const qmax = activationQmax(format);
  let tensorScale = 0;
  if (scaling.kind === 'tensor') {
    if (!(Number.isFinite(scaling.scale) && scaling.scale >= 0)) {
      throw new QuantizationError(
        `per-tensor activation scale ${scaling.scale} must be finite and >= 0; calibrate it with calibrateActivationScale`,
      );
    }
    tensorScale = Math.fround(scaling.scale);
  }
  const quantize = format.kind === 'int' ? intFakeQuant(qmax) : fpFakeQuant(format.name);
  const y = new Float32Array(x.length);
  for (let t = 0; t < tokens; t++) {
    const base = t * cols;
    let scale = tensorScale;
    if (scaling.kind === 'token') {
      let absmax = 0;
      for (let k = 0; k < cols; k++) absmax = Math.max(absmax, Math.abs(x[base + k]));
      scale = Math.fround(absmax / qmax);
    }
    if (scale === 0) continue; // zeros
    for (let k = 0; k < cols; k++) y[base + k] = quantize(x[base + k], scale);
  }
  return y;
}

function intFakeQuant(qmax: number): (v: number, scale: number) => number {
  return (v, scale) => {
    const q = roundHalfEven(Math.fround(v / scale));
    return Math.fround((q > qmax ? qmax : q < -qmax ? -qmax : q) * scale);
  };
}

function fpFakeQuant(name: 'e4m3' | 'e5m2'): (v: number, scale: number) => number {
  const spec = FP_SPECS[name];
  return (v, scale) => Math.fround(decodeFp(spec, quantizeToFp(spec, Math.fround(v / scale))) * scale);
}

/** Static per-tensor scale from calibration samples: absmax over all samples / qmax (f32). */
export function calibrateActivationScale(samples: readonly Float32Array[], format: ActivationFormat): number {
  const qmax = activationQmax(format);
  let absmax = 0;
  for (const sample of samples) {
    for (let i = 0; i < sample.length; i++) {
      const a = Math.abs(sample[i]);
      if (!Number.isFinite(a))
        throw new QuantizationError(
          `calibration sample value ${sample[i]} is not finite; drop the sample or fix its source`,
        );
      if (a > absmax) absmax = a;
    }
  }
  if (absmax === 0)
    throw new QuantizationError('calibration samples are empty or all zero; run the model on real inputs to calibrate');
  return Math.fround(absmax / qmax);
}
