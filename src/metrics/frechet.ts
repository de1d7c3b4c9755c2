/**
 * Frechet distance between two Gaussians (the statistic behind FID):
 *   FD = |mu1 - mu2|^2 + tr(S1) + tr(S2) - 2 tr((S1 S2)^(1/2)).
 * S1 S2 is not symmetric, so instead of a general matrix square root we use the similar symmetric matrix
 * M = sqrt(S1) S2 sqrt(S1) (same eigenvalues as S1 S2 when S1, S2 are PSD): tr((S1 S2)^(1/2)) = sum sqrt(eig(M)).
 * Both square roots come from a symmetric eigendecomposition (ml-matrix, f64). The zero eigenvalues of a
 * singular covariance (fewer samples than features, the usual case while samples accumulate) come out as
 * rounding noise of either sign, and sqrt turns noise e into sqrt(e), far larger; so eigenvalues below numpy's
 * rank tolerance (dim * eps * max eigenvalue) are set to 0. A clearly negative one means the input is not a
 * covariance and is reported, since clamping it would hide a bug upstream.
 *
 * `FrechetReference` precomputes sqrt(S1) of the fixed side (the classifier's test-set statistics), so every
 * further distance costs one eigendecomposition: the UI recomputes FD as samples arrive and the jackknife
 * error bar recomputes it once per group.
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { MetricsError, requireShape } from './errors';

/** Eigenvalues below -NEGATIVE_TOLERANCE * max|eigenvalue| are not rounding noise. */
const NEGATIVE_TOLERANCE = 1e-6;
/** Eigenvalues below dim * EPSILON * max|eigenvalue| are numerically zero (numpy.linalg.matrix_rank's tolerance). */
const EPSILON = 2 ** -52;

export interface FrechetParts {
  /** |mu1 - mu2|^2 */
  readonly meanTerm: number;
  /** tr(S1) + tr(S2) - 2 tr((S1 S2)^(1/2)) */
  readonly covarianceTerm: number;
  /** meanTerm + covarianceTerm */
  readonly fd: number;
}

function dimensionOf(mu: ArrayLike<number>, sigma: ArrayLike<number>, what: string): number {
  const d = mu.length;
  requireShape(d > 0, `${what} mean`, 'at least one feature', 'an empty array');
  requireShape(
    sigma.length === d * d,
    `${what} covariance`,
    `${d}x${d} = ${d * d} values (row-major)`,
    `${sigma.length}`,
  );
  const bad = (values: ArrayLike<number>) => Array.prototype.findIndex.call(values, (v: number) => !Number.isFinite(v));
  for (const [name, values] of [
    ['mean', mu],
    ['covariance', sigma],
  ] as const) {
    const i = bad(values);
    if (i >= 0) {
      throw new MetricsError(
        'argument-invalid',
        `${what} ${name} has a non-finite entry at ${i} (${values[i]}).`,
        'Check the features for NaN or Infinity before accumulating them.',
      );
    }
  }
  return d;
}

/** (S + S^T) / 2 as a Matrix: covariances from f32 data are symmetric only up to rounding. */
function symmetricMatrix(flat: ArrayLike<number>, d: number): Matrix {
  const m = new Matrix(d, d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) m.set(i, j, 0.5 * (flat[i * d + j] + flat[j * d + i]));
  }
  return m;
}

/** Eigenvalues of a symmetric PSD matrix, those within rounding noise of 0 set to 0. */
function clampedEigen(m: Matrix, what: string): { values: number[]; vectors: Matrix } {
  const evd = new EigenvalueDecomposition(m, { assumeSymmetric: true });
  const values = evd.realEigenvalues;
  const scale = Math.max(...values.map(Math.abs), 0);
  const worst = Math.min(...values);
  if (!Number.isFinite(worst) || !Number.isFinite(scale)) {
    throw new MetricsError(
      'argument-invalid',
      `${what} has non-finite entries.`,
      'Check the features for NaN or Infinity before accumulating them.',
    );
  }
  const zero = m.rows * EPSILON * scale;
  if (worst < -NEGATIVE_TOLERANCE * scale) {
    throw new MetricsError(
      'not-positive-semidefinite',
      `${what} has eigenvalue ${worst.toExponential(3)} (largest magnitude ${scale.toExponential(3)}): it is not a covariance matrix.`,
      'Pass a covariance (symmetric positive semidefinite), e.g. from FeatureAccumulator.covariance().',
    );
  }
  return { values: values.map((v) => (v > zero ? v : 0)), vectors: evd.eigenvectorMatrix };
}

function trace(flat: ArrayLike<number>, d: number): number {
  let t = 0;
  for (let i = 0; i < d; i++) t += flat[i * d + i];
  return t;
}

/** The fixed side of a Frechet distance, with sqrt(sigma) precomputed. */
export class FrechetReference {
  readonly dim: number;
  private readonly mu: Float64Array;
  private readonly sigmaTrace: number;
  private readonly sqrtSigma: Matrix;

  constructor(mu: ArrayLike<number>, sigma: ArrayLike<number>) {
    this.dim = dimensionOf(mu, sigma, 'reference');
    this.mu = Float64Array.from(mu);
    this.sigmaTrace = trace(sigma, this.dim);
    const { values, vectors } = clampedEigen(symmetricMatrix(sigma, this.dim), 'reference covariance');
    // sqrt(S) = V diag(sqrt(l)) V^T
    const scaled = vectors.clone();
    for (let j = 0; j < this.dim; j++) scaled.mulColumn(j, Math.sqrt(values[j]));
    this.sqrtSigma = scaled.mmul(vectors.transpose());
  }

  /** FD between this reference and N(mu, sigma); `sigma` row-major dim x dim. */
  distance(mu: ArrayLike<number>, sigma: ArrayLike<number>): number {
    return this.distanceParts(mu, sigma).fd;
  }

  distanceParts(mu: ArrayLike<number>, sigma: ArrayLike<number>): FrechetParts {
    const d = dimensionOf(mu, sigma, 'sample');
    requireShape(d === this.dim, 'sample features', `${this.dim} per sample (the reference's dimension)`, `${d}`);
    let meanTerm = 0;
    for (let i = 0; i < d; i++) meanTerm += (mu[i] - this.mu[i]) ** 2;
    const m = this.sqrtSigma.mmul(symmetricMatrix(sigma, d)).mmul(this.sqrtSigma);
    const { values } = clampedEigen(symmetricMatrix(m.to1DArray(), d), 'sqrt(S1) S2 sqrt(S1)');
    let traceSqrt = 0;
    for (const v of values) traceSqrt += Math.sqrt(v);
    const covarianceTerm = this.sigmaTrace + trace(sigma, d) - 2 * traceSqrt;
    return { meanTerm, covarianceTerm, fd: meanTerm + covarianceTerm };
  }
}

/**
 * FD between N(mu1, sigma1) and N(mu2, sigma2); covariances row-major d x d. Exactly symmetric in its
 * arguments only up to rounding (the reference side gets the square root).
 */
export function frechetDistance(
  mu1: ArrayLike<number>,
  sigma1: ArrayLike<number>,
  mu2: ArrayLike<number>,
  sigma2: ArrayLike<number>,
): number {
  return new FrechetReference(mu1, sigma1).distance(mu2, sigma2);
}
