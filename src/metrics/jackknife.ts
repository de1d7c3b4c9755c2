/**
 * The leave-one-group-out (grouped) jackknife shared by every sample-quality statistic (FD in fdErrorBar.ts,
 * KID in kid.ts), and the one rule that says which class a quality sample is generated for and which group it
 * belongs to. Both live here so that they cannot drift apart:
 *
 *   class of sample i = i mod C                       (C = number of classes, 10 for MNIST)
 *   group of sample i = floor(i / C) mod g            (once there are two full rounds of classes, i >= 2C)
 *
 * Samples arrive as rounds of C consecutive samples, one of each class; a group is a set of whole rounds, so
 * every group holds every class in the same proportion and leaving one group out removes noise, not a class.
 * The earlier rule (group = i mod g with g = C) put all of one class into one group: each leave-one-group-out
 * value then lacked a whole class, and the standard error measured class imbalance instead of sampling noise
 * (about 5x too wide on our features; test/metrics/jackknifeCalibration.test.ts shows it on a 10-class mixture
 * and that the rule above is calibrated).
 *
 * Below two full rounds (N < 2C) there are not two groups holding every class; the samples are then cut into
 * g = min(groups, N) contiguous chunks (group floor(i g / N), the delete-one jackknife when g = N). Such an
 * error is rough (the delete-one jackknife of a stratified sample overstates its spread) and only the live
 * point's first partials use it.
 *
 * With theta_q the statistic without group q and theta_bar their mean:
 *   stdError = sqrt((g - 1) / g * sum_q (theta_q - theta_bar)^2)
 * and for two statistics measured on the same draws (row r of both from the same random numbers) the error of
 * their difference is the same formula on theta_q(a) - theta_q(b) (pairedDifference): the noise they share
 * cancels.
 */
import { MetricsError } from './errors';

/** Default number of jackknife groups. */
export const DEFAULT_GROUPS = 10;
/** Default number of classes C (MNIST). */
export const DEFAULT_CLASSES = 10;

export interface JackknifeOptions {
  /** Number of jackknife groups g (default 10; fewer when there are fewer rounds of classes). */
  readonly groups?: number;
  /** Number of classes C: sample i was generated for class i mod C (default 10). */
  readonly classes?: number;
}

export interface JackknifeGroups {
  /** g */
  readonly count: number;
  /** Group of each sample, 0 .. g-1. */
  readonly groupOf: Int32Array;
  /** Samples per group. */
  readonly sizes: readonly number[];
  /** true: whole rounds of classes (floor(i / C) mod g); false: contiguous chunks (N < 2C). */
  readonly classBalanced: boolean;
}

/** The class quality sample i is generated for (the engine's labels, and the rounds the groups are made of). */
export function classOfSample(index: number, classes: number = DEFAULT_CLASSES): number {
  return index % classes;
}

/** Groups of N samples by the rule above. Throws for N < 3 or bad options. */
export function jackknifeGroups(n: number, options: JackknifeOptions = {}): JackknifeGroups {
  const wanted = options.groups ?? DEFAULT_GROUPS;
  const classes = options.classes ?? DEFAULT_CLASSES;
  if (!Number.isInteger(wanted) || wanted < 2) {
    throw new MetricsError(
      'argument-invalid',
      `groups = ${wanted}.`,
      'Use an integer of at least 2 (10 is a good default).',
    );
  }
  if (!Number.isInteger(classes) || classes < 1) {
    throw new MetricsError(
      'argument-invalid',
      `classes = ${classes}.`,
      'Pass the number of classes the samples cycle through (10 for MNIST).',
    );
  }
  if (!Number.isInteger(n) || n < 3) {
    throw new MetricsError(
      'too-few-samples',
      `a jackknife error needs at least 3 samples, there are ${n}.`,
      'Generate more samples first.',
    );
  }
  const rounds = Math.floor(n / classes);
  const classBalanced = rounds >= 2;
  const count = classBalanced ? Math.min(wanted, rounds) : Math.min(wanted, n);
  const groupOf = new Int32Array(n);
  for (let i = 0; i < n; i++)
    groupOf[i] = classBalanced ? Math.floor(i / classes) % count : Math.floor((i * count) / n);
  const sizes = new Array<number>(count).fill(0);
  for (let i = 0; i < n; i++) sizes[groupOf[i]]++;
  return { count, groupOf, sizes, classBalanced };
}

/** sqrt((g - 1) / g * sum (theta_q - theta_bar)^2) of g leave-one-group-out values. */
export function jackknifeStdError(leaveOut: readonly number[]): number {
  const g = leaveOut.length;
  const bar = leaveOut.reduce((a, b) => a + b, 0) / g;
  return Math.sqrt(((g - 1) / g) * leaveOut.reduce((a, t) => a + (t - bar) ** 2, 0));
}

/** A statistic with its leave-one-group-out values (jackknifeFd's fd and leaveOut, jackknifeKid's kid and leaveOut). */
export interface LeaveOutValues {
  readonly value: number;
  readonly leaveOut: readonly number[];
}

/**
 * a.value - b.value with the paired (grouped) jackknife standard error of the difference: theta_q(a) - theta_q(b)
 * per left-out group q. Valid when row r of a and row r of b come from the same random draws (same seed, class
 * and index, as every quality point of one sweep), so both leave out the same samples: the noise the two share
 * cancels, and the error of a difference between two settings of one model is far smaller than the points' own
 * error bars combined (sqrt(se_a^2 + se_b^2) treats them as independent).
 */
export function pairedDifference(a: LeaveOutValues, b: LeaveOutValues): { difference: number; stdError: number } {
  const g = a.leaveOut.length;
  if (g < 2 || b.leaveOut.length !== g) {
    throw new MetricsError(
      'argument-invalid',
      `leave-out values of ${g} and ${b.leaveOut.length} groups cannot be paired.`,
      'Pair two estimates made with the same groups from the same samples.',
    );
  }
  return { difference: a.value - b.value, stdError: jackknifeStdError(a.leaveOut.map((t, q) => t - b.leaveOut[q]!)) };
}
