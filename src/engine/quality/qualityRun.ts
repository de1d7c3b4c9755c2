/**
 * One measureQuality request on one device: `samples` class-balanced images of one (model, setting) in
 * batches, each decoded, classified and accumulated (QualityAccumulator), and after each batch a partial
 * QualityPoint once 3+ samples exist (FD needs them). Between batches the run stops on a cancel or a lost
 * device; the cached model entries and heads stay usable either way.
 */
import type { RunContext } from '../../worker/engineHost';
import type { LoadedBundles } from '../generation/bundleStore';
import type { DeviceModels, DitEntry, ModelEntry, VarEntry } from '../generation/deviceModels';
import { modelForSetting } from '../generation/methodSettings';
import { gptqMethodName } from '../generation/calibration';
import { bitAccounting, type BitAccounting } from './bitAccounting';
import { batchDitNoise, batchLabels, batchVarUniforms } from './batchDraws';
import type { QualityAccumulator, QualityEstimate } from './accumulator';
import type { ResolvedQuality } from './qualityParams';
import type { QualityPoint } from './types';

/** FD and its jackknife need at least this many samples. */
export const MIN_FD_SAMPLES = 3;

/** A bundle trained for one quantisation (QAT) names its setting and method; optional, read defensively. */
interface QuantTraining {
  readonly setting?: unknown;
  readonly method?: unknown;
}

export class QualityRun {
  private readonly start = performance.now();

  constructor(
    private readonly state: DeviceModels,
    private readonly bundles: LoadedBundles,
    private readonly request: ResolvedQuality,
    private readonly accumulator: QualityAccumulator,
    private readonly run: RunContext,
  ) {}

  async execute(): Promise<QualityPoint> {
    const { request, run } = this;
    const entry = await this.entry();
    const bits = bitAccounting(entry.model.report, request.setting.value, this.bundles.model.manifest.params.total);
    let last: QualityPoint | undefined;
    for (let first = 0; first < request.samples; first += request.batch) {
      this.check();
      const batch = Math.min(request.batch, request.samples - first);
      const labels = batchLabels(first, batch, this.bundles.model.manifest.config.numClasses);
      const output = await this.sampleBatch(entry, first, labels);
      await this.accumulator.add(output, batch, labels);
      this.state.throwIfLost();
      const done = this.accumulator.count;
      const partial = done >= MIN_FD_SAMPLES ? this.point(bits, done < request.samples) : undefined;
      if (partial) last = partial;
      const kidText = partial?.kid !== undefined ? `, KID ${partial.kid.toFixed(4)} ± ${partial.kidSe!.toFixed(4)}` : '';
      const fdText = partial ? `, FD ${partial.fd.toFixed(1)} ± ${partial.fdStdErr.toFixed(1)}${kidText}` : '';
      run.progress(done / request.samples, `${request.setting.text}: ${done} of ${request.samples} samples${fdText}`, partial?.partial ? partial : undefined);
    }
    return last ?? this.point(bits, false);
  }

  /** Between batches: stop on cancel or on a lost device. */
  private readonly check = (): void => {
    this.run.checkpoint();
    this.state.throwIfLost();
  };

  /** The model of the setting: static activation scales, SmoothQuant and GPTQ weights prepared as for generate. */
  private entry(): Promise<ModelEntry> {
    const { state, bundles, request, run } = this;
    return modelForSetting(state, bundles, request.setting.value, { check: this.check, progress: (message) => run.progress(0, `${request.setting.text}: ${message}`) });
  }

  /** Generates samples first .. first + B - 1; returns the output buffer (owned by the sampler). */
  private async sampleBatch(entry: ModelEntry, first: number, labels: number[]): Promise<GPUBuffer> {
    const m = this.bundles.model.manifest;
    const { request } = this;
    if (m.family === 'var') {
      const e = entry as VarEntry;
      const uniforms = batchVarUniforms(request.seed, first, labels.length, m.config.patchNums, m.config.vocabSize);
      const result = await e.sampler.sample({ labels, cfg: request.cfg, topK: m.sampling.topK, topP: m.sampling.topP, uniforms });
      return result.fHat;
    }
    const e = entry as DitEntry;
    const method = request.sampler!;
    const noise = batchDitNoise(request.seed, first, labels.length, e.model.latentElements, request.steps, method);
    const result = await e.sampler.sample({ labels, cfg: request.cfg, method, steps: request.steps, noise: { initial: noise.initial, stepNoise: method === 'ddpm' ? noise.stepNoise : undefined } });
    return result.latent;
  }

  private point(bits: BitAccounting, partial: boolean): QualityPoint {
    const m = this.bundles.model.manifest;
    const { request } = this;
    const estimate: QualityEstimate = this.accumulator.count >= MIN_FD_SAMPLES ? this.accumulator.estimate() : { fd: NaN, stdError: NaN };
    return {
      modelId: m.id,
      family: m.family,
      depth: m.config.depth,
      setting: request.setting.text,
      method: methodOf(m, request),
      ...bits,
      samples: this.accumulator.count,
      fd: estimate.fd,
      fdStdErr: estimate.stdError,
      ...(estimate.leaveOut ? { fdLeaveOut: [...estimate.leaveOut] } : {}),
      ...(estimate.kid ? { kid: estimate.kid.kid, kidSe: estimate.kid.stdError, kidLeaveOut: [...estimate.kid.leaveOut] } : {}),
      engine: 'webgpu',
      seed: request.seed,
      accuracy: this.accumulator.accuracy(),
      steps: request.steps,
      cfg: request.cfg,
      ...(request.sampler ? { sampler: request.sampler } : {}),
      partial,
      ms: performance.now() - this.start,
    };
  }
}

/** The bundle's trained method (QAT bundles' manifest.quantTraining.method) if it declares one, else the setting's. */
function methodOf(manifest: object, request: ResolvedQuality): string {
  const trained = (manifest as { quantTraining?: QuantTraining }).quantTraining;
  if (trained && typeof trained.method === 'string' && trained.method.length > 0) return trained.method;
  // The setting string's own token ('rtn', 'clip', 'sq0.5'): SmoothQuant points differ by alpha; GPTQ names its
  // calibration size ('gptq128'; older sweep files say 'gptq' for the 10-image calibration).
  const m = request.setting.value.method;
  return m.kind === 'smoothquant' ? `sq${m.alpha}` : m.kind === 'gptq' ? gptqMethodName() : m.kind;
}
