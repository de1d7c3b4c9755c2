/** The greedy bit allocator of `-mp<B>` (src/quant/mixedPrecision.ts) against exhaustive search. */
import { describe, expect, it } from 'vitest';
import { allocateBits, MixedPrecisionError, type LayerSensitivity } from '../../src/quant/mixedPrecision';
import { seededRandom } from '../features/scalingLawFixtures';

const WIDTHS = [2, 3, 4, 8];

function layer(name: string, params: number, errors: number[], widths = WIDTHS): LayerSensitivity {
  return { name, params, errorByBits: new Map(widths.map((b, i) => [b, errors[i]!])) };
}

/** Lowest summed error over every allocation within the budget (the optimum the greedy is judged against). */
function bruteForce(layers: LayerSensitivity[], widths: number[], budget: number): number {
  const total = layers.reduce((s, l) => s + l.params, 0);
  let best = Infinity;
  const walk = (i: number, bits: number, error: number) => {
    if (bits > budget * total * (1 + 1e-12)) return;
    if (i === layers.length) {
      best = Math.min(best, error);
      return;
    }
    for (const b of widths) walk(i + 1, bits + b * layers[i]!.params, error + layers[i]!.errorByBits.get(b)!);
  };
  walk(0, 0, 0);
  return best;
}

/** Errors that shrink less with each added bit (convex in bits), as quantisation noise does (about 4^-b). */
function convexLayer(name: string, rand: () => number, widths: number[]): LayerSensitivity {
  const s = 0.1 + rand() * 10;
  return layer(
    name,
    1000,
    widths.map((b) => s * 4 ** -b),
    widths,
  );
}

describe('allocateBits', () => {
  it('gives every Linear the widest width at the top budget and the narrowest at the bottom one', () => {
    const layers = [layer('a', 100, [9, 4, 2, 0.1]), layer('b', 300, [5, 3, 1, 0.01])];
    const top = allocateBits(layers, WIDTHS, 8);
    expect([...top.bitsByLayer.values()]).toEqual([8, 8]);
    expect(top.averageBits).toBe(8);
    const bottom = allocateBits(layers, WIDTHS, 2);
    expect([...bottom.bitsByLayer.values()]).toEqual([2, 2]);
    expect(bottom.predictedError).toBe(14);
  });

  it('spends bits on the sensitive Linear first and never exceeds the budget', () => {
    const layers = [layer('robust', 1000, [1.1, 1.05, 1.0, 1.0]), layer('sensitive', 1000, [50, 10, 2, 0.1])];
    const a = allocateBits(layers, WIDTHS, 3);
    expect(a.bitsByLayer.get('sensitive')).toBe(4);
    expect(a.bitsByLayer.get('robust')).toBe(2);
    expect(a.averageBits).toBeLessThanOrEqual(3);
  });

  it('finds the optimum of random instances (unequal sizes, non-convex errors), as exhaustive search does', () => {
    const rand = seededRandom(11);
    for (let trial = 0; trial < 60; trial++) {
      const layers = Array.from({ length: 5 }, (_, i) =>
        layer(
          `l${i}`,
          64 * (1 + Math.floor(rand() * 24)),
          [3, 2, 1, 0].map((k) => k * rand() * 5 + 0.01),
        ),
      );
      const budget = 2 + rand() * 6;
      const a = allocateBits(layers, WIDTHS, budget);
      expect(a.averageBits).toBeLessThanOrEqual(budget + 1e-9);
      expect(a.predictedError).toBeCloseTo(bruteForce(layers, WIDTHS, budget), 9);
    }
  });

  it('falls back to greedy for large tables: optimal with equal sizes, unit steps and convex errors', () => {
    const rand = seededRandom(7);
    const unitWidths = [2, 3, 4, 5, 6, 7, 8];
    for (let trial = 0; trial < 40; trial++) {
      const layers = Array.from({ length: 5 }, (_, i) => convexLayer(`l${i}`, rand, unitWidths));
      const budget = 2 + Math.floor(rand() * 31) / 5; // a whole number of steps of one Linear
      const a = allocateBits(layers, unitWidths, budget, { exactCells: 0 });
      expect(a.averageBits).toBeLessThanOrEqual(budget + 1e-9);
      expect(a.predictedError).toBeCloseTo(bruteForce(layers, unitWidths, budget), 9);
    }
  });

  it('names the fix for a budget out of range and a missing sensitivity', () => {
    const layers = [layer('a', 10, [1, 1, 1, 1])];
    expect(() => allocateBits(layers, WIDTHS, 1.5)).toThrow(MixedPrecisionError);
    expect(() => allocateBits(layers, WIDTHS, 9)).toThrow(/outside what the widths 2, 3, 4, 8 can reach \(2 to 8\)/);
    expect(() => allocateBits([{ name: 'x', params: 1, errorByBits: new Map([[2, 1]]) }], WIDTHS, 3)).toThrow(
      /sensitivity of x at 3 bits is missing/,
    );
    expect(() => allocateBits([], WIDTHS, 3)).toThrow(/at least one Linear/);
  });
});

describe('allocateBits against the PyTorch side (training/mixed_precision.py)', () => {
  it('allocates the same bits for the fixture cases the Python code wrote', async () => {
    const { readFileSync } = await import('node:fs');
    const fixture = JSON.parse(readFileSync(new URL('./fixtures/mixed-precision.json', import.meta.url), 'utf8')) as {
      cases: {
        widths: number[];
        budget: number;
        exactCells: number;
        layers: { name: string; params: number; errorByBits: Record<string, number> }[];
        expected: { bitsByLayer: Record<string, number>; averageBits: number; predictedError: number };
      }[];
    };
    expect(fixture.cases.length).toBeGreaterThanOrEqual(10);
    for (const c of fixture.cases) {
      const layers = c.layers.map((l) => ({
        name: l.name,
        params: l.params,
        errorByBits: new Map(Object.entries(l.errorByBits).map(([b, e]) => [Number(b), e])),
      }));
      const a = allocateBits(layers, c.widths, c.budget, { exactCells: c.exactCells });
      expect(Object.fromEntries(a.bitsByLayer)).toEqual(c.expected.bitsByLayer);
      expect(a.averageBits).toBeCloseTo(c.expected.averageBits, 12);
      expect(a.predictedError).toBeCloseTo(c.expected.predictedError, 12);
    }
  });
});
