import { describe, expect, it } from 'vitest';
import { effectiveBitsPerWeight, quantizeWeight, weightStorageReport } from '../../src/quant';
import { makeRng, randomWeights } from './prng';

describe('weight storage', () => {
  it('W4 g128 takes within 2% of params * (4 + 16/128) / 8 bytes', () => {
    const seed = 9971;
    const [rows, cols] = [256, 1024];
    const p = quantizeWeight(
      randomWeights(makeRng(seed), rows, cols),
      rows,
      cols,
      { kind: 'int', bits: 4, symmetric: true },
      { kind: 'group', size: 128 },
    );
    const report = weightStorageReport(p);
    const target = (rows * cols * (4 + 16 / 128)) / 8;
    expect(Math.abs(report.totalBytes - target) / target).toBeLessThan(0.02);
    expect(report).toEqual({
      params: rows * cols,
      codeBytes: (rows * cols * 4) / 8,
      scaleBytes: rows * 8 * 2,
      offsetBytes: 0,
      totalBytes: (rows * cols * 4) / 8 + rows * 8 * 2,
      bitsPerWeight: 4 + 16 / 128,
      idealBytes: (rows * cols * 4) / 8,
    });
    expect(report.bitsPerWeight).toBe(effectiveBitsPerWeight(p.format, p.granularity, rows, cols));
  });

  it('counts offsets, row padding and scale padding', () => {
    const seed = 9972;
    // 7x45 INT3 asymmetric g32: 135 bits per row -> 5 words (20 bytes), 14 groups -> 14 scales and 14 offsets.
    const p = quantizeWeight(
      randomWeights(makeRng(seed), 7, 45),
      7,
      45,
      { kind: 'int', bits: 3, symmetric: false },
      { kind: 'group', size: 32 },
    );
    const report = weightStorageReport(p);
    expect([report.codeBytes, report.scaleBytes, report.offsetBytes]).toEqual([7 * 20, 28, 28]);
    expect(report.idealBytes).toBe((7 * 45 * 3) / 8);
    expect(report.bitsPerWeight).toBeCloseTo(((140 + 56) * 8) / 315, 12);
    // Per tensor, one scale padded to two u16 entries.
    const t = quantizeWeight(
      randomWeights(makeRng(seed), 7, 45),
      7,
      45,
      { kind: 'fp', name: 'e2m1' },
      { kind: 'tensor' },
    );
    expect(weightStorageReport(t).scaleBytes).toBe(4);
  });
});
