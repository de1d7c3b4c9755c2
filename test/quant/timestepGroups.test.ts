/** -tg<k> timestep groups (src/quant/timestepGroups.ts) on inputs with known answers. */
import { describe, expect, it } from 'vitest';
import { timestepGroupCount, timestepGroupOf, timestepGroupScales } from '../../src/quant/timestepGroups';

const INT8 = { kind: 'int', bits: 8 } as const;

describe('timestep groups', () => {
  it('cuts S steps into ceil(S / k) groups of k from the first step sampled; the last may be shorter', () => {
    expect(timestepGroupCount(50, 10)).toBe(5);
    expect(timestepGroupCount(50, 20)).toBe(3);
    expect(timestepGroupCount(50, 50)).toBe(1);
    expect(timestepGroupCount(50, 80)).toBe(1);
    expect([0, 19, 20, 39, 40, 49].map((n) => timestepGroupOf(n, 50, 20))).toEqual([0, 0, 1, 1, 2, 2]);
  });

  it('gives each group the absmax / qmax of its own steps, and an all-zero group the largest scale', () => {
    // Step n's input is constant n + 1 (steps 4 and 5 zero): groups of 2 -> absmax 2, 4, 0 -> borrows 4.
    const byStep = [1, 2, 3, 4, 0, 0].map((v) => [new Float32Array(8).fill(v)]);
    expect(timestepGroupScales(byStep, 2, INT8)).toEqual([2, 4, 4].map((a) => Math.fround(a / 127)));
    expect(timestepGroupScales(byStep, 6, INT8)).toEqual([Math.fround(4 / 127)]); // one group: one scale
  });

  it('refuses bad counts and steps, and runs that saw only zeros, with the reason', () => {
    expect(() => timestepGroupCount(50, 0)).toThrow(/k must be a whole number >= 1/);
    expect(() => timestepGroupOf(50, 50, 10)).toThrow(/outside 0..49/);
    expect(() => timestepGroupScales([[new Float32Array(4)]], 1, INT8)).toThrow(/only zeros/);
  });
});
