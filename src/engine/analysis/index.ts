/** The engine's analysis views: activation magnitudes per channel, weight histograms on the grid, representation SNR. */
export { AnalysisService } from './analysisService';
export { AnalysisError, type AnalysisErrorCode } from './errors';
export { channelStats, median, maxOverMedian, type ChannelStats } from './channelStats';
export {
  histogram,
  codeGrid,
  groupCount,
  groupRegion,
  groupDequantGrid,
  normalisedWeights,
  groupWeights,
  type Histogram,
} from './weightGrid';
export { meanSquare, noiseSigma, addNoiseAtSnr, outputSnrDb, changedFraction } from './snrMath';
export { INJECTION, noiseSeed, SNR_LIMITS } from './snrExperiment';
export { mixedPrecisionReport } from './mixedPrecisionView';
export type * from './types';
