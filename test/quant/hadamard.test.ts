/**
 * src/quant/hadamard.ts, the reference of the -had rotation: block sizes, the known small Hadamard matrices,
 * orthogonality of R, fwht applied twice = block x identity, the block-diagonal case (K not a power of two),
 * rotateRows = x R by its definition, and the invariance the method rests on: (x R)(W R)^T = x W^T.
 */
import { describe, expect, it } from 'vitest';
import {
  HADAMARD_SEED,
  fwht,
  hadamardBlockSize,
  hash32,
  rotateRows,
  rotationMatrix,
  rotationSigns,
} from '../../src/quant/hadamard';
import { makeRng } from './prng';

const rng = makeRng(0x4ada);
const randomRows = (rows: number, cols: number) =>
  Float32Array.from({ length: rows * cols }, () => rng.normal() * (rng.next() < 0.05 ? 20 : 1));

function matmulRight(x: Float32Array, rows: number, r: Float64Array, k: number): Float64Array {
  const out = new Float64Array(rows * k);
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let t = 0; t < k; t++) s += x[i * k + t] * r[t * k + j];
      out[i * k + j] = s;
    }
  return out;
}

describe('Hadamard rotation reference', () => {
  it('picks the largest power of two dividing K as the block', () => {
    expect([1, 2, 3, 64, 96, 192, 256, 384, 1536, 1000].map(hadamardBlockSize)).toEqual([
      1, 2, 1, 64, 32, 64, 256, 128, 512, 8,
    ]);
    expect(() => hadamardBlockSize(0)).toThrow(RangeError);
    expect(() => hadamardBlockSize(2.5)).toThrow(RangeError);
  });

  it('fwht gives the known H2 and H4 (Sylvester order)', () => {
    const h2 = [
      [1, 1],
      [1, -1],
    ];
    const h4 = [
      [1, 1, 1, 1],
      [1, -1, 1, -1],
      [1, 1, -1, -1],
      [1, -1, -1, 1],
    ];
    for (const h of [h2, h4])
      for (let i = 0; i < h.length; i++) {
        const e = new Float64Array(h.length);
        e[i] = 1;
        fwht(e);
        expect(Array.from(e)).toEqual(h[i]);
      }
    expect(() => fwht(new Float64Array(6), 4)).toThrow(/power of two dividing/);
    expect(() => fwht(new Float64Array(6), 3)).toThrow(/power of two/);
  });

  it('fwht twice is block x identity (an involution up to scale), blocks independent', () => {
    const v = Float64Array.from({ length: 192 }, () => rng.normal());
    const w = Float64Array.from(v);
    fwht(w, 64);
    fwht(w, 64);
    for (let i = 0; i < v.length; i++) expect(w[i]).toBeCloseTo(64 * v[i], 9);
    // Block-diagonal: changing block 1 leaves blocks 0 and 2 of the transform alone.
    const a = Float64Array.from(v);
    const b = Float64Array.from(v);
    b[64 + 5] += 1;
    fwht(a, 64);
    fwht(b, 64);
    for (let i = 0; i < 192; i++) if (i < 64 || i >= 128) expect(b[i]).toBe(a[i]);
  });

  it('signs are a fixed hash of (seed, column): ±1, about half negative, different for another seed', () => {
    // hash32 in u32 arithmetic equals the same steps in exact BigInt arithmetic mod 2^32 (what WGSL and Python do).
    const big = (v: number) => {
      const m = (1n << 32n) - 1n;
      let h = BigInt(v);
      h ^= h >> 16n;
      h = (h * 0x7feb352dn) & m;
      h ^= h >> 15n;
      h = (h * 0x846ca68bn) & m;
      h ^= h >> 16n;
      return Number(h);
    };
    for (const v of [0, 1, 2, 0xffffffff, HADAMARD_SEED, HADAMARD_SEED + 4095, 123456789])
      expect(hash32(v)).toBe(big(v));
    const d = rotationSigns(4096);
    expect(d.every((s) => s === 1 || s === -1)).toBe(true);
    const negative = d.filter((s) => s < 0).length;
    expect(negative).toBeGreaterThan(1900);
    expect(negative).toBeLessThan(2200);
    expect(rotationSigns(64, HADAMARD_SEED + 1)).not.toEqual(rotationSigns(64));
    expect(rotationSigns(64)).toEqual(rotationSigns(128).subarray(0, 64));
  });

  it.each([1, 8, 64, 96, 192, 256])('R is orthogonal for K = %i', (k) => {
    const r = rotationMatrix(k);
    for (let i = 0; i < k; i++)
      for (let j = 0; j < k; j++) {
        let s = 0;
        for (let t = 0; t < k; t++) s += r[i * k + t] * r[j * k + t];
        expect(Math.abs(s - (i === j ? 1 : 0))).toBeLessThan(1e-12);
      }
  });

  it('R is block diagonal with the block of K (K = 192: three 64 x 64 blocks)', () => {
    const r = rotationMatrix(192);
    for (let i = 0; i < 192; i++)
      for (let j = 0; j < 192; j++)
        if (Math.floor(i / 64) !== Math.floor(j / 64)) expect(r[i * 192 + j]).toBe(0);
        else expect(Math.abs(r[i * 192 + j])).toBeCloseTo(1 / 8, 12);
  });

  it.each([
    [3, 64],
    [5, 96],
    [2, 192],
    [4, 7],
  ])('rotateRows of %i x %i rows is x R (by the definition of R), to f32 rounding', (rows, k) => {
    const x = randomRows(rows, k);
    const expected = matmulRight(x, rows, rotationMatrix(k), k);
    const actual = rotateRows(x, rows, k);
    for (let i = 0; i < expected.length; i++)
      expect(Math.abs(actual[i] - expected[i])).toBeLessThanOrEqual(Math.abs(expected[i]) * 2 ** -23 + 1e-12);
  });

  it('preserves row norms and Linear outputs: (x R)(W R)^T = x W^T', () => {
    const k = 192;
    const x = randomRows(4, k);
    const w = randomRows(6, k);
    const xr = rotateRows(x, 4, k);
    const wr = rotateRows(w, 6, k);
    for (let i = 0; i < 4; i++) {
      let n0 = 0;
      let n1 = 0;
      for (let t = 0; t < k; t++) {
        n0 += x[i * k + t] ** 2;
        n1 += xr[i * k + t] ** 2;
      }
      expect(n1 / n0).toBeCloseTo(1, 5);
      for (let j = 0; j < 6; j++) {
        let y0 = 0;
        let y1 = 0;
        for (let t = 0; t < k; t++) {
          y0 += x[i * k + t] * w[j * k + t];
          y1 += xr[i * k + t] * wr[j * k + t];
        }
        expect(Math.abs(y1 - y0)).toBeLessThan(1e-4 * Math.sqrt(n0) * 10);
      }
    }
    expect(() => rotateRows(x, 3, k)).toThrow(/not 3 x 192/);
  });

  it('spreads an outlier channel over the block (what makes activations quantise better)', () => {
    const x = new Float32Array(64).fill(0.01);
    x[7] = 50;
    const xr = rotateRows(x, 1, 64);
    const max = (v: Float32Array) => v.reduce((m, t) => Math.max(m, Math.abs(t)), 0);
    expect(max(x)).toBe(50);
    expect(max(xr)).toBeLessThan(50 / 8 + 0.1);
  });
});
