/**
 * Image metrics (pure TypeScript, f64, no GPU):
 *
 *   const reference = new FrechetReference(fdStats.mu, fdStats.sigma);   // classifier bundle's test-set statistics
 *   const acc = new FeatureAccumulator(128);
 *   acc.addBatch(featuresOfBatch, batchSize);                            // as generated samples arrive
 *   const fd = reference.distance(acc.mean(), acc.covariance());
 *   const { stdError, extrapolated } = jackknifeFd(reference, acc);     // error bar, small-N correction
 */
export { MetricsError, type MetricsErrorCode } from './errors';
export { FrechetReference, frechetDistance, type FrechetParts } from './frechet';
export { FeatureAccumulator, type FeatureAccumulatorOptions } from './featureAccumulator';
export { jackknifeFd, pairedFdDifference, type FdErrorBarOptions, type FdEstimate, type GroupedFd } from './fdErrorBar';
export { psnr, meanSquaredError, relativeL2Error, maxAbsError } from './imageMetrics';
export { softmax, predict, accuracy, type Prediction } from './classification';
