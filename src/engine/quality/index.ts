/**
 * Sample quality of one (model, setting) in the engine (the worker's measureQuality): FD against the MNIST
 * test statistics with a jackknife error bar, accuracy, and the bit counts the scaling-law chart plots.
 */
export type * from './types';
export type { QualityAccumulator, QualityEstimate } from './accumulator';
export { QualityError, type QualityErrorCode } from './errors';
export { QualityRun, MIN_FD_SAMPLES } from './qualityRun';
export { resolveQuality, DEFAULT_BATCH, MAX_BATCH, MAX_SAMPLES, type ResolvedQuality } from './qualityParams';
export { bitAccounting, settingWeightBits, settingActivationBits, type BitAccounting } from './bitAccounting';
export { toSweepRow, fromSweepRow } from './sweepRow';
export { batchVarUniforms, batchDitNoise, batchLabels } from './batchDraws';
