/**
 * training/low_rank.py (PyTorch, torch.linalg.svd) and src/quant/lowRank.ts (ml-matrix's SVD) agree: the fixture
 * written by `python3 training/low_rank.py` holds random Linears with a strong rank-2 part, inputs with two x30
 * outlier channels, and their -lr split and output under W4g32-A4, W4g32-A8 (smoothed, alpha 0.5, 1/s at run
 * time) and W3g32 (not smoothed). Tolerances: smoothing factors bit for bit (same formula, f64 then f32); the f16
 * factors up and down bit for bit (the two SVDs agree to ~1e-15, far from any f16 rounding tie on these cases);
 * the residual to 1e-6 of its largest value (the branch product is summed in a different order); the output to
 * 1e-5 of its largest value (the same quantised operands, a different summation order).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { addLowRankBranch, lowRankSplit } from '../../src/quant/lowRank';
import { smoothActivations, smoothLinear } from '../../src/quant/smoothQuant';
import { dequantizeWeight, fakeQuantActivations, matmulReference, parseSetting, quantizeWeight } from '../../src/quant';

interface Case {
  tokens: number;
  n: number;
  k: number;
  rank: number;
  setting: string;
  x: string;
  w: string;
  up: string;
  down: string;
  residual: string;
  inputScale?: string;
  y: string;
  yPlain: string;
  yExact: string;
}
const fixture = JSON.parse(readFileSync(new URL('./fixtures/low-rank-parity.json', import.meta.url), 'utf8')) as {
  alpha: number;
  cases: Case[];
};

function f32(base64: string): Float32Array {
  const bytes = Buffer.from(base64, 'base64');
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

const peak = (a: ArrayLike<number>) => Array.from(a).reduce((m, v) => Math.max(m, Math.abs(v)), 0);
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
const rms = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / den);
};

describe('training/low_rank.py matches src/quant/lowRank.ts', () => {
  it.each(fixture.cases.map((c) => [`${c.setting}-lr${c.rank}, ${c.n}x${c.k}`, c] as const))('%s', (_, c) => {
    const setting = parseSetting(c.setting);
    const x = f32(c.x);
    const w = f32(c.w);
    const { tokens, n, k, rank } = c;
    let target = w;
    let inputScale: Float32Array | undefined;
    if (setting.activation.format.kind !== 'none') {
      const absMax = new Float32Array(k);
      for (let t = 0; t < tokens; t++)
        for (let j = 0; j < k; j++) absMax[j] = Math.max(absMax[j], Math.abs(x[t * k + j]));
      const smoothed = smoothLinear(w, n, k, absMax, fixture.alpha);
      target = smoothed.weight;
      inputScale = smoothed.inputScale;
      expect(Array.from(inputScale)).toEqual(Array.from(f32(c.inputScale!)));
    } else expect(c.inputScale).toBeUndefined();
    const split = lowRankSplit(target, n, k, rank, inputScale);
    expect(Array.from(split.up)).toEqual(Array.from(f32(c.up)));
    expect(Array.from(split.down)).toEqual(Array.from(f32(c.down)));
    const residual = f32(c.residual);
    expect(maxDiff(split.residual, residual)).toBeLessThanOrEqual(1e-6 * peak(residual));
    // The Linear: Q_A(x c) Q_W(R)^T + (x down^T) up^T.
    let input = inputScale ? smoothActivations(x, tokens, k, inputScale) : x;
    input = fakeQuantActivations(input, tokens, k, setting.activation.format, { kind: 'token' });
    const rq = dequantizeWeight(
      quantizeWeight(split.residual, n, k, setting.weight!.format, setting.weight!.granularity),
    );
    const y = addLowRankBranch(matmulReference(input, tokens, k, rq, n), x, tokens, n, k, split);
    const yPy = f32(c.y);
    expect(maxDiff(y, yPy)).toBeLessThanOrEqual(1e-5 * peak(yPy));
    // And the method does what it is for on these Linears: a smaller error than plain RTN at the same setting.
    const exact = f32(c.yExact);
    expect(rms(y, exact)).toBeLessThan(rms(f32(c.yPlain), exact));
  });
});
