/**
 * Tolerance check shared by the op tests (pure and GPU): |actual - expected| <= atol + rtol * |expected| for every
 * element, NaN never passes. The failure message names the context (shape, seed) and the worst element.
 */
import { expect } from 'vitest';

export interface Tolerance {
  readonly atol: number;
  readonly rtol: number;
}

export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: Tolerance,
  context: string,
): void {
  expect(actual.length, `${context}: length`).toBe(expected.length);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual[i] - expected[i]);
    const allowed = tol.atol + tol.rtol * Math.abs(expected[i]);
    const excess = Number.isNaN(err) ? Infinity : err / allowed;
    if (excess > 1 && excess > worstExcess) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0) {
    throw new Error(
      `${context}: element ${worst} is ${actual[worst]}, expected ${expected[worst]} ` +
        `(error ${Math.abs(actual[worst] - expected[worst])} exceeds atol ${tol.atol} + rtol ${tol.rtol})`,
    );
  }
}

/** Uniform values in [lo, hi) from a seeded generator. */
export function uniformArray(next: () => number, n: number, lo = -1, hi = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * next();
  return out;
}

/**
 * A fresh seed per run, so every run tries new inputs; set KERNEL_TEST_SEED to replay a failure (the seed is in
 * every failure message through the test's context string).
 */
export function freshSeed(): number {
  const fixed = process.env.KERNEL_TEST_SEED;
  return fixed ? Number(fixed) : Math.floor(Math.random() * 2 ** 31);
}
