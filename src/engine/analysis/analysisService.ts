/**
 * The engine worker's analysis methods (the paper's analysis views): activation magnitudes per channel, weight
 * histograms with the quantisation grid, the mixed-precision allocation, and the representation-SNR experiment. Shares the generation
 * service's validated bundles and its device models (one KernelSet, one weights cache, one device-loss path).
 */
import type { RunContext } from '../runContext';
import type { GenerationService } from '../generation/generationService';
import type { LoadedBundles } from '../generation/bundleStore';
import { measureActivations, validateActivationParams } from './activationStats';
import { SnrExperiment, validateSnrParams } from './snrExperiment';
import { weightHistogram } from './weightView';
import { mixedPrecisionReport } from './mixedPrecisionView';
import type {
  ActivationStatsParams,
  ActivationStatsResult,
  MixedPrecisionParams,
  MixedPrecisionResult,
  SnrExperimentParams,
  SnrExperimentResult,
  WeightHistogramParams,
  WeightHistogramResult,
} from './types';

export class AnalysisService {
  constructor(private readonly generation: GenerationService) {}

  async activationStats(params: ActivationStatsParams, run: RunContext): Promise<ActivationStatsResult> {
    validateActivationParams(params);
    const bundles = await this.generation.bundles(String(params.modelId));
    run.checkpoint();
    return this.generation.withDeviceModels((state) => measureActivations(state, bundles, params, run));
  }

  async weightHistogram(params: WeightHistogramParams): Promise<WeightHistogramResult> {
    const bundles = await this.generation.bundles(String(params.modelId));
    return weightHistogram(bundles.model, params);
  }

  async mixedPrecision(params: MixedPrecisionParams): Promise<MixedPrecisionResult> {
    const bundles = await this.generation.bundles(String(params.modelId));
    return mixedPrecisionReport(bundles.model, params);
  }

  async snrExperiment(params: SnrExperimentParams, run: RunContext): Promise<SnrExperimentResult> {
    validateSnrParams(params);
    const models: LoadedBundles[] = [];
    for (const id of params.modelIds) models.push(await this.generation.bundles(String(id)));
    run.checkpoint();
    return this.generation.withDeviceModels((state) => new SnrExperiment(state, models, params, run).execute());
  }
}
