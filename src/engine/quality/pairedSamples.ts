/**
 * Paired per-sample metrics of a live quality point against fp32 on the same draws (sample i of both from the
 * same seed, class and random numbers): they compare the quantised model with its own full-precision self
 * sample by sample, so they converge in tens of samples where FD needs thousands.
 *
 *   PSNR vs fp32       10 log10(range^2 / mean_i MSE_i) over the decoded images (range 2: pixels in [-1, 1]);
 *                      the mean MSE, not the mean of per-sample PSNRs, so identical samples (MSE 0, PSNR
 *                      infinite) count without breaking the average. Error: the balanced grouped jackknife of
 *                      src/metrics/jackknife.ts (the same groups as FD and KID) of that PSNR.
 *   label agreement    fraction of samples the classifier gives the same label as fp32's sample;
 *   token agreement    VAR: mean over samples of the fraction of tokens (all scales) equal to fp32's.
 *                      Both means, with the standard error over samples sd / sqrt(n) (sd with n - 1).
 */
import { jackknifeGroups, jackknifeStdError } from '../../metrics/jackknife';

/** One sample of the quantised model against fp32's sample of the same draws. */
export interface PairedSample {
  /** Mean squared error of the decoded images (undefined without decoded images). */
  readonly mse?: number;
  /** Whether the classifier's labels of the two agree (undefined without a classifier). */
  readonly labelAgrees?: boolean;
  /** VAR: fraction of the sample's tokens equal to fp32's. */
  readonly tokenAgreement?: number;
}

export interface PairedEstimate {
  readonly value: number;
  readonly stdError: number;
  readonly samples: number;
}

export interface PairedMetrics {
  readonly samples: number;
  /** dB; Infinity when every image equals fp32's. */
  readonly psnr?: PairedEstimate;
  readonly labelAgreement?: PairedEstimate;
  readonly tokenAgreement?: PairedEstimate;
}

/** Pixel range of the decoded images ([-1, 1]). */
export const IMAGE_RANGE = 2;

/** Mean with its standard error over samples, sd / sqrt(n), sd with n - 1 (NaN below 2 samples). */
export function meanWithStdError(values: readonly number[]): PairedEstimate {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { value: mean, stdError: NaN, samples: n };
  const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1);
  return { value: mean, stdError: Math.sqrt(variance / n), samples: n };
}

function psnrOfMse(mse: number, range: number): number {
  return mse === 0 ? Infinity : 10 * Math.log10((range * range) / mse);
}

/**
 * PSNR of the mean MSE with the grouped jackknife error (sample i in the group src/metrics/jackknife.ts gives it;
 * `classes`: sample i was generated for class i mod classes). Error 0 when every MSE is 0; NaN when a
 * leave-one-group-out mean is 0 while the full one is not (all the error in one group), and below 3 samples.
 */
export function psnrWithJackknife(mse: readonly number[], classes = 10, range = IMAGE_RANGE): PairedEstimate {
  const n = mse.length;
  const total = mse.reduce((a, b) => a + b, 0);
  const value = psnrOfMse(total / n, range);
  if (n < 3) return { value, stdError: NaN, samples: n };
  if (total === 0) return { value, stdError: 0, samples: n };
  const groups = jackknifeGroups(n, { classes });
  const sums = new Array<number>(groups.count).fill(0);
  for (let i = 0; i < n; i++) sums[groups.groupOf[i]!] += mse[i]!;
  const leaveOut = sums.map((s, q) => psnrOfMse((total - s) / (n - groups.sizes[q]!), range));
  return { value, stdError: leaveOut.every(Number.isFinite) ? jackknifeStdError(leaveOut) : NaN, samples: n };
}

/** Fraction of equal entries of two token arrays of one sample. */
export function tokenAgreement(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length || a.length === 0) throw new Error(`tokenAgreement: ${a.length} and ${b.length} tokens`);
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return same / a.length;
}

/** Collects PairedSamples in sample order (sample i = class i mod classes) and estimates the metrics. */
export class PairedSampleAccumulator {
  private readonly mse: number[] = [];
  private readonly labels: number[] = [];
  private readonly tokens: number[] = [];
  private count = 0;

  constructor(private readonly classes = 10) {}

  get samples(): number {
    return this.count;
  }

  add(sample: PairedSample): void {
    this.count++;
    if (sample.mse !== undefined) this.mse.push(sample.mse);
    if (sample.labelAgrees !== undefined) this.labels.push(sample.labelAgrees ? 1 : 0);
    if (sample.tokenAgreement !== undefined) this.tokens.push(sample.tokenAgreement);
  }

  estimate(): PairedMetrics {
    return {
      samples: this.count,
      ...(this.mse.length === this.count && this.count > 0 ? { psnr: psnrWithJackknife(this.mse, this.classes) } : {}),
      ...(this.labels.length > 0 ? { labelAgreement: meanWithStdError(this.labels) } : {}),
      ...(this.tokens.length > 0 ? { tokenAgreement: meanWithStdError(this.tokens) } : {}),
    };
  }
}
