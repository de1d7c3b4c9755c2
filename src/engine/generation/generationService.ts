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
import { SettingParseError, FULL_PRECISION } from '../../quant/setting';
import { CancelledError } from '../runContext';
import type { RunContext } from '../runContext';
import { BundleStore, type LoadedBundles } from './bundleStore';
import { BundleCatalog } from './bundleCatalog';
import { ditSamplingOptions, guidanceLabel } from '../../models/dit/ditSampler';
import { DeviceModels } from './deviceModels';
import { SideBySide } from './sideBySide';
import { GenerationError } from './errors';
import { resolveRequest } from './generateParams';
import type { HeadsFactory } from './heads';
import { QualityRun } from '../quality/qualityRun';
import { resolveQuality } from '../quality/qualityParams';
import { QualityError } from '../quality/errors';
import type { MeasureQualityParams, QualityPoint } from '../quality/types';
import type { GenerateParams, GenerateResult, ListModelsResult, LoadedModelInfo, LoadModelParams } from './types';

export interface GenerationServiceOptions {
  readonly source: BundleSource;
  /** The device of the moment (GpuSession.get: a fresh one after a loss). */
  readonly gpu: () => Promise<GpuContext>;
  /** Decoders + classifier; without them outputs are raw f_hat / latents. */
  readonly heads?: HeadsFactory;
  /** Loaded (model, setting) weights kept per device; default 6. */
  readonly cacheCapacity?: number;
  /** GPU bytes one model at one setting may take (src/models/runtime/memoryPlan.ts); default: defaultMemoryBudget of the device's limits. */
  readonly memoryBudgetBytes?: number;
}

const TYPED_ERRORS = [CancelledError, GenerationError, QualityError, BundleError, ModelError, SettingParseError];

export class GenerationService {
  /** The shipped bundles and those the user adds (ModelSources); ids of added ones are `<source>:<id>`. */
  readonly store: BundleCatalog;
  private state: DeviceModels | undefined;
  private destroyed = false;

  constructor(private readonly options: GenerationServiceOptions) {
    this.store = new BundleCatalog(new BundleStore(options.source));
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
    const students = new Map<string, LoadedBundles>();
    for (const { modelId } of request.settings) {
      if (modelId && !students.has(modelId))
        students.set(modelId, sameArchitecture(bundles, await this.store.load(modelId)));
    }
    run.checkpoint();
    return this.onDevice(async (state) =>
      new SideBySide(state, bundles, request, await state.imageHeads(bundles), run, students).execute(),
    );
  }

  /** FD, accuracy and bit counts of `samples` images of one (model, setting); partial points stream via run.progress. */
  async measureQuality(params: MeasureQualityParams, run: RunContext): Promise<QualityPoint> {
    const bundles = await this.store.load(String(params?.modelId));
    const request = resolveQuality(params, bundles.model.manifest);
    if (!bundles.model.manifest.requires.classifier) {
      // Refused before anything is uploaded: the measure itself does not exist for this model.
      throw new QualityError(
        'not-applicable',
        `FD, KID and accuracy do not apply to ${bundles.model.manifest.id}: they are measured with the MNIST classifier's features and labels, and this model names no classifier (it is not an MNIST model).`,
        'Compare its quantised settings in the playground (samples, PSNR, per-step errors), or measure one of the shipped MNIST models.',
      );
    }
    run.checkpoint();
    return this.onDevice(async (state) => {
      const slot = await state.imageHeads(bundles);
      const accumulator = 'heads' in slot ? slot.heads.startQuality?.() : undefined;
      if (!accumulator) {
        const why =
          'note' in slot ? slot.note : (slot.heads.classifierNote ?? 'The heads of this engine cannot score samples.');
        throw new QualityError(
          'no-classifier',
          `Sample quality of ${bundles.model.manifest.id} needs its decoder and classifier: ${why}`,
          'Run the engine where onnxruntime-web loads (the app or sweep page), with the bundles the manifest requires.',
        );
      }
      return new QualityRun(
        state,
        bundles,
        request,
        accumulator,
        run,
        'heads' in slot ? slot.heads : undefined,
      ).execute();
    });
  }

  /** A generator's validated bundles (and those it requires), for other engine services (analysis). */
  bundles(modelId: string): Promise<LoadedBundles> {
    return this.store.load(modelId);
  }

  /** Runs `body` on the current device's models, with this service's device-loss handling (for other engine services). */
  withDeviceModels<T>(body: (state: DeviceModels) => Promise<T>): Promise<T> {
    return this.onDevice(body);
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
    if (this.destroyed)
      throw new GenerationError(
        'argument-invalid',
        'The generation service was destroyed.',
        'Create a new engine (reload the page).',
      );
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
      this.state.memoryBudgetBytes = this.options.memoryBudgetBytes;
    }
    return this.state;
  }
}

/** A student runs on the teacher's sampler, decoder and draws, so it must have the teacher's architecture. */
function sameArchitecture(teacher: LoadedBundles, student: LoadedBundles): LoadedBundles {
  const t = teacher.model.manifest;
  const s = student.model.manifest;
  const same =
    s.family === t.family &&
    JSON.stringify(s.config) === JSON.stringify(t.config) &&
    JSON.stringify(s.requires) === JSON.stringify(t.requires);
  if (!same) {
    throw new GenerationError(
      'argument-invalid',
      `'${s.id}' (${s.family}) does not have the architecture of '${t.id}', so it cannot be compared with it step by step.`,
      `Run '${s.id}' with a model of its own architecture.`,
    );
  }
  return student;
}

function modelInfo(bundles: LoadedBundles): LoadedModelInfo {
  const m = bundles.model.manifest;
  const base = {
    id: m.id,
    title: m.title,
    params: m.params,
    depth: m.config.depth,
    width: m.config.width,
    numClasses: m.config.numClasses,
    requires: m.requires,
    checksums: bundles.model.checksums,
  };
  if (m.family === 'var') {
    return {
      ...base,
      family: 'var',
      defaults: { cfg: m.sampling.cfg, steps: m.config.patchNums.length, topK: m.sampling.topK, topP: m.sampling.topP },
    };
  }
  return {
    ...base,
    family: 'dit',
    defaults: { cfg: m.sampling.cfg, steps: m.sampling.steps, sampler: m.sampling.method },
    guidance: guidanceLabel(ditSamplingOptions(m.sampling), m.config.inChannels),
  };
}
