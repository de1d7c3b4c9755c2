/**
 * src/quant/lowRank.ts: the -lr split. Branch factors are f16-exact; up down diag(1/c) + residual = W_s to f32
 * rounding (so the run-time sum Q_A(x c) R^T + (x down^T) up^T equals x W^T before quantisation); the residual
 * of an exactly rank-r weight is only the branch's f16 rounding; the branch's share of the energy is the top
 * singular values'; addLowRankBranch = x (up down)^T by its definition; ranks that do not fit are refused.
 */
import { describe, expect, it } from 'vitest';
import { addLowRankBranch, lowRankSplit, maxLowRank } from '../../src/quant/lowRank';
import { roundToF16 } from '../../src/quant/f16';
import { makeRng } from './prng';

const rng = makeRng(0x10a4);
const randomMatrix = (rows: number, cols: number, scale = 1) =>
  Float32Array.from({ length: rows * cols }, () => scale * rng.normal());

describe('lowRankSplit', () => {
  it('factors are f16 values; branch + residual rebuild W_s (with and without a run-time input scale)', () => {
    const rows = 24;
    const cols = 40;
    const w = randomMatrix(rows, cols, 0.1);
    for (const c of [undefined, Float32Array.from({ length: cols }, () => Math.fround(0.25 + rng.next()))]) {
      const split = lowRankSplit(w, rows, cols, 6, c);
      for (const v of [...split.up, ...split.down]) expect(v).toBe(roundToF16(v));
      let worst = 0;
      for (let i = 0; i < rows; i++)
        for (let j = 0; j < cols; j++) {
          let b = 0;
          for (let k = 0; k < 6; k++) b += split.up[i * 6 + k] * split.down[k * cols + j];
          if (c) b /= c[j];
          worst = Math.max(worst, Math.abs(b + split.residual[i * cols + j] - w[i * cols + j]));
        }
      expect(worst).toBeLessThan(1e-7);
    }
  });

  it('an exactly rank-r weight leaves only the f16 rounding of the branch in the residual', () => {
    const rows = 16;
    const cols = 20;
    const a = randomMatrix(rows, 3);
    const b = randomMatrix(3, cols);
    const w = new Float32Array(rows * cols);
    for (let i = 0; i < rows; i++)
      for (let j = 0; j < cols; j++) {
        let v = 0;
        for (let k = 0; k < 3; k++) v += a[i * 3 + k] * b[k * cols + j];
        w[i * cols + j] = v;
      }
    const peak = Math.max(...w.map(Math.abs));
    const split = lowRankSplit(w, rows, cols, 3);
    const residualPeak = Math.max(...split.residual.map(Math.abs));
    expect(residualPeak).toBeLessThan(4 * 2 ** -11 * peak);
    expect(residualPeak).toBeGreaterThan(0);
    // The plain rank-2 split leaves the third direction: a residual of order the third singular value.
    const two = lowRankSplit(w, rows, cols, 2);
    expect(Math.max(...two.residual.map(Math.abs))).toBeGreaterThan(50 * residualPeak);
  });

  it('the residual energy falls with the rank as the dropped singular values say', () => {
    const rows = 30;
    const cols = 50;
    const w = randomMatrix(rows, cols);
    const full = lowRankSplit(w, rows, cols, maxLowRank(rows, cols));
    const energy = (r: Float32Array) => r.reduce((s, v) => s + v * v, 0);
    let previous = Infinity;
    for (const r of [1, 4, 16]) {
      const split = lowRankSplit(w, rows, cols, r);
      let dropped = 0;
      for (let k = r; k < full.singularValues.length; k++) dropped += full.singularValues[k] ** 2;
      const e = energy(split.residual);
      expect(e).toBeGreaterThanOrEqual(dropped * (1 - 1e-3));
      expect(e).toBeLessThan(previous);
      previous = e;
    }
  });

  it('refuses a rank that does not fit the Linear, naming the largest one', () => {
    const w = randomMatrix(8, 12);
    expect(maxLowRank(8, 12)).toBe(7);
    expect(() => lowRankSplit(w, 8, 12, 8)).toThrow(/rank 8 does not fit a 8x12 weight; the largest rank is 7/);
    expect(() => lowRankSplit(w, 8, 12, 0)).toThrow(/largest rank is 7/);
    expect(() => lowRankSplit(w, 8, 12, 2, new Float32Array(3))).toThrow(/3 input scales for 12/);
  });
});

describe('addLowRankBranch', () => {
  it('adds x (up down)^T to y', () => {
    const m = 3;
    const rows = 5;
    const cols = 7;
    const rank = 2;
    const up = randomMatrix(rows, rank);
    const down = randomMatrix(rank, cols);
    const x = randomMatrix(m, cols);
    const y = randomMatrix(m, rows);
    const out = addLowRankBranch(y, x, m, rows, cols, { rank, up, down });
    for (let r = 0; r < m; r++)
      for (let n = 0; n < rows; n++) {
        let v = y[r * rows + n];
        for (let j = 0; j < cols; j++) {
          let w = 0;
          for (let k = 0; k < rank; k++) w += up[n * rank + k] * down[k * cols + j];
          v += x[r * cols + j] * w;
        }
        expect(out[r * rows + n]).toBeCloseTo(v, 5);
      }
  });
});
