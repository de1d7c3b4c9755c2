/**
 * The FD difference between two quality points and its standard error. Points of one sweep (same seed, sample
 * count, steps and cfg) drew sample r from the same random numbers, so their leave-one-group-out FDs pair up
 * and the noise they share cancels (the paired jackknife of src/metrics/fdErrorBar.ts). Older points without
 * leave-out FDs fall back to treating the two as independent: sqrt(se_a^2 + se_b^2), much wider.
 */
import type { QualityPoint } from '../../engine/quality/types';
import { pairedFdDifference } from '../../metrics';

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
  if (sharesDraws(a, b)) {
    return { ...pairedFdDifference({ fd: a.fd, leaveOut: a.fdLeaveOut! }, { fd: b.fd, leaveOut: b.fdLeaveOut! }), paired: true };
  }
  return { difference: a.fd - b.fd, stdError: Math.hypot(a.fdStdErr, b.fdStdErr), paired: false };
}
