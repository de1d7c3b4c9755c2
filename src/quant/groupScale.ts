/**
 * How a group's f16 scale (and offset) is chosen. Codes are then picked against these STORED values, so
 * dequantizeWeight(quantizeWeight(w)) is the reference every kernel compares with.
 *
 *  - INT symmetric, b bits, half = 2^(b-1): full signed range [-half, half-1], scale = max(-min/half,
 *    max/(half-1)) so that both ends of the group are reachable, rounded UP to f16 so the range still covers it.
 *  - INT asymmetric: offset = largest f16 <= min, scale = f16 rounded up of (max - offset) / (2^b - 1).
 *  - FP: scale = f16 rounded up of absmax / maxFinite.
 *  - Clipping ratio r (< 1 clips the outliers): the same rules applied to r*min and r*max.
 *  - All-equal groups (see fitConstantGroup): zero gives scale 0; otherwise the scale (and code) that
 *    reproduce the constant as closely as f16 allows, exactly whenever some code value times an f16 scale
 *    (plus the f16 offset) equals it in f32.
 *  - A scale or offset beyond f16 (|w| above about 65504 * qmax) throws: no f16 can hold it. A scale below the
 *    f16 normals is fine (round-up lands on an f16 subnormal, never on 0 for a nonzero group).
 */
import { FP_SPECS, type WeightFormat } from './formats';
import { QuantizationError } from './errors';
import { f16BitsRoundDown, f16BitsRoundUp, f16BitsToF32, f32ToF16Bits, isF16Finite } from './f16';
import { dequantValue, type WeightCodec } from './codec';

export interface GroupScale {
  /** f16 bit patterns. */
  readonly scaleBits: number;
  readonly offsetBits: number;
  readonly scale: number;
  readonly offset: number;
}

export function groupScale(format: WeightFormat, min: number, max: number, ratio: number, where: string): GroupScale {
  const lo = ratio * min;
  const hi = ratio * max;
  let offsetBits = 0;
  let needed: number;
  if (format.kind === 'fp') {
    needed = Math.max(Math.abs(lo), Math.abs(hi)) / FP_SPECS[format.name].maxFinite;
  } else if (format.symmetric) {
    const half = 2 ** (format.bits - 1);
    needed = Math.max(-lo / half, hi / (half - 1), 0);
  } else {
    offsetBits = f16BitsRoundDown(lo) & (lo === 0 ? 0x7fff : 0xffff); // -0 offset stored as +0
    if (!isF16Finite(offsetBits)) throw overflow('offset', lo, where);
    needed = (hi - f16BitsToF32(offsetBits)) / (2 ** format.bits - 1);
  }
  const scaleBits = f16BitsRoundUp(needed);
  if (!isF16Finite(scaleBits)) throw overflow('scale', needed, where);
  if (scaleBits === 0 && needed > 0) {
    // Unreachable with round-up, kept so a future rounding change cannot silently zero a live group.
    throw new QuantizationError(`scale ${needed} of ${where} rounds to 0 in f16; the group would decode to zeros`);
  }
  return { scaleBits, offsetBits, scale: f16BitsToF32(scaleBits), offset: f16BitsToF32(offsetBits) };
}

function overflow(what: string, value: number, where: string): QuantizationError {
  return new QuantizationError(
    `${what} ${value} of ${where} exceeds the f16 range (max 65504): the weights are too large for this format; ` +
      'rescale the layer (fold a factor into a neighbouring op) or pick a format with a larger range',
  );
}

/** Scale, offset and the single code for a group whose elements all equal c. */
export function fitConstantGroup(codec: WeightCodec, c: number, where: string): GroupScale & { readonly code: number } {
  if (c === 0) return { scaleBits: 0, offsetBits: 0, scale: 0, offset: 0, code: codec.zeroCode };
  let offsetBits = 0;
  let offset = 0;
  let target = c;
  if (codec.format.kind === 'int' && !codec.format.symmetric) {
    offsetBits = f16BitsRoundDown(c);
    if (!isF16Finite(offsetBits)) throw overflow('offset', c, where);
    offset = f16BitsToF32(offsetBits);
    target = c - offset; // >= 0, exact in f64
    if (target === 0) return { scaleBits: 0, offsetBits, scale: 0, offset, code: 0 };
  }
  // Best of: the zero code with scale 0, or any code v paired with the nearest f16 to target / v.
  let best = { scaleBits: 0, offsetBits, scale: 0, offset, code: codec.zeroCode };
  let bestError = Math.abs(dequantValue(0, 0, offset) - c);
  for (let code = 0; code < codec.values.length; code++) {
    const v = codec.values[code];
    if (!Number.isFinite(v) || v === 0 || Math.sign(v) !== Math.sign(target)) continue;
    const scaleBits = f32ToF16Bits(target / v);
    if (!isF16Finite(scaleBits)) continue;
    const scale = f16BitsToF32(scaleBits);
    const error = Math.abs(dequantValue(v, scale, offset) - c);
    if (error < bestError) {
      bestError = error;
      best = { scaleBits, offsetBits, scale, offset, code };
    }
  }
  if (best.scale === 0 && Math.abs(c) > 65504) throw overflow('scale', c, where);
  return best;
}
