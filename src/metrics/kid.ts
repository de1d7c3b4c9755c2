/**
 * KID, the kernel inception distance of Binkowski et al. 2018 (here on our MNIST classifier's features, not
 * Inception's): the unbiased estimator of the squared maximum mean discrepancy with the cubic polynomial kernel
 *   k(x, y) = (x . y / d + 1)^3
 * between N generated samples x_i and M reference features y_j (the classifier's test split):
 *   KID = 1 / (N (N - 1)) sum_{i != i'} k(x_i, x_i')  +  1 / (M (M - 1)) sum_{j != j'} k(y_j, y_j')
 *         - 2 / (N M) sum_{i, j} k(x_i, y_j).
 * Unlike FD it has no bias that grows like d / N (its expectation is the population MMD^2 at every N >= 2, and 0
 * for samples of the reference distribution), so points measured at small N can be read directly; it can be
 * slightly negative.
 *
 * Class-stratified samples. Our samples are not drawn from the generator's class mixture at random: sample i is
 * generated for class i mod C, so every class has exactly N / C samples. The plain sample term above then
 * under-weights pairs of one class (N / C - 1 partners of the same class out of N - 1, not 1 / C of them) and is
 * biased by O(1 / N) (on well-separated classes, such as a classifier's features, it is the largest error at
 * N = 100: test/metrics/kid.test.ts). So the sample term weights pairs of the same class and pairs of different
 * classes by their share in the equal-weight class mixture:
 *   sample term = 1 / C * mean over ordered same-class pairs + (1 - 1 / C) * mean over different-class pairs,
 * which is unbiased for that mixture when each class has the same count (whole rounds), and close to it
 * otherwise. A set with no two samples of one class (fewer than two rounds) has no same-class pairs; an
 * estimate any of whose sets (all N, or one leave-one-group-out set) lacks them uses the plain sample term
 * throughout (`stratified: false`; N < 30 with 10 classes).
 *
 * Cost and memory. The reference term (mean off-diagonal kernel among the M reference features, O(M^2 d)) does
 * not depend on the samples: it is computed once (by the exporter, shipped as kYY in the classifier bundle's
 * kid-reference file, or here in `KidReference.fromFeatures` when not given). The cross term needs, per sample,
 * only the mean kernel value against the reference, h(x) = mean_j k(x, y_j) (O(M d) once per sample, when it is
 * added). The sample term needs kernel sums between samples: KidAccumulator keeps them summed per pair of
 * rounds (blocks of C consecutive samples, one of each class; O(N d) per added sample and (N / C)^2 / 2 numbers),
 * which is all the class-balanced jackknife groups of jackknife.ts need (a group is a set of whole rounds), so
 * an estimate with its g leave-one-group-out values costs O((N / C)^2) however often the live point asks.
 */
import { MetricsError, requireShape } from './errors';
import {
  classOfSample,
  DEFAULT_CLASSES,
  jackknifeGroups,
  jackknifeStdError,
  pairedDifference,
  type JackknifeOptions,
  type LeaveOutValues,
} from './jackknife';

/** k(x, y) = (x . y / d + 1)^3 of rows a (at offset ao) and b (at bo), both of length d. */
export function polynomialKernel(
  a: ArrayLike<number>,
  ao: number,
  b: ArrayLike<number>,
  bo: number,
  d: number,
): number {
  let dot = 0;
  for (let k = 0; k < d; k++) dot += a[ao + k] * b[bo + k];
  const t = dot / d + 1;
  return t * t * t;
}

/** The reference side of KID: M feature rows and the mean off-diagonal kernel value among them. */
export class KidReference {
  readonly dim: number;
  readonly count: number;
  /** 1 / (M (M - 1)) sum_{j != j'} k(y_j, y_j') */
  readonly selfKernelMean: number;
  private readonly features: Float32Array | Float64Array;

  private constructor(features: Float32Array | Float64Array, count: number, dim: number, selfKernelMean: number) {
    this.features = features;
    this.count = count;
    this.dim = dim;
    this.selfKernelMean = selfKernelMean;
  }

  /**
   * `features` row-major M x d (kept, not copied, when it is a Float32Array or Float64Array). `selfKernelMean`:
   * the exporter's kYY of exactly these features; computed here (O(M^2 d), seconds for 10,000 x 128) when absent.
   */
  static fromFeatures(features: ArrayLike<number>, count: number, dim: number, selfKernelMean?: number): KidReference {
    requireShape(Number.isInteger(dim) && dim > 0, 'KID reference dimension', 'a positive integer', `${dim}`);
    requireShape(Number.isInteger(count) && count >= 2, 'KID reference rows', 'at least 2', `${count}`);
    requireShape(
      features.length === count * dim,
      'KID reference features',
      `${count} x ${dim} = ${count * dim} values`,
      `${features.length}`,
    );
    const rows =
      features instanceof Float32Array || features instanceof Float64Array ? features : Float64Array.from(features);
    for (let i = 0; i < rows.length; i++) {
      if (!Number.isFinite(rows[i])) {
        throw new MetricsError(
          'argument-invalid',
          `KID reference feature ${i % dim} of row ${Math.floor(i / dim)} is ${rows[i]}.`,
          'Re-export the classifier bundle (its kid-reference features must be finite).',
        );
      }
    }
    let self = selfKernelMean;
    if (self === undefined) {
      let sum = 0;
      for (let j = 0; j < count; j++)
        for (let jj = 0; jj < j; jj++) sum += polynomialKernel(rows, j * dim, rows, jj * dim, dim);
      self = (2 * sum) / (count * (count - 1));
    } else if (!Number.isFinite(self)) {
      throw new MetricsError(
        'argument-invalid',
        `KID reference kYY is ${self}.`,
        'Re-export the classifier bundle (kYY must be finite).',
      );
    }
    return new KidReference(rows, count, dim, self);
  }

  /** h(x) = 1 / M sum_j k(x, y_j) of the row at offset `offset` of `x`. */
  crossKernelMean(x: ArrayLike<number>, offset = 0): number {
    const d = this.dim;
    const y = this.features;
    let sum = 0;
    for (let j = 0; j < this.count; j++) {
      let dot = 0;
      const o = j * d;
      for (let k = 0; k < d; k++) dot += x[offset + k] * y[o + k];
      const t = dot / d + 1;
      sum += t * t * t;
    }
    return sum / this.count;
  }
}

export interface KidEstimate {
  /** KID of all N samples against the reference. */
  readonly kid: number;
  /** Jackknife standard error of `kid`. */
  readonly stdError: number;
  /** KID without group q, q = 0 .. g-1 (jackknife.ts's groups); pairedKidDifference reads them. */
  readonly leaveOut: readonly number[];
  readonly leaveOutMean: number;
  /** g */
  readonly groups: number;
  /** N */
  readonly samples: number;
  /** Whether the groups hold whole rounds of classes (N >= 2C; jackknife.ts). */
  readonly classBalanced: boolean;
  /** Whether the sample term is the class-stratified one (see above; false below N = 3C). */
  readonly stratified: boolean;
}

/**
 * Streaming KID: feature rows are added as samples arrive (sample i = the i-th row added, of class i mod C), and
 * `estimate()` gives KID with its class-balanced jackknife error at any time.
 */
export class KidAccumulator {
  readonly reference: KidReference;
  readonly classes: number;
  private readonly rows: Float64Array[] = [];
  /** h(x_i) per sample. */
  private readonly cross: number[] = [];
  /**
   * pairs[b][2c] and pairs[b][2c + 1], c <= b: sums of k(x_i, x_j) over i in round b, j in round c, j < i, for
   * pairs of the same class and of different classes.
   */
  private readonly pairs: Float64Array[] = [];

  constructor(reference: KidReference, options: { readonly classes?: number } = {}) {
    const classes = options.classes ?? DEFAULT_CLASSES;
    if (!Number.isInteger(classes) || classes < 1) {
      throw new MetricsError(
        'argument-invalid',
        `classes = ${classes}.`,
        'Pass the number of classes the samples cycle through (10 for MNIST).',
      );
    }
    this.reference = reference;
    this.classes = classes;
  }

  get count(): number {
    return this.rows.length;
  }

  /** Adds `count` rows (row-major count x dim) in sample order. */
  addBatch(features: ArrayLike<number>, count: number): void {
    const d = this.reference.dim;
    requireShape(Number.isInteger(count) && count >= 0, 'batch row count', 'a non-negative integer', `${count}`);
    requireShape(
      features.length === count * d,
      'feature batch',
      `${count} rows x ${d} = ${count * d} values`,
      `${features.length}`,
    );
    for (let r = 0; r < count * d; r++) {
      if (!Number.isFinite(features[r])) {
        throw new MetricsError(
          'argument-invalid',
          `feature ${r % d} of batch row ${Math.floor(r / d)} is ${features[r]}.`,
          'The classifier produced a non-finite feature: check the images fed to it (NaN in the generator output?).',
        );
      }
    }
    const C = this.classes;
    for (let r = 0; r < count; r++) {
      const x = Float64Array.from({ length: d }, (_, k) => features[r * d + k]);
      const i = this.rows.length;
      const b = Math.floor(i / C);
      if (this.pairs.length <= b) this.pairs.push(new Float64Array(2 * (b + 1)));
      const sums = this.pairs[b]!;
      const cls = classOfSample(i, C);
      for (let j = 0; j < i; j++)
        sums[2 * Math.floor(j / C) + (classOfSample(j, C) === cls ? 0 : 1)] += polynomialKernel(
          x,
          0,
          this.rows[j]!,
          0,
          d,
        );
      this.cross.push(this.reference.crossKernelMean(x));
      this.rows.push(x);
    }
  }

  /** KID with its jackknife error; needs 3+ samples. `options.classes` must be this accumulator's, if given. */
  estimate(options: Pick<JackknifeOptions, 'groups'> = {}): KidEstimate {
    const n = this.rows.length;
    if (n < 3) {
      throw new MetricsError(
        'too-few-samples',
        `a KID error bar needs at least 3 samples, there are ${n}.`,
        'Generate more samples first.',
      );
    }
    const C = this.classes;
    const groups = jackknifeGroups(n, { groups: options.groups, classes: C });
    const g = groups.count;
    // Unordered pair sums, same class [0] and different classes [1]: inside group q (within), with one member
    // in q (across), and over all samples.
    const within = [new Float64Array(g), new Float64Array(g)];
    const across = [new Float64Array(g), new Float64Array(g)];
    const all = [0, 0];
    const addPair = (p: number, q: number, kind: number, sum: number) => {
      all[kind] += sum;
      if (p === q) within[kind]![p] += sum;
      else {
        across[kind]![p] += sum;
        across[kind]![q] += sum;
      }
    };
    if (groups.classBalanced) {
      // A group is a set of whole rounds (round b in group b mod g).
      this.pairs.forEach((row, b) => {
        for (let c = 0; c <= b; c++)
          for (let kind = 0; kind < 2; kind++) addPair(b % g, c % g, kind, row[2 * c + kind]!);
      });
    } else {
      const d = this.reference.dim;
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < i; j++) {
          const kind = classOfSample(i, C) === classOfSample(j, C) ? 0 : 1;
          addPair(groups.groupOf[i], groups.groupOf[j], kind, polynomialKernel(this.rows[i]!, 0, this.rows[j]!, 0, d));
        }
      }
    }
    const crossByGroup = new Float64Array(g);
    const classCounts = Array.from({ length: g }, () => new Array<number>(C).fill(0));
    let crossAll = 0;
    for (let i = 0; i < n; i++) {
      crossByGroup[groups.groupOf[i]] += this.cross[i]!;
      classCounts[groups.groupOf[i]]![classOfSample(i, C)]++;
      crossAll += this.cross[i]!;
    }
    const totalCounts = Array.from({ length: C }, (_, c) => classCounts.reduce((s, counts) => s + counts[c]!, 0));
    // Ordered same-class pairs of a set with these class counts.
    const samePairs = (counts: readonly number[]) => counts.reduce((s, k) => s + k * (k - 1), 0);
    const sets = [
      { same: all[0]!, diff: all[1]!, cross: crossAll, count: n, counts: totalCounts },
      ...Array.from({ length: g }, (_, q) => ({
        same: all[0]! - within[0]![q]! - across[0]![q]!,
        diff: all[1]! - within[1]![q]! - across[1]![q]!,
        cross: crossAll - crossByGroup[q]!,
        count: n - groups.sizes[q]!,
        counts: totalCounts.map((k, c) => k - classCounts[q]![c]!),
      })),
    ];
    const stratified = C > 1 && sets.every((set) => samePairs(set.counts) > 0);
    const kYY = this.reference.selfKernelMean;
    const kid = (set: (typeof sets)[number]) => {
      const orderedPairs = set.count * (set.count - 1);
      const same = samePairs(set.counts);
      const sampleTerm = stratified
        ? (2 * set.same) / same / C + ((1 - 1 / C) * (2 * set.diff)) / (orderedPairs - same)
        : (2 * (set.same + set.diff)) / orderedPairs;
      return sampleTerm + kYY - (2 * set.cross) / set.count;
    };
    const [full, ...leaveOut] = sets.map(kid);
    return {
      kid: full!,
      stdError: jackknifeStdError(leaveOut),
      leaveOut,
      leaveOutMean: leaveOut.reduce((a, b) => a + b, 0) / g,
      groups: g,
      samples: n,
      classBalanced: groups.classBalanced,
      stratified,
    };
  }

  reset(): void {
    this.rows.length = 0;
    this.cross.length = 0;
    this.pairs.length = 0;
  }
}

/** KID with its jackknife error of `count` rows at once (row i of class i mod C). */
export function jackknifeKid(
  reference: KidReference,
  features: ArrayLike<number>,
  count: number,
  options: JackknifeOptions = {},
): KidEstimate {
  const acc = new KidAccumulator(reference, { classes: options.classes });
  acc.addBatch(features, count);
  return acc.estimate({ groups: options.groups });
}

/** A KID with its leave-one-group-out values (jackknifeKid's `kid` and `leaveOut`). */
export interface GroupedKid {
  readonly kid: number;
  readonly leaveOut: readonly number[];
}

/** a.kid - b.kid with the paired jackknife standard error of the difference (jackknife.ts pairedDifference). */
export function pairedKidDifference(a: GroupedKid, b: GroupedKid): { difference: number; stdError: number } {
  const values = (e: GroupedKid): LeaveOutValues => ({ value: e.kid, leaveOut: e.leaveOut });
  return pairedDifference(values(a), values(b));
}
