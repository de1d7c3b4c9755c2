/**
 * An error bar, and a small-sample correction, for the Frechet distance of N generated samples, by the
 * grouped (delete-a-group) jackknife: rows are dealt into g groups of whole rounds of classes (jackknife.ts:
 * sample i of class i mod C is in group floor(i / C) mod g, so every group holds every class), FD is recomputed
 * g times with one group left out (theta_i), and with theta_bar = mean(theta_i):
 *   stdError     = sqrt((g - 1) / g * sum (theta_i - theta_bar)^2)
 *   extrapolated = g * fd - (g - 1) * theta_bar
 * FD from N samples is biased upward by roughly c / N (the sample covariance's noise adds to the trace term);
 * the leave-one-group-out FDs see N (g - 1) / g samples, which measures c, and `extrapolated` removes the
 * 1 / N term: an estimate of FD at N = infinity, the same idea as "FID infinity" (Chong and Forsyth, 2020)
 * with the jackknife as the extrapolation. Compare raw FDs only at equal N; `extrapolated` moves much less
 * with N and stdError describes its spread about as well as that of the raw FD (table below). It is only
 * given from N >= dim on: below, the sample covariance is singular and the FD bias does not behave like
 * c / N (on the 10 golden test digits, one per class, N = 10 in 128 dimensions, it comes out at -688).
 *
 * The table below was measured on unclassed Gaussian samples, where any grouping is fine; on class-structured
 * samples only class-balanced groups are calibrated (test/metrics/jackknifeCalibration.test.ts).
 *
 * Why not the bootstrap: measured by test/metrics/fdErrorBarCalibration.test.ts (Gaussian samples with the
 * mnist-classifier test covariance, 128 features, a generator with population FD 63.7, 10 draws per N),
 * resampling with replacement duplicates rows, which lowers the covariance's rank and inflates FD: the
 * bootstrap's 90% percentile interval held the point estimate in only 1/10, 1/10, 3/10 and 8/10 draws at
 * N = 20, 100, 400, 1000, and its spread was 2.2x too wide at N = 20 (159 vs 71). The jackknife, g = 10:
 *
 *   N      raw FD (sd over draws)   jackknife stdError   extrapolated (sd over draws)
 *   20     466 (71)                 99                   45 (75)
 *   100    149 (28)                 22                   70 (28)
 *   400    81 (11)                  8.7                  63 (10)
 *   1000   70 (5.4)                 4.9                  63 (5.4)
 *
 * Cost: the group statistics (N * dim^2 multiply-adds) plus g Frechet distances (one dim x dim
 * eigendecomposition each, about 40 ms at dim 128 on a busy core): about half a second for g = 10.
 */
import { MetricsError } from './errors';
import { FeatureAccumulator } from './featureAccumulator';
import type { FrechetReference } from './frechet';
import { jackknifeGroups, jackknifeStdError, pairedDifference, type JackknifeOptions } from './jackknife';

/** Groups g (default 10) and classes C (default 10) of the jackknife (jackknife.ts). */
export type FdErrorBarOptions = JackknifeOptions;

export interface FdEstimate {
  /** FD of all N samples against the reference. */
  readonly fd: number;
  /** Jackknife standard error of `fd`. */
  readonly stdError: number;
  /** Jackknife bias-corrected FD (the 1 / N term removed); undefined while N < dim (see above). */
  readonly extrapolated: number | undefined;
  /** theta_bar: the mean FD with one group left out (about N (g - 1) / g samples each). */
  readonly leaveOutMean: number;
  /** theta_q: FD without group q (jackknife.ts's groups), q = 0 .. g-1; pairedFdDifference reads them. */
  readonly leaveOut: readonly number[];
  /** g */
  readonly groups: number;
  /** N */
  readonly samples: number;
  /** Whether the groups hold whole rounds of classes (N >= 2C; jackknife.ts). */
  readonly classBalanced: boolean;
}

export function jackknifeFd(
  reference: FrechetReference,
  accumulator: FeatureAccumulator,
  options: FdErrorBarOptions = {},
): FdEstimate {
  const n = accumulator.count;
  if (n < 3) {
    throw new MetricsError(
      'too-few-samples',
      `an FD error bar needs at least 3 samples, there are ${n}.`,
      'Generate more samples first.',
    );
  }
  const groups = jackknifeGroups(n, options);
  const d = accumulator.dim;
  const g = groups.count;
  const rows = accumulator.samples();
  const fd = reference.distance(accumulator.mean(), accumulator.covariance());

  const members = groups.sizes.map((size) => new Float64Array(size * d));
  const filled = new Array<number>(g).fill(0);
  for (let i = 0; i < n; i++) {
    const q = groups.groupOf[i];
    members[q].set(rows.subarray(i * d, (i + 1) * d), filled[q]++ * d);
  }
  const groupStats = members.map((m, q) => FeatureAccumulator.fromRows(m, groups.sizes[q], d, { keepSamples: false }));
  const thetas = groupStats.map((_, left) => {
    const rest = new FeatureAccumulator(d, { keepSamples: false });
    groupStats.forEach((stats, i) => {
      if (i !== left) rest.merge(stats);
    });
    return reference.distance(rest.mean(), rest.covariance());
  });
  const thetaBar = thetas.reduce((a, b) => a + b, 0) / g;
  const stdError = jackknifeStdError(thetas);
  const extrapolated = n >= d ? g * fd - (g - 1) * thetaBar : undefined;
  return {
    fd,
    stdError,
    extrapolated,
    leaveOutMean: thetaBar,
    leaveOut: thetas,
    groups: g,
    samples: n,
    classBalanced: groups.classBalanced,
  };
}

/** An FD with its leave-one-group-out values (jackknifeFd's `fd` and `leaveOut`). */
export interface GroupedFd {
  readonly fd: number;
  readonly leaveOut: readonly number[];
}

/** a.fd - b.fd with the paired jackknife standard error of the difference (jackknife.ts pairedDifference). */
export function pairedFdDifference(a: GroupedFd, b: GroupedFd): { difference: number; stdError: number } {
  return pairedDifference({ value: a.fd, leaveOut: a.leaveOut }, { value: b.fd, leaveOut: b.leaveOut });
}
