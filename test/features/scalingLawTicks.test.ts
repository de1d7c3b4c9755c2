import { describe, expect, it } from 'vitest';
import { DENSE_MANTISSAS, formatSi, linearAxis, logDomain, logTicks } from '../../src/features/scaling-law/logTicks';
import { seededRandom } from './scalingLawFixtures';

const mantissa = (v: number) => Number((v / 10 ** Math.floor(Math.log10(v) + 1e-9)).toPrecision(6));

describe('logTicks', () => {
  it('gives sorted round ticks inside random ranges, never more than asked', () => {
    const rand = seededRandom(42);
    for (let i = 0; i < 500; i++) {
      const lo = 10 ** (3 + rand() * 6);
      const hi = lo * 10 ** (rand() * 5);
      const maxTicks = 2 + Math.floor(rand() * 8);
      const ticks = logTicks(lo, hi, maxTicks);
      expect(ticks.length).toBeGreaterThanOrEqual(2);
      expect(ticks.length).toBeLessThanOrEqual(maxTicks);
      for (let k = 1; k < ticks.length; k++) expect(ticks[k]!).toBeGreaterThan(ticks[k - 1]!);
      const isEndFallback = ticks.length === 2 && ticks[0] === lo && ticks[1] === hi;
      for (const t of ticks) {
        expect(t).toBeGreaterThanOrEqual(lo * (1 - 1e-9));
        expect(t).toBeLessThanOrEqual(hi * (1 + 1e-9));
        if (!isEndFallback) expect(DENSE_MANTISSAS).toContain(mantissa(t));
        // Denser mantissas only where a decade or two leaves 1-2-5 short.
        if (!isEndFallback && ticks.some((v) => ![1, 2, 5].includes(mantissa(v)))) expect(hi / lo).toBeLessThan(1000);
      }
    }
  });

  it('uses denser steps on a range where 1-2-5 leaves fewer than 4 ticks', () => {
    expect(logTicks(25, 150, 7)).toEqual([30, 40, 50, 60, 80, 100, 150]);
    expect(logTicks(25, 150, 6)).toEqual([50, 100]);
  });

  it('uses 1-2-5 steps on a short range and powers of ten on a long one', () => {
    expect(logTicks(1.5e5, 3e6)).toEqual([2e5, 5e5, 1e6, 2e6]);
    expect(logTicks(3e4, 4e9, 6)).toEqual([1e5, 1e6, 1e7, 1e8, 1e9]);
    // Four 1-2-5 ticks but one power of ten: thinned, not more than asked.
    expect(logTicks(1.5e5, 3e6, 3)).toEqual([2e5, 1e6]);
  });

  it('rejects empty or non-positive ranges', () => {
    expect(logTicks(0, 10)).toEqual([]);
    expect(logTicks(10, 5)).toEqual([]);
  });
});

describe('logDomain and formatSi', () => {
  it('pads the data range and ignores non-positive values', () => {
    expect(logDomain([0, 2e6, 5e5, Number.NaN], 2)).toEqual([2.5e5, 4e6]);
    expect(logDomain([])).toEqual([1, 10]);
  });

  it('writes bit counts with SI prefixes', () => {
    expect(formatSi(3_880_992)).toBe('3.88M');
    expect(formatSi(120_000)).toBe('120k');
    expect(formatSi(25_000_000)).toBe('25M');
    expect(formatSi(2e9)).toBe('2G');
    expect(formatSi(512)).toBe('512');
  });
});

describe('linearAxis', () => {
  it('starts at 0, ends on a round tick above every value, with evenly spaced 1-2-2.5-5 steps', () => {
    expect(linearAxis([-2, 120, 560])).toEqual({ domain: [0, 600], ticks: [0, 200, 400, 600] });
    expect(linearAxis([0.3]).ticks).toEqual([0, 0.1, 0.2, 0.3, 0.4]);
    const rand = seededRandom(Math.floor(Math.random() * 2 ** 31));
    for (let i = 0; i < 200; i++) {
      const values = Array.from({ length: 5 }, () => (rand() - 0.1) * 10 ** (rand() * 6));
      const { domain, ticks } = linearAxis(values);
      expect(ticks[0]).toBe(0);
      expect(domain).toEqual([0, ticks[ticks.length - 1]]);
      expect(domain[1]).toBeGreaterThanOrEqual(Math.max(...values));
      expect(ticks.length).toBeLessThanOrEqual(7);
      const step = ticks[1]! - ticks[0]!;
      expect(Number(step.toPrecision(2))).toBeCloseTo(step, 12);
      ticks.forEach((t, k) => expect(t).toBeCloseTo(k * step, 9));
    }
    expect(linearAxis([-3, Number.NaN])).toEqual({ domain: [0, 1], ticks: [0, 1] });
  });
});
