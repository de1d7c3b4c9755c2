/**
 * training/hadamard.py (PyTorch) and src/quant/hadamard.ts agree: the fixture written by `python3
 * training/hadamard.py` holds random rows with outlier channels, their rotations x R and W R, and one Linear's
 * W4g32-A4-had output (quant.py's fake quantisers on the rotated tensors). Tolerances: the signs and both
 * rotations bit for bit (same f64 butterfly order, one f32 rounding); the Linear output to 1e-5 relative of its
 * largest value (only the matmul's summation order differs; the quantised operands are bit-exact too).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HADAMARD_SEED, hadamardBlockSize, rotateRows, rotationSigns } from '../../src/quant/hadamard';
import { dequantizeWeight, fakeQuantActivations, parseSetting, quantizeWeight } from '../../src/quant';

interface Case {
  tokens: number;
  k: number;
  n: number;
  block: number;
  x: string;
  w: string;
  xRotated: string;
  wRotated: string;
  yHad: string;
  yPlain: string;
  yExact: string;
}
const fixture = JSON.parse(readFileSync(new URL('./fixtures/hadamard-parity.json', import.meta.url), 'utf8')) as {
  seed: number;
  setting: string;
  signs64: number[];
  cases: Case[];
};

function f32(base64: string): Float32Array {
  const bytes = Buffer.from(base64, 'base64');
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

/** The W4g32-A4 Linear on already rotated (or plain) operands, in f64: fakeQuant(x) dequant(quant(W))^T. */
function quantisedLinear(x: Float32Array, w: Float32Array, tokens: number, k: number, n: number): Float64Array {
  const s = parseSetting('W4g32-A4');
  const xq = fakeQuantActivations(x, tokens, k, s.activation.format, { kind: 'token' });
  const wq = dequantizeWeight(quantizeWeight(w, n, k, s.weight!.format, s.weight!.granularity));
  const y = new Float64Array(tokens * n);
  for (let i = 0; i < tokens; i++)
    for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let t = 0; t < k; t++) acc += xq[i * k + t] * wq[j * k + t];
      y[i * n + j] = acc;
    }
  return y;
}

describe('training/hadamard.py matches src/quant/hadamard.ts', () => {
  it('uses the same seed and signs', () => {
    expect(fixture.seed).toBe(HADAMARD_SEED);
    expect(Array.from(rotationSigns(64))).toEqual(fixture.signs64);
    expect(fixture.setting).toBe('W4g32-A4-had');
  });

  it.each(fixture.cases.map((c) => [`${c.tokens}x${c.k} (block ${c.block})`, c] as const))(
    '%s: rotations bit for bit, and the quantised Linear output',
    (_, c) => {
      expect(hadamardBlockSize(c.k)).toBe(c.block);
      expect(rotateRows(f32(c.x), c.tokens, c.k)).toEqual(f32(c.xRotated));
      expect(rotateRows(f32(c.w), c.n, c.k)).toEqual(f32(c.wRotated));
      const y = quantisedLinear(f32(c.xRotated), f32(c.wRotated), c.tokens, c.k, c.n);
      const expected = f32(c.yHad);
      const peak = expected.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      for (let i = 0; i < y.length; i++) expect(Math.abs(y[i] - expected[i])).toBeLessThanOrEqual(1e-5 * peak);
    },
  );

  it('the rotation lowers the W4g32-A4 output error of a Linear with outlier channels (summed over the cases)', () => {
    let had = 0;
    let plain = 0;
    for (const c of fixture.cases) {
      const exact = f32(c.yExact);
      const yh = f32(c.yHad);
      const yp = f32(c.yPlain);
      for (let i = 0; i < exact.length; i++) {
        had += (yh[i] - exact[i]) ** 2;
        plain += (yp[i] - exact[i]) ** 2;
      }
    }
    expect(had).toBeLessThan(plain);
  });
});
