/**
 * Per-format element codec for weights: the value of every code, and code selection against a STORED (f16)
 * scale and offset. Dequantisation is value(code) * scale + offset evaluated in f32 one operation at a time
 * (Math.fround after the multiply and after the add), which is what the WGSL dequant kernels compute, so the
 * reference and the GPU agree bit for bit (kernels must not contract it into an fma).
 */
import { FP_SPECS, codeBits, codeValue, type FpSpec, type WeightFormat } from './formats';
import { quantizeToFp } from './fpGrid';
import { roundHalfEven } from './rounding';

export interface WeightCodec {
  readonly format: WeightFormat;
  readonly bits: number;
  /** value(code) for every code, NaN/±Infinity for special FP codes (never produced by encode). */
  readonly values: Float64Array;
  /** Code whose value is 0 (used by all-zero groups and scale-0 groups). */
  readonly zeroCode: number;
  /** Code for weight w given the stored scale and offset (scale 0 gives zeroCode). Arithmetic in f64. */
  encode(w: number, scale: number, offset: number): number;
}

export function makeCodec(format: WeightFormat): WeightCodec {
  const bits = codeBits(format);
  const values = new Float64Array(1 << bits);
  for (let code = 0; code < values.length; code++) values[code] = codeValue(format, code);
  if (format.kind === 'fp') return fpCodec(format, FP_SPECS[format.name], values);
  const levels = 1 << bits;
  if (format.symmetric) {
    // Full signed range: value = code - half covers -half .. half-1.
    const half = levels >> 1;
    return {
      format,
      bits,
      values,
      zeroCode: half,
      encode: (w, scale) => (scale === 0 ? half : clamp(roundHalfEven(w / scale), -half, half - 1) + half),
    };
  }
  return {
    format,
    bits,
    values,
    zeroCode: 0,
    encode: (w, scale, offset) => (scale === 0 ? 0 : clamp(roundHalfEven((w - offset) / scale), 0, levels - 1)),
  };
}

function fpCodec(format: WeightFormat, spec: FpSpec, values: Float64Array): WeightCodec {
  return {
    format,
    bits: spec.bits,
    values,
    zeroCode: 0,
    encode: (w, scale) => (scale === 0 ? 0 : quantizeToFp(spec, w / scale)),
  };
}

/** The dequantised f32 value, exactly as the GPU computes it. */
export function dequantValue(value: number, scale: number, offset: number): number {
  return Math.fround(Math.fround(value * scale) + offset);
}

function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}
