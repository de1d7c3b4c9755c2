import { describe, expect, it } from 'vitest';
import { FP_NAMES, FP_SPECS, QuantizationError, decodeFp, fpGridValues, quantizeToFp } from '../../src/quant';
import { naiveQuantizeToFp } from './naive';
import { makeRng } from './prng';

describe('FP element formats', () => {
  it('decode known values of the OCP MX formats', () => {
    const e2m1 = FP_SPECS.e2m1;
    expect(Array.from({ length: 8 }, (_, c) => decodeFp(e2m1, c))).toEqual([0, 0.5, 1, 1.5, 2, 3, 4, 6]);
    expect(Array.from({ length: 8 }, (_, c) => decodeFp(e2m1, 8 + c))).toEqual([-0, -0.5, -1, -1.5, -2, -3, -4, -6]);
    expect(decodeFp(FP_SPECS.e4m3, 0x7e)).toBe(448);
    expect(Number.isNaN(decodeFp(FP_SPECS.e4m3, 0x7f))).toBe(true);
    expect(decodeFp(FP_SPECS.e4m3, 0x01)).toBe(2 ** -9);
    expect(decodeFp(FP_SPECS.e4m3, 0x08)).toBe(2 ** -6);
    expect(decodeFp(FP_SPECS.e5m2, 0x7b)).toBe(57344);
    expect(decodeFp(FP_SPECS.e5m2, 0x7c)).toBe(Infinity);
    expect(decodeFp(FP_SPECS.e5m2, 0x01)).toBe(2 ** -16);
    expect(decodeFp(FP_SPECS.e3m2, 0x1f)).toBe(28);
    expect(decodeFp(FP_SPECS.e3m2, 0x01)).toBe(0.0625);
    expect(decodeFp(FP_SPECS.e2m3, 0x1f)).toBe(7.5);
    expect(decodeFp(FP_SPECS.e2m3, 0x01)).toBe(0.125);
  });

  it('have the expected number of distinct finite values, symmetric, topped by maxFinite', () => {
    // 2^bits codes, minus one duplicate zero, minus the specials: E4M3 two NaNs, E5M2 8 codes with exponent 31.
    const expected = { e4m3: 253, e5m2: 247, e3m2: 63, e2m3: 63, e2m1: 15 };
    for (const name of FP_NAMES) {
      const grid = fpGridValues(FP_SPECS[name]);
      expect(grid.length, name).toBe(expected[name]);
      expect(grid[grid.length - 1]).toBe(FP_SPECS[name].maxFinite);
      expect(
        grid
          .map((v) => -v)
          .reverse()
          .map((v) => v + 0),
      ).toEqual(grid);
      for (let i = 1; i < grid.length; i++) expect(grid[i]).toBeGreaterThan(grid[i - 1]);
    }
  });

  it('quantizeToFp encodes every grid value to a code that decodes back to it', () => {
    for (const name of FP_NAMES) {
      const spec = FP_SPECS[name];
      for (const v of fpGridValues(spec)) expect(decodeFp(spec, quantizeToFp(spec, v)), `${name} ${v}`).toBe(v);
    }
  });

  it('quantizeToFp picks the nearest value, ties to the even code, like an exhaustive search', () => {
    const seed = 3301;
    const rng = makeRng(seed);
    for (const name of FP_NAMES) {
      const spec = FP_SPECS[name];
      const grid = fpGridValues(spec);
      const inputs: number[] = [];
      // Every midpoint between neighbours (the ties), points just either side of them, and random values
      // from far below the smallest subnormal to beyond maxFinite.
      for (let i = 1; i < grid.length; i++) {
        const mid = (grid[i - 1] + grid[i]) / 2;
        inputs.push(mid, mid * (1 + 1e-12), mid * (1 - 1e-12));
      }
      for (let i = 0; i < 3000; i++)
        inputs.push((rng.next() < 0.5 ? -1 : 1) * spec.maxFinite * 2 ** (rng.next() * 24 - 22));
      for (const x of inputs) {
        expect(quantizeToFp(spec, x), `seed ${seed}, ${name}, x=${x}`).toBe(naiveQuantizeToFp(spec, x));
      }
    }
  });

  it('ties to even on known cases, saturates without NaN/Inf codes, and maps -0 to +0', () => {
    const e2m1 = FP_SPECS.e2m1;
    expect(decodeFp(e2m1, quantizeToFp(e2m1, 0.25))).toBe(0); // between 0 (code 0) and 0.5 (code 1)
    expect(decodeFp(e2m1, quantizeToFp(e2m1, 1.25))).toBe(1); // between 1 (code 2) and 1.5 (code 3)
    expect(decodeFp(e2m1, quantizeToFp(e2m1, 1.75))).toBe(2); // binade boundary: 1.5 (code 3) and 2 (code 4)
    expect(decodeFp(e2m1, quantizeToFp(e2m1, 2.5))).toBe(2);
    expect(decodeFp(e2m1, quantizeToFp(e2m1, 5))).toBe(4); // 4 (code 6) vs 6 (code 7)
    expect(decodeFp(e2m1, quantizeToFp(e2m1, -5))).toBe(-4);
    expect(quantizeToFp(e2m1, -0)).toBe(0);
    expect(quantizeToFp(e2m1, -0.1)).toBe(0);
    expect(quantizeToFp(FP_SPECS.e4m3, 1e9)).toBe(0x7e);
    expect(quantizeToFp(FP_SPECS.e4m3, 464)).toBe(0x7e); // would round to 480 (the NaN code) without saturation
    expect(quantizeToFp(FP_SPECS.e4m3, -Infinity)).toBe(0xfe);
    expect(quantizeToFp(FP_SPECS.e5m2, 61440)).toBe(0x7b); // would round to Infinity
    expect(quantizeToFp(FP_SPECS.e5m2, 2 ** -17)).toBe(0); // half the smallest subnormal: tie to zero
    expect(quantizeToFp(FP_SPECS.e5m2, 3 * 2 ** -17)).toBe(2); // 1.5 subnormal units: tie to even (2)
    expect(() => quantizeToFp(e2m1, NaN)).toThrow(QuantizationError);
  });
});
