/**
 * Which shared Phi conv each VAR scale uses (official PhiPartiallyShared, FoundationVision/VAR models/quant.py):
 * ticks = numpy.linspace(1/(3n), 1-1/(3n), n) for n = 4 convs, else linspace(1/(2n), 1-1/(2n), n); scale k of K
 * uses the conv whose tick is nearest k/(K-1), the first one on a tie (numpy's argmin).
 *
 * The arithmetic must be numpy's, bit for bit: with K = 10 and n = 4, scales 2 and 7 lie exactly halfway between
 * two ticks, so the last bit of a tick decides (numpy: [0,0,1,1,1,2,2,3,3,3]; `margin + (1-2*margin)*i/(n-1)`
 * gives [0,0,0,1,1,2,2,2,3,3] and changes the logits by ~19%). test/models/phiIndex.test.ts compares every case
 * of 1..16 scales and 1..8 convs with what the Python side writes (test/fixtures/phi-index.json).
 */

/**
 * numpy.linspace(start, stop, num) with endpoint=True for float64, as numpy computes it:
 * step = (stop - start) / (num - 1); y[i] = i * step + start; then y[num-1] = stop exactly.
 * With num = 1 numpy's step is undefined and y = [0 * (stop - start) + start] = [start].
 */
export function numpyLinspace(start: number, stop: number, num: number): number[] {
  const div = num - 1;
  const delta = stop - start;
  const step = delta / div;
  // numpy divides first (y /= div; y *= delta) only when the step underflows to 0 (denormal margins, gh-5437).
  const at = (i: number): number => (div <= 0 ? i * delta : step === 0 ? (i / div) * delta : i * step) + start;
  const y = Array.from({ length: num }, (_, i) => at(i));
  if (num > 1) y[num - 1] = stop;
  return y;
}

/** The official ticks of n shared Phi convs (`config.phiTicks` of a tokenizer bundle). */
export function phiTicks(phiCount: number): number[] {
  const n = phiCount;
  return n === 4 ? numpyLinspace(1 / 3 / n, 1 - 1 / 3 / n, n) : numpyLinspace(1 / 2 / n, 1 - 1 / 2 / n, n);
}

/** The Phi index of every scale (`config.phiIndexPerScale`); needs at least two scales (k/(K-1)). */
export function phiIndexPerScale(numScales: number, phiCount: number): number[] {
  if (!(numScales >= 2)) throw new RangeError(`phiIndexPerScale needs at least two scales (k/(K-1)), got ${numScales}`);
  const ticks = phiTicks(phiCount);
  return Array.from({ length: numScales }, (_, k) => {
    const at = k / (numScales - 1);
    let best = 0;
    for (let i = 1; i < ticks.length; i++) if (Math.abs(ticks[i] - at) < Math.abs(ticks[best] - at)) best = i;
    return best;
  });
}
