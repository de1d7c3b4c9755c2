/**
 * The comparison of the parity checks (vitest on Dawn, the parity page in Chromium, tools/parity/parity.mjs):
 * max |actual - golden| / max |golden|, one number per tensor, and exact equality for token indices.
 */
export function maxRelativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length)
    throw new Error(`length ${actual.length} differs from the golden's ${expected.length}`);
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    maxDiff = Number.isNaN(d) ? Infinity : Math.max(maxDiff, d);
    maxRef = Math.max(maxRef, Math.abs(expected[i]));
  }
  if (maxRef === 0) throw new Error('the golden is all zeros: a parity check on zeros proves nothing');
  return maxDiff / maxRef;
}

/** Number of positions where two index arrays differ. */
export function countMismatches(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length)
    throw new Error(`length ${actual.length} differs from the golden's ${expected.length}`);
  let n = 0;
  for (let i = 0; i < expected.length; i++) if (actual[i] !== expected[i]) n++;
  return n;
}
