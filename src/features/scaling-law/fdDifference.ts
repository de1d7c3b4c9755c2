/**
 * The FD difference between two quality points and its standard error. Points of one sweep (same seed, sample
 * count, steps and cfg) drew sample r from the same random numbers, so their leave-one-group-out FDs pair up
 * and the noise they share cancels (the paired jackknife of src/metrics/fdErrorBar.ts). Older points without
 * leave-out FDs fall back to treating the two as independent: sqrt(se_a^2 + se_b^2), much wider.
 */
import type { QualityPoint } from '../../engine/quality/types';
import { pairedDifference } from '../../metrics';
import { metricValue, type QualityMetric } from './metric';

export interface FdDifference {
  /** a.fd - b.fd */
  readonly difference: number;
  readonly stdError: number;
  /** Whether the error is the paired one (shared draws) rather than the independent bound. */
  readonly paired: boolean;
}

export function sharesDraws(a: QualityPoint, b: QualityPoint): boolean {
  return (
    a.fdLeaveOut !== undefined &&
    b.fdLeaveOut !== undefined &&
    a.fdLeaveOut.length === b.fdLeaveOut.length &&
    a.seed !== undefined &&
    a.seed === b.seed &&
    a.samples === b.samples &&
    a.steps === b.steps &&
    a.cfg === b.cfg &&
    a.family === b.family &&
    a.sampler === b.sampler
  );
}

export function fdDifference(a: QualityPoint, b: QualityPoint): FdDifference {
  return metricDifference(a, b, 'fd') ?? { difference: NaN, stdError: NaN, paired: false };
}

/**
 * a - b of one metric (FD or KID) with its standard error: paired when the points share their draws and both
 * carry that metric's leave-one-group-out values, else the independent bound. undefined when either point
 * lacks the metric.
 */
export function metricDifference(a: QualityPoint, b: QualityPoint, metric: QualityMetric): FdDifference | undefined {
  const [ma, mb] = [metricValue(a, metric), metricValue(b, metric)];
  if (!ma || !mb) return undefined;
  if (sharesDraws(a, b) && ma.leaveOut && mb.leaveOut && ma.leaveOut.length === mb.leaveOut.length) {
    return {
      ...pairedDifference({ value: ma.value, leaveOut: ma.leaveOut }, { value: mb.value, leaveOut: mb.leaveOut }),
      paired: true,
    };
  }
  return { difference: ma.value - mb.value, stdError: Math.hypot(ma.stdError, mb.stdError), paired: false };
}
