/**
 * Streaming mean and covariance of feature vectors (f64), so the UI can update the Frechet distance as
 * generated samples arrive in batches. Each batch is reduced with two passes over its own rows (numerically
 * stable) and merged with the pairwise update of Chan, Golub and LeVeque:
 *   n = nA + nB,  delta = meanB - meanA,  mean = meanA + delta nB / n,
 *   M2 = M2A + M2B + delta delta^T nA nB / n,
 * where M2 is the sum of outer products of deviations from the mean. covariance() = M2 / (n - 1) (unbiased, the
 * same convention as the classifier bundle's fd-stats). Merging in any order gives the one-shot statistics up
 * to rounding.
 *
 * The rows themselves are kept too (unless `keepSamples: false`): the jackknife error bar (fdErrorBar.ts)
 * regroups them. 1,000 samples of 128 features take 1 MB.
 */
import { MetricsError, requireShape } from './errors';

export interface FeatureAccumulatorOptions {
  /** Keep every row, for the jackknife error bar (default true). */
  readonly keepSamples?: boolean;
}

export class FeatureAccumulator {
  readonly dim: number;
  private keeping: boolean;
  private n = 0;
  private readonly meanVec: Float64Array;
  /** Sum of (x - mean)(x - mean)^T, row-major dim x dim. */
  private readonly m2: Float64Array;
  private rows: Float64Array[] = [];

  constructor(dim: number, options: FeatureAccumulatorOptions = {}) {
    if (!Number.isInteger(dim) || dim <= 0) {
      throw new MetricsError(
        'argument-invalid',
        `feature dimension ${dim} is not a positive integer.`,
        'Pass the classifier featureDim (128 for mnist-classifier).',
      );
    }
    this.dim = dim;
    this.keeping = options.keepSamples ?? true;
    this.meanVec = new Float64Array(dim);
    this.m2 = new Float64Array(dim * dim);
  }

  /** One-shot statistics of `count` rows of `features` (row-major count x dim). */
  static fromRows(
    features: ArrayLike<number>,
    count: number,
    dim: number,
    options: FeatureAccumulatorOptions = {},
  ): FeatureAccumulator {
    const acc = new FeatureAccumulator(dim, options);
    acc.addBatch(features, count);
    return acc;
  }

  /** Whether every row is kept (false after merging an accumulator that did not keep its rows). */
  get keepsSamples(): boolean {
    return this.keeping;
  }

  get count(): number {
    return this.n;
  }

  /** Adds `count` rows (row-major count x dim), e.g. one classifier batch read back from the GPU. */
  addBatch(features: ArrayLike<number>, count: number): void {
    requireShape(Number.isInteger(count) && count >= 0, 'batch row count', 'a non-negative integer', `${count}`);
    requireShape(
      features.length === count * this.dim,
      'feature batch',
      `${count} rows x ${this.dim} = ${count * this.dim} values`,
      `${features.length}`,
    );
    if (count === 0) return;
    for (let r = 0; r < count * this.dim; r++) {
      if (!Number.isFinite(features[r])) {
        throw new MetricsError(
          'argument-invalid',
          `feature ${r % this.dim} of batch row ${Math.floor(r / this.dim)} is ${features[r]}.`,
          'The classifier produced a non-finite feature: check the images fed to it (NaN in the generator output?).',
        );
      }
    }
    const batch = new FeatureAccumulator(this.dim, { keepSamples: false });
    batch.setFromRows(features, count);
    this.mergeStats(batch);
    if (this.keeping) {
      for (let r = 0; r < count; r++)
        this.rows.push(Float64Array.from({ length: this.dim }, (_, j) => features[r * this.dim + j]));
    }
  }

  /** Adds everything `other` accumulated (its rows too, when both keep them). */
  merge(other: FeatureAccumulator): void {
    requireShape(other.dim === this.dim, 'merged accumulator', `dimension ${this.dim}`, `${other.dim}`);
    this.mergeStats(other);
    if (!this.keeping) return;
    if (other.keeping) {
      this.rows.push(...other.rows.map((r) => r.slice()));
    } else if (other.n > 0) {
      // Some rows are unknown now: an error bar from the rest would describe a different sample.
      this.keeping = false;
      this.rows = [];
    }
  }

  mean(): Float64Array {
    return this.meanVec.slice();
  }

  /** Unbiased (N - 1) covariance, row-major dim x dim. */
  covariance(): Float64Array {
    if (this.n < 2) {
      throw new MetricsError(
        'too-few-samples',
        `a covariance needs at least 2 samples, there are ${this.n}.`,
        'Generate more samples before computing the Frechet distance.',
      );
    }
    const out = new Float64Array(this.dim * this.dim);
    for (let i = 0; i < out.length; i++) out[i] = this.m2[i] / (this.n - 1);
    return out;
  }

  /** The kept rows, row-major count x dim. Throws when the accumulator does not keep samples. */
  samples(): Float64Array {
    if (!this.keeping) {
      throw new MetricsError(
        'argument-invalid',
        'this accumulator does not keep its samples.',
        'Create it (and every accumulator merged into it) with keepSamples: true, the default, to compute an FD error bar.',
      );
    }
    const out = new Float64Array(this.rows.length * this.dim);
    this.rows.forEach((row, r) => out.set(row, r * this.dim));
    return out;
  }

  reset(): void {
    this.n = 0;
    this.meanVec.fill(0);
    this.m2.fill(0);
    this.rows = [];
  }

  /** Two-pass statistics of a batch into an empty accumulator. */
  private setFromRows(features: ArrayLike<number>, count: number): void {
    const d = this.dim;
    for (let r = 0; r < count; r++) for (let j = 0; j < d; j++) this.meanVec[j] += features[r * d + j];
    for (let j = 0; j < d; j++) this.meanVec[j] /= count;
    const dev = new Float64Array(d);
    for (let r = 0; r < count; r++) {
      for (let j = 0; j < d; j++) dev[j] = features[r * d + j] - this.meanVec[j];
      addOuter(this.m2, dev, 1, d);
    }
    this.n = count;
  }

  private mergeStats(other: FeatureAccumulator): void {
    if (other.n === 0) return;
    const d = this.dim;
    const nA = this.n;
    const nB = other.n;
    const n = nA + nB;
    const delta = new Float64Array(d);
    for (let j = 0; j < d; j++) delta[j] = other.meanVec[j] - this.meanVec[j];
    for (let i = 0; i < this.m2.length; i++) this.m2[i] += other.m2[i];
    addOuter(this.m2, delta, (nA * nB) / n, d);
    for (let j = 0; j < d; j++) this.meanVec[j] += (delta[j] * nB) / n;
    this.n = n;
  }
}

/** m += w * v v^T (row-major d x d). */
function addOuter(m: Float64Array, v: Float64Array, w: number, d: number): void {
  for (let i = 0; i < d; i++) {
    const wi = w * v[i];
    if (wi === 0) continue;
    const row = i * d;
    for (let j = 0; j < d; j++) m[row + j] += wi * v[j];
  }
}
