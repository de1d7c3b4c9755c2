import { describe, expect, it } from 'vitest';
import {
  FP_SPECS,
  INT_BITS,
  QuantizationError,
  calibrateActivationScale,
  fakeQuantActivations,
  type ActivationFormat,
} from '../../src/quant';
import { naiveFakeQuant } from './naive';
import { makeRng, randomMatrix } from './prng';

const TOKEN = { kind: 'token' } as const;

/** Activations whose rows differ in magnitude by up to ~100x, with a few large outliers. */
function activations(seed: number, tokens: number, cols: number): Float32Array {
  const rng = makeRng(seed);
  const x = randomMatrix(rng, tokens, cols);
  for (let t = 0; t < tokens; t++) {
    const rowScale = 10 ** (rng.next() * 2 - 1);
    for (let k = 0; k < cols; k++)
      x[t * cols + k] = Math.fround(x[t * cols + k] * rowScale * (rng.next() < 0.02 ? 8 : 1));
  }
  return x;
}

describe('activation fake quantization', () => {
  it('matches a naive per-token implementation bit for bit (INT 2..8, FP8)', () => {
    const seed = 9901;
    const [tokens, cols] = [13, 77];
    const x = activations(seed, tokens, cols);
    const formats = INT_BITS.map((bits) => ({ kind: 'int', bits }) as const);
    for (const format of [...formats, { kind: 'fp', name: 'e4m3' } as const, { kind: 'fp', name: 'e5m2' } as const]) {
      const where = `seed ${seed}, ${JSON.stringify(format)}`;
      expect(Array.from(fakeQuantActivations(x, tokens, cols, format, TOKEN)), where).toEqual(
        Array.from(naiveFakeQuant(x, tokens, cols, format)),
      );
      const scale = calibrateActivationScale([x], format);
      expect(Array.from(fakeQuantActivations(x, tokens, cols, format, { kind: 'tensor', scale })), where).toEqual(
        Array.from(naiveFakeQuant(x, tokens, cols, format, scale)),
      );
    }
  });

  it('per token: stays within half a step of each row, hits ±qmax*s at the row absmax, symmetric range', () => {
    const seed = 9902;
    const [tokens, cols] = [9, 50];
    const x = activations(seed, tokens, cols);
    for (const bits of [2, 4, 8] as const) {
      const qmax = 2 ** (bits - 1) - 1;
      const y = fakeQuantActivations(x, tokens, cols, { kind: 'int', bits }, TOKEN);
      for (let t = 0; t < tokens; t++) {
        const row = x.subarray(t * cols, (t + 1) * cols);
        const absmax = Math.max(...Array.from(row, Math.abs));
        const s = Math.fround(absmax / qmax);
        for (let k = 0; k < cols; k++) {
          const where = `seed ${seed}, int${bits}, token ${t}, col ${k}`;
          const v = y[t * cols + k];
          expect(Math.abs(v - row[k]), where).toBeLessThanOrEqual(s / 2 + 2 ** -23 * Math.abs(row[k]));
          const q = v / s;
          expect(Math.abs(q - Math.round(q)), where).toBeLessThan(1e-3); // on the grid
          expect(Math.abs(q), where).toBeLessThanOrEqual(qmax + 1e-3); // -2^(k-1) is never used
        }
        const argmax = Array.from(row, Math.abs).indexOf(absmax);
        expect(Math.abs(y[t * cols + argmax])).toBe(Math.fround(qmax * s));
      }
    }
  });

  it('per tensor: saturates values beyond the static range, and is worse than per token on uneven rows', () => {
    const seed = 9903;
    const [tokens, cols] = [8, 64];
    const x = activations(seed, tokens, cols);
    const format: ActivationFormat = { kind: 'int', bits: 8 };
    const scale = 0.01;
    const y = fakeQuantActivations(x, tokens, cols, format, { kind: 'tensor', scale });
    const top = Math.fround(127 * Math.fround(scale));
    let saturated = 0;
    for (let i = 0; i < x.length; i++) {
      if (Math.abs(x[i]) > top + scale / 2) {
        saturated++;
        expect(y[i], `seed ${seed}, element ${i}`).toBe(Math.sign(x[i]) * top);
      }
    }
    expect(saturated, 'the chosen scale really clips some values').toBeGreaterThan(10);
    const e4m3 = fakeQuantActivations(x, tokens, cols, { kind: 'fp', name: 'e4m3' }, { kind: 'tensor', scale: 1e-3 });
    expect(Math.max(...Array.from(e4m3, Math.abs))).toBe(Math.fround(448 * Math.fround(1e-3)));
    // Calibrated per-tensor vs dynamic per-token on rows spanning 100x: per token must be clearly better.
    const sse = (q: Float32Array) => q.reduce((a, v, i) => a + (v - x[i]) ** 2, 0);
    const int4 = { kind: 'int', bits: 4 } as const;
    const perToken = sse(fakeQuantActivations(x, tokens, cols, int4, TOKEN));
    const perTensor = sse(
      fakeQuantActivations(x, tokens, cols, int4, { kind: 'tensor', scale: calibrateActivationScale([x], int4) }),
    );
    expect(perToken, `seed ${seed}`).toBeLessThan(perTensor * 0.9);
  });

  it('rounds exact ties to even (INT and FP8)', () => {
    // Static power-of-two scale, inputs at half-integer multiples: every one is a tie.
    const scale = 0.25;
    const halves = Array.from({ length: 20 }, (_, i) => (i - 10 + 0.5) * scale);
    const x = new Float32Array(halves);
    const y = fakeQuantActivations(x, 1, x.length, { kind: 'int', bits: 8 }, { kind: 'tensor', scale });
    for (let i = 0; i < x.length; i++) {
      const q = y[i] / scale;
      expect(Math.abs(q - x[i] / scale), `x=${x[i]}`).toBe(0.5);
      expect(Math.abs(q) % 2, `x=${x[i]} must round to an even multiple`).toBe(0);
    }
    // E4M3 with scale 1: 1.0625 lies halfway between 1 (mantissa 000) and 1.125 (mantissa 001).
    const fp = fakeQuantActivations(
      new Float32Array([1.0625, 1.1875, -1.0625]),
      1,
      3,
      { kind: 'fp', name: 'e4m3' },
      { kind: 'tensor', scale: 1 },
    );
    expect(Array.from(fp)).toEqual([1, 1.25, -1]);
  });

  it('outputs zeros for zero rows, copies for format none, and rejects bad input', () => {
    const seed = 9904;
    const x = activations(seed, 4, 16);
    x.fill(0, 16, 32);
    const y = fakeQuantActivations(x, 4, 16, { kind: 'int', bits: 8 }, TOKEN);
    expect(Array.from(y.subarray(16, 32)).every((v) => v === 0)).toBe(true);
    expect(Array.from(y.subarray(0, 16)).some((v) => v !== 0)).toBe(true);
    const fp = fakeQuantActivations(x, 4, 16, { kind: 'fp', name: 'e5m2' }, TOKEN);
    expect(Array.from(fp.subarray(16, 32)).every((v) => v === 0)).toBe(true);
    const copy = fakeQuantActivations(x, 4, 16, { kind: 'none' }, TOKEN);
    expect(copy).not.toBe(x);
    expect(Array.from(copy)).toEqual(Array.from(x));
    const nan = x.slice();
    nan[2 * 16 + 3] = NaN;
    expect(() => fakeQuantActivations(nan, 4, 16, { kind: 'int', bits: 8 }, TOKEN)).toThrow(/token 2, col 3/);
    expect(() => fakeQuantActivations(x, 5, 16, { kind: 'int', bits: 8 }, TOKEN)).toThrow(QuantizationError);
    expect(() => fakeQuantActivations(x, 4, 16, { kind: 'int', bits: 8 }, { kind: 'tensor', scale: -1 })).toThrow(
      /finite and >= 0/,
    );
  });

  it('calibrates a static scale as absmax over all samples / qmax', () => {
    const samples = [new Float32Array([0.5, -3, 2]), new Float32Array([-1, 2.5])];
    expect(calibrateActivationScale(samples, { kind: 'int', bits: 8 })).toBe(Math.fround(3 / 127));
    expect(calibrateActivationScale(samples, { kind: 'int', bits: 4 })).toBe(Math.fround(3 / 7));
    expect(calibrateActivationScale(samples, { kind: 'fp', name: 'e4m3' })).toBe(
      Math.fround(3 / FP_SPECS.e4m3.maxFinite),
    );
    expect(() => calibrateActivationScale([new Float32Array(4)], { kind: 'int', bits: 8 })).toThrow(/all zero/);
    expect(() => calibrateActivationScale(samples, { kind: 'none' })).toThrow(QuantizationError);
  });
});
