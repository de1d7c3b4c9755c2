/**
 * What the engine worker's model methods take and return (listModels, loadModel, generate). Plain data only:
 * every value crosses the worker boundary by structured clone (Float32Arrays included).
 */
import type { Family, GeneratorMetrics, ModelFamily, ParamCounts } from '../../models/bundle/types.ts';
import type { QuantSetting } from '../../quant/setting';

export type DitSamplerName = 'ddpm' | 'ddim';

export interface ModelListEntry {
  readonly id: string;
  readonly family: Family;
  readonly title: string;
  readonly params: ParamCounts;
  readonly metrics: GeneratorMetrics | null;
  /** var and dit bundles can be loaded and generated with; the others are their decoders and the classifier. */
  readonly generator: boolean;
  /**
   * A student trained for one quantised setting (QAT / distillation) of `teacher`, its trained method in
   * `setting.method`; absent for ordinary models and for students whose setting this build cannot read.
   */
  readonly quantTraining?: { readonly setting: QuantSetting; readonly teacher: string };
}

export interface ListModelsResult {
  readonly models: readonly ModelListEntry[];
}

export interface LoadModelParams {
  readonly id: string;
}

export interface LoadedModelInfo {
  readonly id: string;
  readonly family: ModelFamily;
  readonly title: string;
  readonly params: ParamCounts;
  readonly depth: number;
  readonly width: number;
  readonly numClasses: number;
  /** Manifest defaults: cfg for both; DiT also sampler and steps; VAR also topK / topP. */
  readonly defaults: {
    readonly cfg: number;
    readonly steps: number;
    readonly sampler?: DitSamplerName;
    readonly topK?: number;
    readonly topP?: number;
  };
  /** DiT: which guidance rule it samples with (manifest sampling.guidanceChannels), for the UI to say. */
  readonly guidance?: string;
  /** Bundle ids it needs (tokenizer / vae / classifier), all validated. */
  readonly requires: Readonly<Record<string, string>>;
  /** 'verified' unless a file had no checksum to check. */
  readonly checksums: string;
}

/**
 * A setting run on another bundle of the same architecture (a QAT student of `modelId`), compared against
 * the fp32 of the request's model.
 */
export interface SettingOnModel {
  /** Its method is the student's trained method ({ kind: 'qat', loss }); its weights are RTN at the setting. */
  readonly setting: QuantSetting;
  readonly modelId: string;
}

export interface GenerateParams {
  readonly modelId: string;
  /** Settings (src/quant/setting.ts) or students; fp32 of `modelId` always is the reference. */
  readonly settings: readonly (QuantSetting | SettingOnModel)[];
  readonly classLabel: number;
  readonly seed: number;
  /** DiT: respaced sampling steps (default: the manifest's). */
  readonly steps?: number;
  /** DiT: default the manifest's. */
  readonly sampler?: DitSamplerName;
  /** Default: the manifest's. */
  readonly cfg?: number;
}

/**
 * What `output` holds: the decoded image [1, 1, 32, 32] in [-1, 1], or, when no decoder is available, the
 * generator's raw output: VAR f_hat [1, Cvae, H, H], DiT's standardised latent [1, Cin, H, W].
 */
export type OutputKind = 'image' | 'f_hat' | 'latent';

export interface Prediction {
  readonly label: number;
  readonly confidence: number;
}

export interface MemorySummary {
  /** Weights of every Linear (biases excluded). */
  readonly linearParams: number;
  /** GPU bytes of those weights as stored (codes + scales + offsets, or f32). */
  readonly weightBytes: number;
  /** linearParams x code bits / 8 summed per layer: what the scaling law counts. */
  readonly idealWeightBytes: number;
  /** weightBytes * 8 / linearParams (scales included). */
  readonly bitsPerWeight: number;
}

export interface RunSummary {
  /** As requested (canonical), trained method included. */
  readonly setting: QuantSetting;
  /** The bundle that ran, when it is not the request's model (a trained student). */
  readonly modelId?: string;
  readonly output: Float32Array;
  readonly prediction?: Prediction;
  readonly memory: MemorySummary;
  /** Wall time of the sampling run (traces included). */
  readonly ms: number;
}

/** Errors of one VAR step (scale k) against fp32 along each run's own trajectory. */
export interface VarStepError {
  readonly kind: 'var';
  readonly step: number;
  /** (step + 1) / steps: the fraction of the generation done after this step (shared axis with DiT). */
  readonly progress: number;
  readonly patchNum: number;
  /** ||f_hat - f_hat_fp32|| / ||f_hat_fp32|| after this step. */
  readonly fHatRelL2: number;
  /** Fraction of this scale's tokens equal to fp32's. */
  readonly tokenAgreement: number;
  /** Continuous features before snapping (sum_v p(v) codebook[v] per position) vs fp32's. */
  readonly softRelL2: number;
  /** After snapping: codebook[token] per position vs fp32's. */
  readonly snappedRelL2: number;
}

/** Errors of one DiT step (n = 0 .. S-1) against fp32. */
export interface DitStepError {
  readonly kind: 'dit';
  readonly step: number;
  /** (step + 1) / steps. */
  readonly progress: number;
  /** Original timestep the model saw. */
  readonly timestep: number;
  /** ||x - x_fp32|| / ||x_fp32|| of the latent AFTER this step (along each run's own trajectory). */
  readonly xRelL2: number;
  /** One-step guided noise prediction of this setting vs fp32, both given fp32's x_t of this step. */
  readonly epsRelL2: number;
}

export type StepError = VarStepError | DitStepError;

export interface ComparedRun extends RunSummary {
  /** PSNR (dB) against fp32's image; only for decoded images (Infinity when identical). */
  readonly psnr?: number;
  /** ||output - output_fp32|| / ||output_fp32||. */
  readonly outputRelL2: number;
  readonly steps: readonly StepError[];
}

export interface GenerateResult {
  readonly modelId: string;
  readonly family: ModelFamily;
  readonly classLabel: number;
  readonly seed: number;
  readonly cfg: number;
  readonly stepCount: number;
  readonly sampler?: DitSamplerName;
  readonly outputKind: OutputKind;
  readonly outputShape: readonly number[];
  /** Why the output is not an image, or why there is no prediction (missing decoder / classifier). */
  readonly notes: readonly string[];
  readonly reference: RunSummary;
  /** One per requested setting the engine ran, in request order (duplicates removed). */
  readonly runs: readonly ComparedRun[];
  /** The requested settings the engine refused (each with its typed error); the others still ran. */
  readonly refused: readonly RefusedRun[];
}

/**
 * A requested setting the engine refused before sampling it (a modifier it cannot run on this model, a setting
 * over the memory budget, a -mp without a sensitivity table, ...): the typed error as plain data (it crosses the
 * worker boundary), shown in that setting's cell while the other settings of the request still run.
 */
export interface RefusedRun {
  readonly setting: QuantSetting;
  /** The trained student it was requested on, if any. */
  readonly modelId?: string;
  readonly code: string;
  /** What happened (AppError.problem). */
  readonly message: string;
  readonly fix: string;
}
