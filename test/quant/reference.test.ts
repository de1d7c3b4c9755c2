import { describe, expect, it } from 'vitest';
import { QuantizationError, matmulReference } from '../../src/quant';
import { makeRng, randomMatrix } from './prng';

describe('matmulReference', () => {
  it('computes X W^T + bias on a hand-checked example', () => {
    const x = new Float32Array([1, 2, 3, 4, 5, 6]); // 2x3
    const w = new Float32Array([1, 0, -1, 2, 1, 0.5, 0, 0, 1, -1, -1, -1]); // 4x3
    const bias = new Float32Array([0.5, 0, -2, 1]);
    // Row 0: [1-3, 2+2+1.5, 3, -6] + bias; row 1: [4-6, 8+5+3, 6, -15] + bias.
    expect(Array.from(matmulReference(x, 2, 3, w, 4, bias))).toEqual([-1.5, 5.5, 1, -5, -1.5, 16, 4, -14]);
    expect(Array.from(matmulReference(x, 2, 3, w, 4))).toEqual([-2, 5.5, 3, -6, -2, 16, 6, -15]);
  });

  it('accumulates in f64: a sum that cancels in f32 stays exact', () => {
    const k = 3;
    const x = new Float32Array([1e8, 1, -1e8]);
    const w = new Float32Array([1, 1, 1]);
    expect(matmulReference(x, 1, k, w, 1)[0]).toBe(1); // naive f32 accumulation gives 0
  });

  it('is linear and maps the identity weight to its input', () => {
    const seed = 9951;
    const rng = makeRng(seed);
    const [m, k] = [5, 12];
    const x = randomMatrix(rng, m, k);
    const eye = new Float32Array(k * k).map((_, i) => (i % (k + 1) === 0 ? 1 : 0));
    expect(Array.from(matmulReference(x, m, k, eye, k)), `seed ${seed}`).toEqual(Array.from(x));
    const w = randomMatrix(rng, 7, k);
    const y = matmulReference(x, m, k, w, 7);
    const y2 = matmulReference(
      x.map((v) => v * 2),
      m,
      k,
      w,
      7,
    );
    for (let i = 0; i < y.length; i++) expect(y2[i], `seed ${seed}`).toBe(Math.fround(2 * y[i]));
  });

  it('rejects mismatched shapes', () => {
    expect(() => matmulReference(new Float32Array(5), 2, 3, new Float32Array(6), 2)).toThrow(QuantizationError);
    expect(() => matmulReference(new Float32Array(6), 2, 3, new Float32Array(5), 2)).toThrow(/n\*k/);
    expect(() => matmulReference(new Float32Array(6), 2, 3, new Float32Array(6), 2, new Float32Array(3))).toThrow(
      /bias/,
    );
  });
});
