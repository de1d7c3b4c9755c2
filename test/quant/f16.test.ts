import { describe, expect, it } from 'vitest';
import { f16BitsRoundDown, f16BitsRoundUp, f16BitsToF32, f32ToF16Bits, roundToF16 } from '../../src/quant';
import { naiveF16RoundDown, naiveF16RoundUp, naiveF16Value, naiveF32ToF16Bits } from './naive';
import { makeRng } from './prng';

describe('f16 conversion', () => {
  it('matches a table of known values', () => {
    const known: [number, number][] = [
      [0, 0x0000],
      [-0, 0x8000],
      [1, 0x3c00],
      [-2, 0xc000],
      [0.5, 0x3800],
      [65504, 0x7bff],
      [-65504, 0xfbff],
      [2 ** -14, 0x0400], // smallest normal
      [2 ** -24, 0x0001], // smallest subnormal
      [2 ** -14 - 2 ** -24, 0x03ff], // largest subnormal
      [1 / 3, 0x3555],
      [0.1, 0x2e66],
      [Math.PI, 0x4248],
      [Infinity, 0x7c00],
      [-Infinity, 0xfc00],
      [65520, 0x7c00], // halfway to the next (non-existent) binade: ties to even overflows
      [65519.99, 0x7bff],
      [2 ** -25, 0x0000], // exactly half the smallest subnormal: ties to even (zero)
      [2 ** -25 * 1.0000001, 0x0001],
      [-(2 ** -26), 0x8000],
      [1 + 2 ** -11, 0x3c00], // tie between 1 and 1+2^-10: even mantissa
      [1 + 3 * 2 ** -11, 0x3c02], // tie between 1+2^-10 and 1+2^-9: even mantissa
      [2 ** -24 * 1.5, 0x0002], // subnormal tie: 1.5 units -> 2
      [2 ** -24 * 2.5, 0x0002], // subnormal tie: 2.5 units -> 2
    ];
    for (const [x, bits] of known) expect(f32ToF16Bits(x), `f32ToF16Bits(${x})`).toBe(bits);
    for (const [x, bits] of known) {
      if (bits & 0x7c00 || x !== f16BitsToF32(bits)) continue;
      expect(roundToF16(x)).toBe(x);
    }
    expect(f16BitsToF32(0x3c01)).toBe(1 + 2 ** -10);
    expect(f16BitsToF32(0x0001)).toBe(2 ** -24);
    expect(f16BitsToF32(0x7c00)).toBe(Infinity);
    expect(Number.isNaN(f16BitsToF32(0x7e00))).toBe(true);
    expect(Number.isNaN(f16BitsToF32(f32ToF16Bits(NaN)))).toBe(true);
  });

  it('round-trips every one of the 65536 bit patterns (NaNs stay NaN) and decodes them like the generic decoder', () => {
    for (let bits = 0; bits < 0x10000; bits++) {
      const value = f16BitsToF32(bits);
      const isNaN = (bits & 0x7c00) === 0x7c00 && (bits & 0x3ff) !== 0;
      if (isNaN) {
        expect(Number.isNaN(value)).toBe(true);
        expect(Number.isNaN(f16BitsToF32(f32ToF16Bits(value)))).toBe(true);
        continue;
      }
      expect(Object.is(value, naiveF16Value(bits)), `decode 0x${bits.toString(16)}`).toBe(true);
      expect(f32ToF16Bits(value), `0x${bits.toString(16)}`).toBe(bits);
    }
  });

  it('rounds random f32 values like an exhaustive nearest search, ties to even', () => {
    const seed = 1601;
    const rng = makeRng(seed);
    for (let i = 0; i < 20000; i++) {
      // Log-uniform magnitudes from below the subnormals to beyond the f16 range, both signs.
      const x = Math.fround((rng.next() < 0.5 ? -1 : 1) * 2 ** (rng.next() * 48 - 30));
      expect(f32ToF16Bits(x), `seed ${seed}, x=${x}`).toBe(naiveF32ToF16Bits(x));
    }
    // Exact midpoints between neighbouring f16 values (normal and subnormal) are the tie cases.
    for (let i = 0; i < 5000; i++) {
      const bits = rng.int(0, 0x7bfe);
      const mid = (f16BitsToF32(bits) + f16BitsToF32(bits + 1)) / 2;
      expect(f32ToF16Bits(mid), `seed ${seed}, midpoint after 0x${bits.toString(16)}`).toBe(naiveF32ToF16Bits(mid));
      expect(f32ToF16Bits(mid) & 1, 'a tie must land on the even pattern').toBe(0);
    }
  });

  it('rounds up and down to the neighbouring f16 values, including across zero and past 65504', () => {
    const seed = 1602;
    const rng = makeRng(seed);
    const samples = [0, 2 ** -30, -(2 ** -30), 65504, 65504.5, -65504.5, 1, 1 + 2 ** -20, 1e-300, -1e-300];
    for (let i = 0; i < 5000; i++) samples.push((rng.next() < 0.5 ? -1 : 1) * 2 ** (rng.next() * 46 - 28));
    for (const x of samples) {
      const up = f16BitsRoundUp(x);
      const down = f16BitsRoundDown(x);
      expect(f16BitsToF32(up), `seed ${seed}, up(${x})`).toBeGreaterThanOrEqual(x);
      expect(f16BitsToF32(down), `seed ${seed}, down(${x})`).toBeLessThanOrEqual(x);
      expect(f16BitsToF32(up) + 0, `seed ${seed}, up(${x})`).toBe(naiveF16Value(naiveF16RoundUp(x)) + 0); // +0 folds -0
      expect(f16BitsToF32(down) + 0, `seed ${seed}, down(${x})`).toBe(naiveF16Value(naiveF16RoundDown(x)) + 0);
    }
    expect(f16BitsRoundUp(65504.5)).toBe(0x7c00);
    expect(f16BitsRoundDown(-65504.5)).toBe(0xfc00);
    expect(f16BitsRoundUp(1e-300)).toBe(0x0001);
  });
});
