/**
 * Per-image error metrics for parity checks and the UI (images in [-1, 1], so the peak-to-peak range is 2).
 */
import { MetricsError, requireShape } from './errors';

function requireSameLength(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  requireShape(a.length === b.length, what, `two arrays of equal length`, `${a.length} and ${b.length}`);
  requireShape(a.length > 0, what, 'non-empty arrays', 'empty arrays');
}

/** Mean squared error. */
export function meanSquaredError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  requireSameLength(a, b, 'mean squared error');
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return s / a.length;
}

/**
 * Peak signal-to-noise ratio in dB: 10 log10(range^2 / MSE). `range` is the peak-to-peak value range (2 for
 * images in [-1, 1], the bundle convention). Identical images give Infinity.
 */
export function psnr(a: ArrayLike<number>, b: ArrayLike<number>, range = 2): number {
  if (!(range > 0))
    throw new MetricsError(
      'argument-invalid',
      `PSNR range ${range}.`,
      'Pass the peak-to-peak range of the pixel values (2 for [-1, 1]).',
    );
  const mse = meanSquaredError(a, b);
  return mse === 0 ? Infinity : 10 * Math.log10((range * range) / mse);
}

/** |actual - expected|_2 / |expected|_2; 0 when both are zero, Infinity when only `expected` is. */
export function relativeL2Error(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  requireSameLength(actual, expected, 'relative L2 error');
  let diff = 0;
  let ref = 0;
  for (let i = 0; i < actual.length; i++) {
    diff += (actual[i] - expected[i]) ** 2;
    ref += expected[i] ** 2;
  }
  if (ref === 0) return diff === 0 ? 0 : Infinity;
  return Math.sqrt(diff / ref);
}

/** max_i |actual_i - expected_i| (NaN anywhere gives NaN, so a broken output never passes a tolerance). */
export function maxAbsError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  requireSameLength(actual, expected, 'max abs error');
  let m = 0;
  for (let i = 0; i < actual.length; i++) {
    const e = Math.abs(actual[i] - expected[i]);
    if (Number.isNaN(e)) return NaN;
    if (e > m) m = e;
  }
  return m;
}
