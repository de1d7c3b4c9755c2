/**
 * What the engine worker's analysis methods take and return (activationStats, weightHistogram, snrExperiment):
 * plain data that crosses the worker boundary by structured clone.
 */
import type { ModelFamily } from '../../models/bundle/types';
import type { QuantSetting } from '../../quant/setting';
import type { DitSamplerName } from '../generation/types';

/** The Linear inputs whose per-channel magnitudes the activation view shows. */
export type ActivationLayer = 'qkv' | 'fc1' | 'fc2';

export interface ActivationStatsParams {
  readonly modelId: string;
  /** Images generated at fp32 (classes i mod 10); their Linear inputs over every step are measured. */
  readonly samples: number;
  readonly seed: number;
  /** DiT: steps of the sampling run (default 10, as activation calibration uses) and sampler (default ddpm). */
  readonly ditSteps?: number;
  readonly ditSampler?: DitSamplerName;
}

export interface ChannelMagnitudes {
  readonly block: number;
  readonly layer: ActivationLayer;
  /** Linear name in the bundle, e.g. blocks.0.attn.mat_qkv. */
  readonly linear: string;
  readonly channels: number;
  /** Input rows measured (tokens x rows (cond and uncond) x steps). */
  readonly rows: number;
  readonly maxAbs: Float32Array;
  readonly meanAbs: Float32Array;
  /** max over channels of maxAbs / median over channels of maxAbs. */
  readonly maxOverMedian: number;
  /** The same statistics of the inputs after the -had rotation x R (src/quant/hadamard.ts), channel by channel. */
  readonly rotated: {
    readonly maxAbs: Float32Array;
    readonly meanAbs: Float32Array;
    readonly maxOverMedian: number;
  };
}

export interface ActivationStatsResult {
  readonly modelId: string;
  readonly family: ModelFamily;
  readonly depth: number;
  readonly samples: number;
  readonly steps: number;
  /** Every block's qkv, fc1 and fc2 inputs, block by block. */
  readonly layers: readonly ChannelMagnitudes[];
}

export type WeightLayer = 'qkv' | 'proj' | 'fc1' | 'fc2' | 'adaLN';

export interface WeightHistogramParams {
  readonly modelId: string;
  readonly block: number;
  readonly layer: WeightLayer;
  /** A setting with weights (src/quant/setting.ts), e.g. W4g32, W3ac, Wfp4g32; activations are ignored. */
  readonly setting: QuantSetting;
  /** One scale group (its index) or every group of the layer, each normalised by its own scale. */
  readonly scope: { readonly kind: 'layer' } | { readonly kind: 'group'; readonly index: number };
  /** Histogram bins (default 64). */
  readonly bins?: number;
}

export interface WeightHistogramResult {
  readonly modelId: string;
  readonly linear: string;
  readonly rows: number;
  readonly cols: number;
  /** The setting and its weight part's effective bits per weight (scales included). */
  readonly setting: QuantSetting;
  readonly bitsPerWeight: number;
  readonly groups: number;
  readonly scope: WeightHistogramParams['scope'];
  /** Histogram of (w - offset) / scale over the scope, in code units. */
  readonly edges: readonly number[];
  readonly counts: readonly number[];
  /** The values codes decode to before scaling (code units): where normalised weights snap to. */
  readonly grid: readonly number[];
  /** Group scope: the group's f16 scale and offset (0 unless asymmetric INT). */
  readonly scale?: number;
  readonly offset?: number;
  /** RMS of (dequantised - original) over RMS of the original weights, over the scope. */
  readonly weightRelRmse: number;
  /** Weights in the scope. */
  readonly weights: number;
}

export interface SnrExperimentParams {
  /** Generators to run (var and dit; each at fp32). */
  readonly modelIds: readonly string[];
  /** Input SNRs (dB) of the injected noise. */
  readonly snrDb: readonly number[];
  /** Images per run (classes i mod 10). */
  readonly samples: number;
  readonly seed: number;
  /** DiT: respaced steps and sampler (default: the manifest's). */
  readonly ditSteps?: number;
  readonly ditSampler?: DitSamplerName;
}

export interface SnrPoint {
  readonly inputSnrDb: number;
  /** SNR of the output (VAR f_hat, DiT final latent) against the clean run; Infinity when identical. */
  readonly outputSnrDb: number;
  /** VAR: fraction of tokens (all scales, all images) that differ from the clean run's. */
  readonly tokensChanged?: number;
}

export interface SnrCurve {
  readonly modelId: string;
  readonly family: ModelFamily;
  readonly depth: number;
  /** Where the noise went (VAR: head input per scale; DiT: latent before each step) and what was compared. */
  readonly injection: string;
  readonly steps: number;
  readonly points: readonly SnrPoint[];
}

export interface SnrExperimentResult {
  readonly samples: number;
  readonly seed: number;
  readonly curves: readonly SnrCurve[];
}

export interface MixedPrecisionParams {
  readonly modelId: string;
  /** A setting with the -mp<B> modifier (e.g. W4g32-mp3): its weight width is the widest a Linear may get. */
  readonly setting: QuantSetting;
}

/** The predicted error (sum over the table's Linears) if every Linear ran at `bits`. */
export interface UniformPrediction {
  readonly bits: number;
  readonly predictedError: number;
}

export interface MixedPrecisionLayer {
  readonly name: string;
  readonly params: number;
  /** The table's error at each of the result's `widths`, in that order. */
  readonly errorByBits: readonly number[];
  /** The width the allocation gives this Linear. */
  readonly bits: number;
}

export interface MixedPrecisionResult {
  readonly modelId: string;
  readonly setting: QuantSetting;
  /** What each table number is (from the manifest), and the granularity it was measured at. */
  readonly metric: string;
  readonly granularity: string;
  /** Code widths the allocation chose from, ascending (up to the setting's weight width). */
  readonly widths: readonly number[];
  readonly layers: readonly MixedPrecisionLayer[];
  /** Parameter-weighted mean width of the allocation, and its predicted error (sum of the chosen entries). */
  readonly averageBits: number;
  readonly predictedError: number;
  readonly uniform: readonly UniformPrediction[];
}
