/** The one grouping rule of the jackknife (src/metrics/jackknife.ts) and the class rule it is built on. */
import { describe, expect, it } from 'vitest';
import {
  classOfSample,
  jackknifeGroups,
  jackknifeStdError,
  MetricsError,
  pairedDifference,
} from '../../src/metrics/index.ts';
import { batchLabels } from '../../src/engine/quality/batchDraws.ts';

describe('jackknifeGroups', () => {
  it('every group holds every class, in equal numbers when N is a multiple of g C', () => {
    for (const [n, classes, want] of [
      [100, 10, 10],
      [2000, 10, 10],
      [40, 10, 4],
      [125, 10, 10],
      [60, 3, 10],
    ] as const) {
      const groups = jackknifeGroups(n, { classes });
      expect(groups.count).toBe(want);
      expect(groups.classBalanced).toBe(true);
      const perGroup = Array.from({ length: groups.count }, () => new Array<number>(classes).fill(0));
      for (let i = 0; i < n; i++) perGroup[groups.groupOf[i]!]![classOfSample(i, classes)]++;
      const full = Math.floor(n / classes / groups.count);
      for (const counts of perGroup) for (const c of counts) expect(c).toBeGreaterThanOrEqual(Math.max(1, full));
      expect(groups.sizes.reduce((a, b) => a + b, 0)).toBe(n);
      if (n % (classes * groups.count) === 0) expect(new Set(perGroup.flat()).size).toBe(1);
    }
  });

  it('is floor(i / C) mod g, never the class-aligned i mod g', () => {
    const groups = jackknifeGroups(100);
    expect(Array.from(groups.groupOf.slice(0, 25))).toEqual([
      ...new Array(10).fill(0),
      ...new Array(10).fill(1),
      2,
      2,
      2,
      2,
      2,
    ]);
    // Class-aligned grouping would put every sample of class 3 in group 3: here class 3 is in all ten groups.
    expect(new Set(Array.from({ length: 10 }, (_, r) => groups.groupOf[10 * r + 3])).size).toBe(10);
  });

  it('below two rounds of classes: contiguous chunks (delete-one when g = N)', () => {
    const six = jackknifeGroups(6);
    expect([six.count, six.classBalanced, Array.from(six.groupOf)]).toEqual([6, false, [0, 1, 2, 3, 4, 5]]);
    const fifteen = jackknifeGroups(15);
    expect(fifteen.count).toBe(10);
    expect(Array.from(fifteen.groupOf)).toEqual([0, 0, 1, 2, 2, 3, 4, 4, 5, 6, 6, 7, 8, 8, 9]);
    expect(jackknifeGroups(20).classBalanced).toBe(true);
  });

  it('the engine asks for sample i in class classOfSample(i)', () => {
    expect(batchLabels(37, 5, 10)).toEqual([7, 8, 9, 0, 1]);
    expect(batchLabels(37, 5, 7)).toEqual(Array.from({ length: 5 }, (_, k) => classOfSample(37 + k, 7)));
  });

  it('rejects bad options and too few samples', () => {
    expect(() => jackknifeGroups(100, { groups: 1 })).toThrow(MetricsError);
    expect(() => jackknifeGroups(100, { classes: 0 })).toThrow(MetricsError);
    expect(() => jackknifeGroups(2)).toThrow(/at least 3 samples/);
  });

  it('standard error and paired difference: the textbook formulas', () => {
    expect(jackknifeStdError([1, 2, 3, 4])).toBeCloseTo(Math.sqrt((3 / 4) * 5), 12);
    const d = pairedDifference({ value: 10, leaveOut: [10, 11, 12] }, { value: 4, leaveOut: [5, 5, 7] });
    expect(d.difference).toBe(6);
    // per-group differences 5, 6, 5 -> mean 16/3
    expect(d.stdError).toBeCloseTo(Math.sqrt((2 / 3) * ((5 - 16 / 3) ** 2 * 2 + (6 - 16 / 3) ** 2)), 12);
    expect(() => pairedDifference({ value: 1, leaveOut: [1, 2] }, { value: 1, leaveOut: [1] })).toThrow(MetricsError);
  });
});
