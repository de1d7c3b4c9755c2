/**
 * IEEE binary16 conversions. Scales and offsets of packed weights are stored as f16 bit patterns and read on the
 * GPU with unpack2x16float, so these must agree with the hardware conversion bit for bit.
 *
 * Inputs are JS numbers but are treated as f32: f32ToF16Bits first rounds to f32 (Math.fround), then rounds
 * that f32 to f16, exactly what a GPU does with an f32 register. (Rounding an f64 straight to f16 can differ
 * from this in rare double-rounding cases; we deliberately follow the f32 path.)
 */

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

export const F16_MAX = 65504;
export const F16_INFINITY_BITS = 0x7c00;

/** f32 -> f16 bits, round-to-nearest-even, subnormals exact, overflow to ±Infinity, NaN stays a quiet NaN. */
export function f32ToF16Bits(x: number): number {
  f32Scratch[0] = x;
  const b = u32Scratch[0];
  const sign = (b >>> 16) & 0x8000;
  const exp32 = (b >>> 23) & 0xff;
  const man32 = b & 0x7fffff;
  if (exp32 === 0xff) return sign | 0x7c00 | (man32 !== 0 ? 0x200 | (man32 >>> 13) : 0);
  const exp16 = exp32 - 127 + 15;
  if (exp16 >= 0x1f) return sign | 0x7c00;
  if (exp16 <= 0) {
    // f16 subnormal (or zero): the result counts units of 2^-24. Below 2^-25 everything rounds to zero; f32
    // subnormals (exp32 = 0) are far below that too.
    if (exp16 < -10) return sign;
    const mant = man32 | 0x800000; // 24 significant bits
    const shift = 14 - exp16; // 14 .. 24
    return sign | roundShiftHalfEven(mant, shift);
  }
  // Normal: keep 10 of the 23 mantissa bits. A carry out of the mantissa correctly bumps the exponent, and a
  // carry out of exponent 30 correctly produces the Infinity pattern 0x7c00.
  return sign | roundShiftHalfEven((exp16 << 23) | man32, 13);
}

/** value >> shift with round-half-to-even on the dropped bits (shift 1..24, value < 2^31). */
function roundShiftHalfEven(value: number, shift: number): number {
  const kept = value >>> shift;
  const dropped = value & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  return dropped > half || (dropped === half && (kept & 1) === 1) ? kept + 1 : kept;
}

/** f16 bits -> the exact value (every f16 is exactly representable in f32 and f64). */
export function f16BitsToF32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >>> 10) & 0x1f;
  const man = bits & 0x3ff;
  if (exp === 0x1f) return man === 0 ? sign * Infinity : NaN;
  if (exp === 0) return sign * man * 2 ** -24;
  return sign * (1 + man / 1024) * 2 ** (exp - 15);
}

/** Nearest f16 value of x (via f32, ties to even). */
export function roundToF16(x: number): number {
  return f16BitsToF32(f32ToF16Bits(x));
}

/**
 * Smallest f16 >= x, as bits (x not NaN). Used for scales: a rounded-up scale keeps the quantization range
 * covering the group. Values above 65504 give the +Infinity pattern, which callers must reject.
 */
export function f16BitsRoundUp(x: number): number {
  const bits = f32ToF16Bits(x);
  const value = f16BitsToF32(bits);
  if (value >= x) return bits;
  // One step towards +Infinity: up in magnitude for positives (and +0), down in magnitude for negatives.
  return bits & 0x8000 ? (bits === 0x8000 ? 0x0001 : bits - 1) : bits + 1;
}

/** Largest f16 <= x, as bits (x not NaN). Used for asymmetric offsets, which must not exceed the group minimum. */
export function f16BitsRoundDown(x: number): number {
  const bits = f32ToF16Bits(x);
  const value = f16BitsToF32(bits);
  if (value <= x) return bits;
  return bits & 0x8000 ? bits + 1 : bits === 0 ? 0x8001 : bits - 1;
}

export function isF16Finite(bits: number): boolean {
  return (bits & 0x7c00) !== 0x7c00;
}
