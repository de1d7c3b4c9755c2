/**
 * Image metrics (pure TypeScript, f64, no GPU):
 *
 *   const reference = new FrechetReference(fdStats.mu, fdStats.sigma);   // classifier bundle's test-set statistics
 *   const acc = new FeatureAccumulator(128);
 *   acc.addBatch(featuresOfBatch, batchSize);                            // as generated samples arrive
 *   const fd = reference.distance(acc.mean(), acc.covariance());
 *   const { stdError, extrapolated } = jackknifeFd(reference, acc);     // error bar, small-N correction
 *   const kid = new KidAccumulator(KidReference.fromFeatures(testFeatures, m, 128, kYY));
 *   kid.addBatch(featuresOfBatch, batchSize);
 *   const { kid, stdError } = kid.estimate();                           // unbiased KID and its error
 * Sample i is generated for class i mod 10 and sits in jackknife group floor(i / 10) mod g (jackknife.ts).
 */
export { MetricsError, type MetricsErrorCode } from './errors';
export { FrechetReference, frechetDistance, type FrechetParts } from './frechet';
export { FeatureAccumulator, type FeatureAccumulatorOptions } from './featureAccumulator';
export { jackknifeFd, pairedFdDifference, type FdErrorBarOptions, type FdEstimate, type GroupedFd } from './fdErrorBar';
export {
  classOfSample,
  jackknifeGroups,
  jackknifeStdError,
  pairedDifference,
  DEFAULT_CLASSES,
  DEFAULT_GROUPS,
  type JackknifeGroups,
  type JackknifeOptions,
  type LeaveOutValues,
} from './jackknife';
export {
  KidAccumulator,
  KidReference,
  jackknifeKid,
  pairedKidDifference,
  polynomialKernel,
  type GroupedKid,
  type KidEstimate,
} from './kid';
export { psnr, meanSquaredError, relativeL2Error, maxAbsError } from './imageMetrics';
export { softmax, predict, accuracy, type Prediction } from './classification';
