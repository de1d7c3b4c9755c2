/**
 * Signal-to-noise arithmetic of the representation-SNR experiment: Gaussian noise at a chosen SNR (dB) relative
 * to the power of the values it is added to, and the SNR of a perturbed output against the clean one. All sums
 * in f64. SNR(dB) = 10 log10(signal power / noise power), power = mean of squares.
 */
import { relativeL2Error } from '../../metrics/imageMetrics';
import type { Pcg32 } from '../../models/runtime/prng';

/** Mean of squares, in f64. */
export function meanSquare(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]! * values[i]!;
  return values.length > 0 ? sum / values.length : 0;
}

/** Standard deviation of the Gaussian noise that sits `snrDb` below the power of `values`. */
export function noiseSigma(values: ArrayLike<number>, snrDb: number): number {
  return Math.sqrt(meanSquare(values) / 10 ** (snrDb / 10));
}

/**
 * Adds N(0, sigma^2) noise with sigma = noiseSigma(values, snrDb) to `values` in place (draws from `rng`, so a
 * seeded generator gives the same noise every run). Returns sigma.
 */
export function addNoiseAtSnr(values: Float32Array, snrDb: number, rng: Pcg32): number {
  if (!Number.isFinite(snrDb)) throw new RangeError(`SNR ${snrDb} dB is not finite.`);
  const sigma = noiseSigma(values, snrDb);
  for (let i = 0; i < values.length; i++) values[i] = values[i]! + sigma * rng.normal();
  return sigma;
}

/**
 * SNR (dB) of `test` against `reference`: 10 log10(sum ref^2 / sum (test - ref)^2) = -20 log10 of the relative
 * L2 error. Infinity when the two are identical; -Infinity when the reference is all zeros but the test is not.
 */
export function outputSnrDb(reference: ArrayLike<number>, test: ArrayLike<number>): number {
  return -20 * Math.log10(relativeL2Error(test, reference));
}

/** Fraction of positions where two token arrays differ. */
export function changedFraction(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`comparing ${a.length} tokens with ${b.length}.`);
  let changed = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) changed++;
  return a.length > 0 ? changed / a.length : 0;
}
