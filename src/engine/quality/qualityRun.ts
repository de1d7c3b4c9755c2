/**
 * One measureQuality request on one device: `samples` class-balanced images of one (model, setting) in
 * batches, each decoded, classified and accumulated (QualityAccumulator), and after each batch a partial
 * QualityPoint once 3+ samples exist (FD needs them). Between batches the run stops on a cancel or a lost
 * device; the cached model entries and heads stay usable either way.
 */
import type { RunContext } from '../runContext';
import type { LoadedBundles } from '../generation/bundleStore';
import type { DeviceModels, DitEntry, ModelEntry, VarEntry } from '../generation/deviceModels';
import { modelForSetting } from '../generation/methodSettings';
import { gptqMethodName } from '../generation/calibration';
import { bitAccounting, type BitAccounting } from './bitAccounting';
import { batchDitNoise, batchLabels, batchVarUniforms } from './batchDraws';
import type { BatchReadback, QualityAccumulator, QualityEstimate } from './accumulator';
import { PairedSampleAccumulator, tokenAgreement, type PairedSample } from './pairedSamples';
import { meanSquaredError } from '../../metrics/imageMetrics';
import { FULL_PRECISION, type QuantSetting } from '../../quant/setting';
import type { ImageHeads } from '../generation/heads';
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
    /** The decoder/classifier heads: fp32's side of the paired metrics (request.paired). */
    private readonly heads?: ImageHeads,
  ) {}

  private readonly paired = new PairedSampleAccumulator();

  async execute(): Promise<QualityPoint> {
    const { request, run } = this;
    const entry = await this.entry();
    const bits = bitAccounting(entry.model.report, request.setting.value, this.bundles.model.manifest.params.total);
    // fp32 on the same draws, for the paired per-sample metrics (its entry is cached like any setting's).
    const reference = request.paired ? this.state.model(this.bundles, FULL_PRECISION) : undefined;
    let last: QualityPoint | undefined;
    for (let first = 0; first < request.samples; first += request.batch) {
      this.check();
      const batch = Math.min(request.batch, request.samples - first);
      const labels = batchLabels(first, batch, this.bundles.model.manifest.config.numClasses);
      const output = await this.sampleBatch(entry, first, labels, reference !== undefined);
      const readBack = await this.accumulator.add(output.buffer, batch, labels, reference !== undefined);
      this.state.throwIfLost();
      if (reference) {
        this.check();
        const ref = await this.sampleBatch(reference, first, labels, true);
        const refImages =
          this.heads?.decodeBatch && readBack ? await this.heads.decodeBatch(ref.buffer, batch) : undefined;
        this.state.throwIfLost();
        for (let b = 0; b < batch; b++)
          this.paired.add(pairedSample(b, batch, readBack || undefined, refImages, output.tokens, ref.tokens));
      }
      const done = this.accumulator.count;
      const partial = done >= MIN_FD_SAMPLES ? this.point(bits, done < request.samples) : undefined;
      if (partial) last = partial;
      const kidText =
        partial?.kid !== undefined ? `, KID ${partial.kid.toFixed(4)} ± ${partial.kidSe!.toFixed(4)}` : '';
      const psnr = partial?.paired?.psnr;
      const pairedText = psnr ? `, PSNR vs fp32 ${psnr.value.toFixed(1)} ± ${psnr.stdError.toFixed(1)} dB` : '';
      const fdText = partial
        ? `, FD ${partial.fd.toFixed(1)} ± ${partial.fdStdErr.toFixed(1)}${kidText}${pairedText}`
        : '';
      run.progress(
        done / request.samples,
        `${request.setting.text}: ${done} of ${request.samples} samples${fdText}`,
        partial?.partial ? partial : undefined,
      );
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
    return modelForSetting(state, bundles, request.setting.value, {
      check: this.check,
      progress: (message) => run.progress(0, `${request.setting.text}: ${message}`),
    });
  }

  /**
   * Generates samples first .. first + B - 1; returns the output buffer (owned by the sampler) and, for VAR with
   * `withTokens`, every sample's tokens over all scales ([B][tokens]).
   */
  private async sampleBatch(
    entry: ModelEntry,
    first: number,
    labels: number[],
    withTokens = false,
  ): Promise<{ buffer: GPUBuffer; tokens?: Uint32Array[] }> {
    const m = this.bundles.model.manifest;
    const { request } = this;
    if (m.family === 'var') {
      const e = entry as VarEntry;
      const uniforms = batchVarUniforms(request.seed, first, labels.length, m.config.patchNums, m.config.vocabSize);
      const result = await e.sampler.sample({
        labels,
        cfg: request.cfg,
        topK: m.sampling.topK,
        topP: m.sampling.topP,
        uniforms,
        ...(withTokens ? { trace: { tokens: true } } : {}),
      });
      return {
        buffer: result.fHat,
        tokens: withTokens
          ? sampleTokens(
              result.steps.map((st) => st.tokens!),
              labels.length,
            )
          : undefined,
      };
    }
    const e = entry as DitEntry;
    const method = request.sampler!;
    const noise = batchDitNoise(request.seed, first, labels.length, e.model.latentElements, request.steps, method);
    const result = await e.sampler.sample({
      labels,
      cfg: request.cfg,
      method,
      steps: request.steps,
      noise: { initial: noise.initial, stepNoise: method === 'ddpm' ? noise.stepNoise : undefined },
    });
    return { buffer: result.latent };
  }

  private point(bits: BitAccounting, partial: boolean): QualityPoint {
    const m = this.bundles.model.manifest;
    const { request } = this;
    const estimate: QualityEstimate =
      this.accumulator.count >= MIN_FD_SAMPLES ? this.accumulator.estimate() : { fd: NaN, stdError: NaN };
    return {
      modelId: m.id,
      family: m.family,
      depth: m.config.depth,
      setting: request.setting.value,
      method: methodOf(m, request.setting.value),
      ...bits,
      ...(request.paired && this.paired.samples > 0 ? { paired: this.paired.estimate() } : {}),
      samples: this.accumulator.count,
      fd: estimate.fd,
      fdStdErr: estimate.stdError,
      ...(estimate.leaveOut ? { fdLeaveOut: [...estimate.leaveOut] } : {}),
      ...(estimate.kid
        ? { kid: estimate.kid.kid, kidSe: estimate.kid.stdError, kidLeaveOut: [...estimate.kid.leaveOut] }
        : {}),
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

/** Per-scale tokens [B, pn^2] of a batch -> each sample's tokens over all scales. */
function sampleTokens(perScale: readonly Uint32Array[], batch: number): Uint32Array[] {
  return Array.from({ length: batch }, (_, b) => {
    const parts = perScale.map((t) => {
      const n = t.length / batch;
      return t.subarray(b * n, (b + 1) * n);
    });
    const out = new Uint32Array(parts.reduce((a, p) => a + p.length, 0));
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  });
}

/** Sample b of a batch against fp32's sample b: image MSE, label agreement, token agreement where known. */
function pairedSample(
  b: number,
  batch: number,
  q: BatchReadback | undefined,
  ref: BatchReadback | undefined,
  qTokens?: Uint32Array[],
  refTokens?: Uint32Array[],
): PairedSample {
  let mse: number | undefined;
  let labelAgrees: boolean | undefined;
  if (q && ref) {
    const pixels = q.images.length / batch;
    mse = meanSquaredError(
      q.images.subarray(b * pixels, (b + 1) * pixels),
      ref.images.subarray(b * pixels, (b + 1) * pixels),
    );
    labelAgrees = q.predicted[b] === ref.predicted[b];
  }
  const agreement = qTokens && refTokens ? tokenAgreement(qTokens[b]!, refTokens[b]!) : undefined;
  return { mse, labelAgrees, tokenAgreement: agreement };
}

/** The bundle's trained method (QAT bundles' manifest.quantTraining.method) if it declares one, else the setting's. */
export function methodOf(manifest: object, setting: QuantSetting): string {
  const trained = (manifest as { quantTraining?: QuantTraining }).quantTraining;
  if (trained && typeof trained.method === 'string' && trained.method.length > 0) return trained.method;
  // The setting string's own token ('rtn', 'clip'); SmoothQuant points differ by alpha and say that 1/s is folded
  // into qkv's and fc1's modulation only ('sq0.5-folded'; older files' 'sq0.5' smoothed every Linear at run time);
  // GPTQ names its calibration size ('gptq128'; older files' 'gptq' calibrated on 10 images).
  const m = setting.method;
  return m.kind === 'smoothquant' ? `sq${m.alpha}-folded` : m.kind === 'gptq' ? gptqMethodName() : m.kind;
}
