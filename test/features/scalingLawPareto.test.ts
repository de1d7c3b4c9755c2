import { describe, expect, it } from 'vitest';
import { frontierSteps, paretoFrontier, type BitsValue } from '../../src/features/scaling-law/pareto';
import { seededRandom } from './scalingLawFixtures';

/** Independent O(n²) definition: kept iff no other point is <= on both and < on one. */
function naiveFrontier(points: readonly BitsValue[]): BitsValue[] {
  return points
    .filter((p) => !points.some((q) => q !== p && q.x <= p.x && q.value <= p.value && (q.x < p.x || q.value < p.value)))
    .sort((a, b) => a.x - b.x);
}

describe('paretoFrontier', () => {
  it('keeps exactly the non-dominated points of random clouds', () => {
    for (let seed = 1; seed <= 25; seed++) {
      const rand = seededRandom(seed);
      const points = Array.from({ length: 5 + Math.floor(rand() * 40) }, () => ({
        // Few distinct x values so ties in bits (same model, same code bits) are exercised.
        x: 10 ** (5 + Math.floor(rand() * 8) / 2),
        value: Math.round(20 + rand() * 400),
      }));
      const got = paretoFrontier(points);
      const want = naiveFrontier(points);
      // Exact duplicates are both non-dominated for the naive rule; the frontier keeps one of them.
      const dedupe = (ps: BitsValue[]) => [...new Map(ps.map((p) => [`${p.x}|${p.value}`, p])).values()];
      expect(dedupe(got).map((p) => [p.x, p.value])).toEqual(dedupe(want).map((p) => [p.x, p.value]));
      for (let i = 1; i < got.length; i++) {
        expect(got[i]!.x).toBeGreaterThan(got[i - 1]!.x);
        expect(got[i]!.value).toBeLessThan(got[i - 1]!.value);
      }
    }
  });

  it('drops NaN FDs and keeps the caller objects', () => {
    const a = { x: 1e6, value: 40, id: 'a' };
    const b = { x: 2e6, value: Number.NaN, id: 'b' };
    const c = { x: 4e6, value: 35, id: 'c' };
    expect(paretoFrontier([c, b, a]).map((p) => p.id)).toEqual(['a', 'c']);
  });

  it('extends the step line flat to the end of the axis', () => {
    expect(
      frontierSteps(
        [
          { x: 1, value: 9 },
          { x: 3, value: 4 },
        ],
        10,
      ),
    ).toEqual([
      { x: 1, value: 9 },
      { x: 3, value: 4 },
      { x: 10, value: 4 },
    ]);
    expect(frontierSteps([{ x: 5, value: 2 }], 3)).toEqual([{ x: 5, value: 2 }]);
  });
});
