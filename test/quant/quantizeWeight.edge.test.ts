import { describe, expect, it } from 'vitest';
import {
  FP_SPECS,
  QuantizationError,
  codeBits,
  decodeFp,
  dequantizeWeight,
  f16BitsToF32,
  formatName,
  granularityName,
  quantizeWeight,
  roundToF16,
  unpackCode,
  type Granularity,
  type PackedWeight,
  type WeightFormat,
} from '../../src/quant';
import { ALL_GRANULARITIES, ALL_WEIGHT_FORMATS, scaleAt } from './cases';
import { makeRng, randomWeights, type Rng } from './prng';

const CHANNEL: Granularity = { kind: 'channel' };
const G32: Granularity = { kind: 'group', size: 32 };

function allCodes(p: PackedWeight): number[] {
  return Array.from({ length: p.rows * p.cols }, (_, i) =>
    unpackCode(p.codes, Math.floor(i / p.cols), i % p.cols, p.wordsPerRow, p.bits),
  );
}

function shuffled(values: number[], rng: Rng): number[] {
  const out = values.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** Inputs hitting every value of the format's grid exactly once (scaled by a power of two so scales are exact). */
function everyGridValue(format: WeightFormat): number[] {
  if (format.kind === 'fp') {
    const spec = FP_SPECS[format.name];
    const values = new Set<number>();
    for (let code = 0; code < 1 << spec.bits; code++)
      if (Number.isFinite(decodeFp(spec, code))) values.add(decodeFp(spec, code) * 2 ** -3);
    return [...values];
  }
  const levels = 2 ** format.bits;
  if (format.symmetric) return Array.from({ length: levels }, (_, c) => (c - levels / 2) * 2 ** -6);
  return Array.from({ length: levels }, (_, c) => -1 + c * 2 ** -5);
}

describe('quantizeWeight edge cases', () => {
  it('reaches every code of every format (all but NaN/Infinity codes and the FP negative zero)', () => {
    const seed = 7701;
    const rng = makeRng(seed);
    for (const format of ALL_WEIGHT_FORMATS) {
      const bits = codeBits(format);
      const expected: number[] = [];
      for (let code = 0; code < 2 ** bits; code++) {
        if (format.kind === 'fp') {
          const v = decodeFp(FP_SPECS[format.name], code);
          if (!Number.isFinite(v) || Object.is(v, -0)) continue;
        }
        expected.push(code);
      }
      const values = shuffled(everyGridValue(format), rng);
      for (const granularity of [CHANNEL, { kind: 'tensor' } as const]) {
        // Two rows with the same values: per-tensor and per-channel scales then agree.
        const w = new Float32Array([...values, ...values]);
        const p = quantizeWeight(w, 2, values.length, format, granularity);
        const where = `seed ${seed}, ${formatName(format)} ${granularityName(granularity)}`;
        expect(
          [...new Set(allCodes(p))].sort((a, b) => a - b),
          where,
        ).toEqual(expected);
        expect(Array.from(dequantizeWeight(p)), `${where}: the grid itself is reproduced exactly`).toEqual(
          Array.from(w).map((v) => v + 0),
        );
      }
    }
  });

  it('rounds exact ties (w/s halfway between two codes) to the even code', () => {
    const seed = 7707;
    const rng = makeRng(seed);
    for (const format of ALL_WEIGHT_FORMATS) {
      // The grid itself pins the scale to a power of two; every midpoint between neighbours is then a tie.
      const grid = everyGridValue(format).sort((a, b) => a - b);
      const midpoints = grid.slice(1).map((v, i) => (grid[i] + v) / 2);
      const values = shuffled([...grid, ...midpoints], rng);
      const w = new Float32Array(values);
      const p = quantizeWeight(w, 1, values.length, format, CHANNEL);
      const codes = allCodes(p);
      const d = dequantizeWeight(p);
      const where = `seed ${seed}, ${formatName(format)}`;
      expect(
        midpoints.every((m) => Math.fround(m) === m),
        'midpoints are exact f32 values',
      ).toBe(true);
      for (let i = 0; i < values.length; i++) {
        if (!midpoints.includes(values[i])) continue;
        expect(codes[i] % 2, `${where}: tie ${values[i]} must take the even code`).toBe(0);
      }
      // The even code is one of the two neighbours, i.e. still nearest.
      const neighbours = (x: number) => [grid.filter((g) => g < x).pop(), grid.find((g) => g > x)];
      for (let i = 0; i < values.length; i++)
        if (midpoints.includes(values[i])) expect(neighbours(values[i]), where).toContain(d[i]);
    }
  });

  it('keeps all-zero matrices and zero rows exactly zero', () => {
    const seed = 7702;
    const w = randomWeights(makeRng(seed), 7, 45);
    w.fill(0, 0, 45); // row 0
    w.fill(0, 3 * 45, 4 * 45); // row 3
    for (const format of ALL_WEIGHT_FORMATS) {
      for (const granularity of ALL_GRANULARITIES) {
        const where = `seed ${seed}, ${formatName(format)} ${granularityName(granularity)}`;
        const zeros = quantizeWeight(new Float32Array(7 * 45), 7, 45, format, granularity);
        expect(
          dequantizeWeight(zeros).every((v) => Object.is(v, 0)),
          where,
        ).toBe(true);
        expect(
          zeros.scales.every((s) => s === 0),
          where,
        ).toBe(true);
        // A zero row is its own group except per tensor, where only asymmetric INT may miss exact zero.
        if (granularity.kind === 'tensor' && format.kind === 'int' && !format.symmetric) continue;
        const d = dequantizeWeight(quantizeWeight(w, 7, 45, format, granularity));
        for (const row of [0, 3])
          expect(
            Array.from(d.subarray(row * 45, row * 45 + 45)).every((v) => v === 0),
            `${where}, row ${row}`,
          ).toBe(true);
      }
    }
  });

  it('reproduces all-equal groups exactly when the constant is an f16 value, else to f16 precision', () => {
    const seed = 7703;
    const rng = makeRng(seed);
    for (const exactF16 of [true, false]) {
      // One constant per row, both signs, magnitudes 2^-4 .. 2^4.
      const constants = Array.from({ length: 5 }, () => {
        const c = Math.fround((rng.next() < 0.5 ? -1 : 1) * 2 ** (rng.next() * 8 - 4));
        return exactF16 ? roundToF16(c) : c;
      });
      const w = new Float32Array(5 * 40).map((_, i) => constants[Math.floor(i / 40)]);
      for (const format of ALL_WEIGHT_FORMATS) {
        for (const granularity of [CHANNEL, G32]) {
          const where = `seed ${seed}, ${formatName(format)} ${granularityName(granularity)}, f16 constants: ${exactF16}`;
          const d = dequantizeWeight(quantizeWeight(w, 5, 40, format, granularity));
          for (let i = 0; i < w.length; i++) {
            const c = w[i];
            if (exactF16) expect(d[i], `${where}, element ${i}`).toBe(c);
            else
              expect(Math.abs(d[i] - c), `${where}, element ${i}`).toBeLessThanOrEqual(
                2 ** -11 * Math.abs(c) + 2 ** -25,
              );
          }
        }
      }
    }
  });

  it('quantizes a single nonzero among zeros to within one f16 step of its scale, leaving the zeros exact (symmetric, FP)', () => {
    const seed = 7704;
    const rng = makeRng(seed);
    for (const format of ALL_WEIGHT_FORMATS) {
      if (format.kind === 'int' && !format.symmetric) continue;
      // The value maps to the top of the grid, so its error is at most (largest grid value) x (one f16 step of
      // the scale): 2^-10 relative for a normal f16 scale, 2^-24 absolute for a subnormal one (E5M2's
      // absmax/57344 is subnormal for weights below about 3.5).
      const top = format.kind === 'fp' ? FP_SPECS[format.name].maxFinite : 2 ** (format.bits - 1);
      for (let trial = 0; trial < 4; trial++) {
        const w = new Float32Array(3 * 64);
        const index = rng.int(0, w.length - 1);
        w[index] = (trial % 2 ? -1 : 1) * 2 ** (rng.next() * 10 - 5);
        for (const granularity of [CHANNEL, G32, { kind: 'tensor' } as const]) {
          const where = `seed ${seed}, ${formatName(format)} ${granularityName(granularity)}, w[${index}] = ${w[index]}`;
          const d = dequantizeWeight(quantizeWeight(w, 3, 64, format, granularity));
          expect(Math.abs(d[index] - w[index]), where).toBeLessThanOrEqual(
            Math.max(2 ** -10 * Math.abs(w[index]), top * 2 ** -24),
          );
          expect(
            d.every((v, i) => i === index || v === 0),
            where,
          ).toBe(true);
        }
      }
    }
  });

  it('rejects NaN and infinities with the row and column and a fix', () => {
    for (const bad of [NaN, Infinity, -Infinity]) {
      const w = randomWeights(makeRng(7705), 4, 10);
      w[2 * 10 + 5] = bad;
      expect(() => quantizeWeight(w, 4, 10, { kind: 'int', bits: 4, symmetric: true }, CHANNEL)).toThrow(
        QuantizationError,
      );
      expect(() => quantizeWeight(w, 4, 10, { kind: 'fp', name: 'e4m3' }, G32)).toThrow(
        /row 2, col 5 is (NaN|-?Infinity).*fix the checkpoint/,
      );
    }
  });

  it('rejects invalid shapes', () => {
    const format: WeightFormat = { kind: 'int', bits: 4, symmetric: true };
    expect(() => quantizeWeight(new Float32Array(10), 3, 4, format, CHANNEL)).toThrow(
      /10 values but the shape 3x4 needs 12/,
    );
    expect(() => quantizeWeight(new Float32Array(0), 0, 4, format, CHANNEL)).toThrow(QuantizationError);
    expect(() => quantizeWeight(new Float32Array(6), 4, 1.5, format, CHANNEL)).toThrow(/positive integers/);
    expect(() => quantizeWeight(new Float32Array(4), -2, -2, format, CHANNEL)).toThrow(/positive integers/);
  });

  it('throws when a scale or offset cannot be stored as f16, and accepts values just inside the range', () => {
    const big = (v: number) => new Float32Array([v, 0.5, -0.25, 1]);
    expect(() => quantizeWeight(big(1e5), 1, 4, { kind: 'int', bits: 2, symmetric: true }, CHANNEL)).toThrow(
      /exceeds the f16 range/,
    );
    expect(() => quantizeWeight(big(1e6), 1, 4, { kind: 'fp', name: 'e2m1' }, CHANNEL)).toThrow(
      /scale .* of row 0, cols 0..3 exceeds/,
    );
    expect(() => quantizeWeight(big(-1e5), 1, 4, { kind: 'int', bits: 8, symmetric: false }, CHANNEL)).toThrow(
      /offset .* exceeds/,
    );
    const justInside = big(65504 * 127 * 0.99);
    const p = quantizeWeight(justInside, 1, 4, { kind: 'int', bits: 8, symmetric: true }, CHANNEL);
    expect(Math.abs(dequantizeWeight(p)[0] - justInside[0])).toBeLessThanOrEqual(scaleAt(p, 0, 0) / 2);
  });

  it('uses f16 subnormal scales for tiny groups instead of failing or flushing them to zero', () => {
    const seed = 7706;
    const w = randomWeights(makeRng(seed), 2, 32, 1e-6);
    const p = quantizeWeight(w, 2, 32, { kind: 'int', bits: 8, symmetric: true }, CHANNEL);
    const d = dequantizeWeight(p);
    for (let r = 0; r < 2; r++) {
      expect(p.scales[r], `seed ${seed}: a subnormal f16 pattern`).toBeGreaterThan(0);
      expect(p.scales[r]).toBeLessThan(0x400);
      for (let k = 0; k < 32; k++)
        expect(Math.abs(d[r * 32 + k] - w[r * 32 + k])).toBeLessThanOrEqual(f16BitsToF32(p.scales[r]) / 2);
    }
    expect(
      d.some((v) => v !== 0),
      'tiny weights survive',
    ).toBe(true);
    // Far below the f16 subnormals: the smallest f16 scale, every weight decodes to zero (error <= |w|).
    const tiny = randomWeights(makeRng(seed), 1, 32, 1e-12);
    const q = quantizeWeight(tiny, 1, 32, { kind: 'int', bits: 4, symmetric: true }, CHANNEL);
    expect(q.scales[0]).toBe(1);
    expect(dequantizeWeight(q).every((v) => v === 0)).toBe(true);
  });
});
