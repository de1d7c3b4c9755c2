import { describe, expect, it } from 'vitest';
import { roundHalfEven } from '../../src/quant';
import { naiveRoundHalfEven } from './naive';
import { makeRng } from './prng';

describe('roundHalfEven', () => {
  it('rounds halves to the even neighbour like WGSL round() and torch.round()', () => {
    const cases: [number, number][] = [
      [0.5, 0],
      [1.5, 2],
      [2.5, 2],
      [3.5, 4],
      [-0.5, -0],
      [-1.5, -2],
      [-2.5, -2],
      [0.49999999999999994, 0],
      [2.5000000000000004, 3],
      [-2.4, -2],
      [-2.6, -3],
      [7, 7],
      [1e17 + 0.5, 1e17],
    ];
    for (const [x, r] of cases) expect(roundHalfEven(x), `${x}`).toBe(r);
    expect(Number.isNaN(roundHalfEven(NaN))).toBe(true);
    expect(roundHalfEven(-Infinity)).toBe(-Infinity);
  });

  it('agrees with an independent Math.round-based version on random halves and non-halves', () => {
    const seed = 2201;
    const rng = makeRng(seed);
    for (let i = 0; i < 20000; i++) {
      const n = rng.int(-1000, 1000);
      const x = i % 2 === 0 ? n + 0.5 : (rng.next() - 0.5) * 2000;
      expect(roundHalfEven(x) + 0, `seed ${seed}, x=${x}`).toBe(naiveRoundHalfEven(x) + 0); // +0 folds -0
    }
  });
});
