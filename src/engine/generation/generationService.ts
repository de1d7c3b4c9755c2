/**
 * The engine worker's model service: listModels, loadModel and generate (side by side: fp32 first as the
 * reference, then every requested QuantSetting with the SAME class, seed and random draws, each with per-step
 * error traces against fp32 and summary numbers). Runs through the same code in the worker and in the Dawn
 * tests; only the GPU entry point, the bundle source and the ONNX heads are injected.
 *
 * Failure model: bad requests reject with a typed error before GPU work; a bundle that fails validation
 * rejects with its BundleError and nothing is kept; a cancel (RunContext.checkpoint, between steps) leaves
 * every cache usable; a lost device rejects with the device-lost GpuError, the device's state is dropped and
 * the next request rebuilds it on the fresh device GpuSession hands out.
 */
import type { GpuContext } from '../../gpu/gpuContext';
import type { BundleSource } from '../../models/bundle/index.ts';
import { BundleError } from '../../models/bundle/errors.ts';
import { ModelError } from '../../models/runtime/errors';
import { SettingParseError, FULL_PRECISION, type QuantSetting } from '../../quant/setting';
import { CancelledError } from '../../worker/protocol';
import type { RunContext } from '../../worker/engineHost';
import { psnr, relativeL2Error } from '../../metrics/imageMetrics';
import { BundleStore, type LoadedBundles } from './bundleStore';
import { DeviceModels, type DitEntry, type ModelEntry } from './deviceModels';
import { GenerationError } from './errors';
import { resolveRequest } from './generateParams';
import type { HeadsFactory } from './heads';
import { ditNoise, varUniforms } from './sharedDraws';
import { ditStepErrors, varStepErrors, type DitStepState, type VarStepState } from './stepErrors';
import { ditStates, oneStepEps, runDit, runVar } from './familyRuns';
import type { ComparedRun, GenerateParams, GenerateResult, ListModelsResult, LoadedModelInfo, LoadModelParams, MemorySummary, OutputKind, RunSummary, StepError } from './types';

export interface GenerationServiceOptions {
  readonly source: BundleSource;
  /** The device of the moment (GpuSession.get: a fresh one after a loss). */
  readonly gpu: () => Promise<GpuContext>;
  /** Decoders + classifier; without them outputs are raw f_hat / latents. */
  readonly heads?: HeadsFactory;
  /** Loaded (model, setting) weights kept per device; default 6. */
  readonly cacheCapacity?: number;
}

/** A finished run of one setting, before comparison. */
interface SettingRun {
  readonly entry: ModelEntry;
  readonly summary: RunSummary;
  readonly decoded: boolean;
  readonly var?: VarStepState[];
  readonly dit?: { readonly run: Awaited<ReturnType<typeof runDit>>; readonly states?: DitStepState[] };
}

const TYPED_ERRORS = [CancelledError, GenerationError, BundleError, ModelError, SettingParseError];

export class GenerationService {
  private readonly store: BundleStore;
  private state: DeviceModels | undefined;
  private destroyed = false;

  constructor(private readonly options: GenerationServiceOptions) {
    this.store = new BundleStore(options.source);
  }

  async listModels(): Promise<ListModelsResult> {
    return { models: await this.store.list() };
  }

  async loadModel(params: LoadModelParams, run: RunContext): Promise<LoadedModelInfo> {
    const bundles = await this.store.load(String(params?.id), (f, m) => run.progress(0.6 * f, m));
    run.checkpoint();
    await this.onDevice(async (state) => {
      run.progress(0.7, `Uploading ${bundles.model.manifest.id} (fp32)`);
      state.model(bundles, FULL_PRECISION);
      run.progress(0.85, 'Loading the decoder');
      await state.imageHeads(bundles);
      state.throwIfLost();
    });
    run.progress(1, `${bundles.model.manifest.id} loaded`);
    return modelInfo(bundles);
  }

  async generate(params: GenerateParams, run: RunContext): Promise<GenerateResult> {
    const bundles = await this.store.load(String(params?.modelId));
    const manifest = bundles.model.manifest;
    const request = resolveRequest(params, manifest);
    run.checkpoint();
    return this.onDevice(async (state) => {
      const total = (1 + request.settings.length) * request.steps;
      let done = 0;
      const stepHook = (name: string) => () => {
        run.checkpoint();
        state.throwIfLost();
        done++;
        run.progress(done / total, `${name}: step ${((done - 1) % request.steps) + 1} of ${request.steps}`);
      };
      const slot = await state.imageHeads(bundles);
      const heads = 'heads' in slot ? slot.heads : undefined;
      const notes = 'note' in slot ? [slot.note] : heads?.classifierNote ? [heads.classifierNote] : [];
      const draws = manifest.family === 'var'
        ? { uniforms: varUniforms(request.seed, manifest.config.patchNums) }
        : { noise: ditNoise(request.seed, manifest.config.inChannels * manifest.config.inputSize ** 2, request.steps, request.sampler!) };

      const runOne = async (text: string, setting: QuantSetting): Promise<SettingRun> => {
        const format = setting.activation.format;
        const scales = setting.activation.perTensor && format.kind !== 'none' ? await state.calibrationScales(bundles, format, () => (run.checkpoint(), state.throwIfLost())) : undefined;
        const entry = state.model(bundles, setting, scales);
        const hook = stepHook(text);
        let buffer: GPUBuffer;
        let raw: Float32Array;
        let ms: number;
        let varStates: VarStepState[] | undefined;
        let ditRun: Awaited<ReturnType<typeof runDit>> | undefined;
        if (entry.family === 'var') {
          const r = await runVar(entry, { label: request.label, cfg: request.cfg, topK: manifest.family === 'var' ? manifest.sampling.topK : 0, topP: manifest.family === 'var' ? manifest.sampling.topP : 0, uniforms: draws.uniforms! }, hook);
          ({ outputBuffer: buffer, output: raw, ms } = r);
          varStates = r.states;
        } else {
          ditRun = await runDit(entry, { label: request.label, cfg: request.cfg, method: request.sampler!, steps: request.steps, noise: draws.noise! }, hook);
          ({ outputBuffer: buffer, output: raw, ms } = ditRun);
        }
        const decoded = heads ? await heads.decode(buffer) : undefined;
        state.throwIfLost();
        const summary: RunSummary = { setting: text, output: decoded?.image ?? raw, prediction: decoded?.prediction, memory: memoryOf(entry), ms };
        return { entry, summary, decoded: decoded !== undefined, var: varStates, dit: ditRun ? { run: ditRun } : undefined };
      };

      const reference = await runOne('fp32', FULL_PRECISION);
      const chunkHook = () => (run.checkpoint(), state.throwIfLost());
      // Captured now: the reference entry may be evicted from the cache while the settings run.
      const tokenizer = reference.entry.family === 'var' ? reference.entry.tokenizer : undefined;
      let referenceDit: DitStepState[] | undefined;
      if (reference.dit) {
        const eps = await oneStepEps(reference.entry as DitEntry, reference.dit.run.xT, reference.dit.run.timesteps, request.label, request.cfg, chunkHook);
        referenceDit = ditStates(reference.dit.run, eps);
      }
      const runs: ComparedRun[] = [];
      for (const { text, setting } of request.settings) {
        const r = await runOne(text, setting);
        let steps: StepError[];
        if (r.var) {
          steps = varStepErrors(r.var, reference.var!, tokenizer!.codebookHost, tokenizer!.config.cvae);
        } else {
          // The one-step prediction of this setting's model on fp32's own x_t at every step.
          const ref = reference.dit!.run;
          const eps = await oneStepEps(r.entry as DitEntry, ref.xT, ref.timesteps, request.label, request.cfg, chunkHook);
          steps = ditStepErrors(ditStates(r.dit!.run, eps), referenceDit!);
        }
        runs.push({
          ...r.summary,
          psnr: r.decoded ? psnr(r.summary.output, reference.summary.output) : undefined,
          outputRelL2: relativeL2Error(r.summary.output, reference.summary.output),
          steps,
        });
      }
      const outputKind: OutputKind = reference.decoded ? 'image' : manifest.family === 'var' ? 'f_hat' : 'latent';
      return {
        modelId: manifest.id,
        family: manifest.family,
        classLabel: request.label,
        seed: request.seed,
        cfg: request.cfg,
        stepCount: request.steps,
        sampler: request.sampler,
        outputKind,
        outputShape: outputShape(outputKind, bundles),
        notes,
        reference: reference.summary,
        runs,
      };
    });
  }

  /** Keys of the weights cached on the current device (least recently used first). */
  cachedSettings(): string[] {
    return this.state?.cachedKeys() ?? [];
  }

  /** Idempotent. */
  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    const state = this.state;
    this.state = undefined;
    await state?.destroy();
  }

  /** Runs `body` on the current device's state; turns a failure caused by a lost device into the device-lost error. */
  private async onDevice<T>(body: (state: DeviceModels) => Promise<T>): Promise<T> {
    if (this.destroyed) throw new GenerationError('argument-invalid', 'The generation service was destroyed.', 'Create a new engine (reload the page).');
    const ctx = await this.options.gpu();
    const state = await this.stateFor(ctx);
    try {
      const result = await body(state);
      state.throwIfLost();
      return result;
    } catch (error) {
      const lost = state.lost ?? (TYPED_ERRORS.some((T) => error instanceof T) ? undefined : await state.lostAfter());
      if (lost) {
        if (this.state === state) this.state = undefined;
        await state.destroy();
        throw lost;
      }
      throw error;
    }
  }

  private async stateFor(ctx: GpuContext): Promise<DeviceModels> {
    if (this.state?.ctx !== ctx) {
      const old = this.state;
      this.state = undefined;
      await old?.destroy();
      this.state = new DeviceModels(ctx, this.options.heads, this.options.cacheCapacity ?? 6);
    }
    return this.state;
  }
}

function memoryOf(entry: ModelEntry): MemorySummary {
  const r = entry.model.report;
  return { linearParams: r.linearParams, weightBytes: r.weightBytes, idealWeightBytes: r.idealWeightBytes, bitsPerWeight: (r.weightBytes * 8) / r.linearParams };
}

function outputShape(kind: OutputKind, bundles: LoadedBundles): number[] {
  const m = bundles.model.manifest;
  if (kind === 'image') return [1, 1, m.dataset.imageSize, m.dataset.imageSize];
  if (m.family === 'var') {
    const tok = bundles.required.get(m.requires.tokenizer)!.manifest;
    const size = tok.family === 'vqvae' ? tok.config.latentSize : 0;
    return [1, m.config.cvae, size, size];
  }
  return [1, m.config.inChannels, m.config.inputSize, m.config.inputSize];
}

function modelInfo(bundles: LoadedBundles): LoadedModelInfo {
  const m = bundles.model.manifest;
  const base = { id: m.id, title: m.title, params: m.params, depth: m.config.depth, width: m.config.width, numClasses: m.config.numClasses, requires: m.requires, checksums: bundles.model.checksums };
  if (m.family === 'var') {
    return { ...base, family: 'var', defaults: { cfg: m.sampling.cfg, steps: m.config.patchNums.length, topK: m.sampling.topK, topP: m.sampling.topP } };
  }
  return { ...base, family: 'dit', defaults: { cfg: m.sampling.cfg, steps: m.sampling.steps, sampler: m.sampling.method } };
}
