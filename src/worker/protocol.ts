/**
 * The typed message protocol between the UI thread and the engine worker (all model and GPU work runs in
 * one module worker). A request names a method; the worker answers with progress messages, then exactly one
 * result or error. `cancel` asks the worker to stop a queued or running request at its next checkpoint.
 * Add a method by adding an entry to EngineMethods and a handler in the worker.
 */
import type { AdapterSummary } from '../gpu/gpuContext';
import { AppError } from '../util/errors';
import type {
  GenerateParams,
  GenerateResult,
  ListModelsResult,
  LoadedModelInfo,
  LoadModelParams,
} from '../engine/generation/types';
import type { MeasureQualityParams, PointSize, PointSizeParams, QualityPoint } from '../engine/quality/types';
import type { QuantProbeParams, QuantProbeResult } from '../engine/quantProbeTypes';
import type { AddSourceParams, AddSourceResult, DownloadProgress } from '../engine/generation/modelSources';
import type {
  ActivationStatsParams,
  ActivationStatsResult,
  MixedPrecisionParams,
  MixedPrecisionResult,
  SnrExperimentParams,
  SnrExperimentResult,
  WeightHistogramParams,
  WeightHistogramResult,
} from '../engine/analysis/types';

export type * from '../engine/generation/types';
export type * from '../engine/quality/types';
export type * from '../engine/analysis/types';
export type {
  AddSourceParams,
  AddSourceResult,
  DownloadProgress,
  ModelSourceInfo,
} from '../engine/generation/modelSources';
export type * from '../engine/quantProbeTypes';
/** The engine owns cancellation; re-exported so UI code names it with the rest of the protocol. */
export { CancelledError } from '../engine/runContext';

export interface EngineInfo {
  adapter: AdapterSummary;
  hasShaderF16: boolean;
  hasSubgroups: boolean;
}

export interface EngineMethods {
  init: { params: Record<string, never>; result: EngineInfo };
  quantProbe: { params: QuantProbeParams; result: QuantProbeResult };
  /** The validated index.json (every bundle; `generator` marks var and dit). */
  listModels: { params: Record<string, never>; result: ListModelsResult };
  /** Validates every bundle of a folder or URL (downloads stream DownloadProgress) and lists them as `<source>:<id>`. */
  addModelSource: { params: AddSourceParams; result: AddSourceResult; partial: DownloadProgress };
  /** Forgets an added source's bundles (the download cache is cleared on the UI side). */
  removeModelSource: { params: { sourceId: string }; result: { removed: string } };
  /** Validates a generator and the bundles it requires (BundleError on failure), uploads its fp32 weights and decoder. */
  loadModel: { params: LoadModelParams; result: LoadedModelInfo };
  /** fp32 (the reference) then each setting with the same class, seed and draws; per-step errors against fp32. */
  generate: { params: GenerateParams; result: GenerateResult };
  /** Generates `samples` class-balanced images and measures FD / accuracy; streams the point as it moves. */
  measureQuality: { params: MeasureQualityParams; result: QualityPoint; partial: QualityPoint };
  /** A point's size axes (bit accounting of the model loaded at the setting) with no samples drawn. */
  pointSize: { params: PointSizeParams; result: PointSize };
  /** Per-input-channel max/mean |x| of every block's qkv, fc1 and fc2 inputs over a few fp32 samples. */
  activationStats: { params: ActivationStatsParams; result: ActivationStatsResult };
  /** One Linear's weights (a group, or the layer normalised per group) on a weight setting's grid. */
  weightHistogram: { params: WeightHistogramParams; result: WeightHistogramResult };
  /** A -mp<B> setting's per-Linear widths, allocated from the manifest's sensitivity table, beside uniform widths. */
  mixedPrecision: { params: MixedPrecisionParams; result: MixedPrecisionResult };
  /** Output SNR against input SNR of noise injected into VAR's head input / DiT's latents; streams the curves. */
  snrExperiment: { params: SnrExperimentParams; result: SnrExperimentResult; partial: SnrExperimentResult };
}

export type MethodName = keyof EngineMethods;
export type ParamsOf<M extends MethodName> = EngineMethods[M]['params'];
export type ResultOf<M extends MethodName> = EngineMethods[M]['result'];
/** What a method streams before its result (`never` for methods that stream nothing but progress). */
export type PartialOf<M extends MethodName> = EngineMethods[M] extends { partial: infer P } ? P : never;

export type RequestMessage =
  | { [M in MethodName]: { kind: 'request'; id: number; method: M; params: ParamsOf<M> } }[MethodName]
  | { kind: 'cancel'; id: number };

/** Errors cross the worker boundary as plain data; `code` and `fix` survive. */
export interface SerializedError {
  name: string;
  code: string;
  message: string;
  fix?: string;
}

export type EngineEvent =
  { type: 'device-lost'; error: SerializedError } | { type: 'gpu-error'; error: SerializedError };

export type ResponseMessage =
  | { kind: 'progress'; id: number; fraction: number; message: string; partial?: unknown }
  | { kind: 'result'; id: number; result: unknown }
  | { kind: 'error'; id: number; error: SerializedError }
  | { kind: 'event'; event: EngineEvent };

/** Rebuilt on the UI side from a SerializedError so components can show message and fix. */
export class EngineError extends Error {
  readonly code: string;
  readonly fix?: string;
  constructor(e: SerializedError) {
    super(e.message);
    this.name = e.name;
    this.code = e.code;
    this.fix = e.fix;
  }
}

/** The UI prints `message` and `fix` each once: an AppError sends its problem alone as the message. */
export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error) {
    const { code, fix } = error as Error & { code?: unknown; fix?: unknown };
    return {
      name: error.name,
      code: typeof code === 'string' ? code : 'internal',
      message: error instanceof AppError ? error.problem : error.message,
      fix: typeof fix === 'string' ? fix : undefined,
    };
  }
  return { name: 'Error', code: 'internal', message: String(error) };
}
