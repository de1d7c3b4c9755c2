/** Shape of the end-to-end bench's JSON (window.__benchResult with `suite=e2e`; tools/bench/run.mjs writes it to disk). */
import type { ModelFamily } from '../../../../src/models/bundle/types';
import type { TimingStats } from '../stats';
import type { BenchEnvironment } from '../resultTypes';
import type { EndToEndConfig } from './endToEndConfig';
import type { EndToEndSummary } from './endToEndSummary';

/** Per-image times of one (model, setting, batch) through the samplers and the decoder, wall clock. */
export interface ImageMeasurement {
  readonly model: string;
  readonly family: ModelFamily;
  readonly setting: string;
  /** Images per sampler call; every time below is per image (the batch's time / batch). */
  readonly batch: number;
  /** Sampling steps (VAR: scales). */
  readonly steps: number;
  /** GPU bytes of the Linear weights x 8 / their parameters (scales included). */
  readonly bitsPerWeight: number;
  /** Quantising and uploading the weights for this setting, building the sampler (once, before the runs). */
  readonly loadMs: number;
  /** The untimed first image (pipeline compilation included). */
  readonly warmupMs: number;
  /** Sampler call until the GPU finished (no traces: one submission). */
  readonly sample: TimingStats;
  /** ONNX decoder on the GPU output + readback of the images. */
  readonly decode: TimingStats;
  readonly total: TimingStats;
}

/** One DiT forward (batch 2, as CFG runs it) of ours and of onnxruntime-web on the same inputs and device. */
export interface ForwardMeasurement {
  readonly model: string;
  /** Our setting, or 'onnxruntime-web' for the exported graph (fp32). */
  readonly impl: 'ours' | 'onnxruntime-web';
  readonly setting: string;
  readonly params: number;
  /** Max |out - onnxruntime fp32| / max |onnxruntime fp32| (the fp32 check; informative for quantised settings). */
  readonly relErrorVsOrt: number;
  /** Max |out - golden tf.out (PyTorch)| / max |golden|. */
  readonly relErrorVsGolden: number;
  readonly firstRunMs: number;
  readonly wall: TimingStats;
}

/** Time from a changed weight setting to the updated image and traces: GenerationService.generate([new]). */
export interface LatencySample {
  readonly from: string;
  readonly to: string;
  /** The new setting's weights were not in the engine's cache before the call (checked). */
  readonly uncachedMs: number;
  /** The same request again, now cached: sampling + traces + decoding only. */
  readonly cachedMs: number;
  /** Sampling time of the fp32 reference (the engine's cached run after the first request) and of the new setting (RunSummary.ms). */
  readonly referenceSampleMs: number;
  readonly settingSampleMs: number;
}

export interface LatencyMeasurement {
  readonly model: string;
  readonly family: ModelFamily;
  readonly steps: number;
  /** The first generate of the model (bundles validated, decoder and classifier sessions, fp32 weights). */
  readonly coldMs: number;
  readonly samples: readonly LatencySample[];
  readonly uncached: TimingStats;
  readonly cached: TimingStats;
}

export interface EndToEndFailure {
  readonly id: string;
  readonly message: string;
}

export interface EndToEndResult {
  readonly schema: 'quant-gen-playground/e2e-bench@1';
  readonly startedAt: string;
  readonly durationS: number;
  readonly environment: BenchEnvironment;
  readonly config: EndToEndConfig;
  readonly method: Record<string, string>;
  readonly images: readonly ImageMeasurement[];
  readonly forward: readonly ForwardMeasurement[];
  readonly latency: readonly LatencyMeasurement[];
  readonly summary: EndToEndSummary;
  readonly failures: readonly EndToEndFailure[];
}
