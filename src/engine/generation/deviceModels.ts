/**
 * Everything the generation service keeps on one GPU device: the shared KernelSet, VAR tokenizers, the
 * decoders/classifier (ImageHeads) per generator, and an LRU of loaded models per (model, QuantSetting) with
 * their samplers. Tied to one GpuContext: when the device is lost the service drops the whole object and the
 * next request builds a new one on a fresh device from the validated bundles it kept. destroy() is idempotent.
 */
import type { GpuContext } from '../../gpu/gpuContext';
import { deviceLost, type GpuError } from '../../gpu/errors';
import type { ValidatedBundle } from '../../models/bundle/index.ts';
import type { VqvaeManifest } from '../../models/bundle/types.ts';
import { KernelSet } from '../../models/runtime/kernelSet';
import { VarModel } from '../../models/var/varModel';
import { VarSampler } from '../../models/var/varSampler';
import { VarTokenizer } from '../../models/var/varTokenizer';
import { DitModel } from '../../models/dit/ditModel';
import { DitSampler, ditSamplingOptions } from '../../models/dit/ditSampler';
import { FULL_PRECISION, settingToString, type QuantSetting } from '../../quant/setting';
import type { ActivationFormat } from '../../quant/formats';
import type { LinearInputStats } from '../../models/runtime/linearInputs';
import { requireTransformsSupported, type PreparedLinear } from '../../models/runtime/methodWeights';
import {
  memoryProblem,
  planDitMemory,
  planVarMemory,
  requireMemoryFits,
  type MemoryPlan,
} from '../../models/runtime/memoryPlan';
import type { VarKvFormat } from '../../models/var/varConfig';
import { calibrateInputs, calibrateScales } from './calibration';
import { mixedPrecisionPlan } from './mixedPrecisionSettings';
import { LruCache } from './lruCache';
import { ReferenceRuns } from './referenceRuns';
import type { HeadsFactory, ImageHeads } from './heads';
import type { LoadedBundles } from './bundleStore';

export interface VarEntry {
  readonly family: 'var';
  readonly model: VarModel;
  readonly sampler: VarSampler;
  readonly tokenizer: VarTokenizer;
  destroy(): void;
}

export interface DitEntry {
  readonly family: 'dit';
  readonly model: DitModel;
  readonly sampler: DitSampler;
  destroy(): void;
}

export type ModelEntry = VarEntry | DitEntry;

/** The heads of a generator, or the reason there are none. */
export type HeadsSlot = { readonly heads: ImageHeads } | { readonly note: string };

export class DeviceModels {
  readonly kernels: KernelSet;
  /** fp32 reference runs of recent requests (CPU data; they die with this device state). */
  readonly references = new ReferenceRuns();
  private readonly models: LruCache<ModelEntry>;
  private readonly tokenizers = new Map<string, VarTokenizer>();
  private readonly heads = new Map<string, Promise<HeadsSlot>>();
  private readonly scales = new Map<string, Promise<Map<string, number>>>();
  private readonly inputStats = new Map<string, Promise<Map<string, LinearInputStats>>>();
  private lostInfo: GPUDeviceLostInfo | undefined;
  private destroyed = false;
  /** Total GPU bytes one model (weights, sampler scratch, KV cache, tokenizer, decoders) may take; undefined: memoryPlan.ts defaultMemoryBudget. */
  memoryBudgetBytes: number | undefined;

  constructor(
    readonly ctx: GpuContext,
    private readonly headsFactory: HeadsFactory | undefined,
    capacity: number,
  ) {
    this.kernels = new KernelSet(ctx.device);
    this.models = new LruCache(capacity);
    void ctx.device.lost.then((info) => (this.lostInfo = info));
  }

  get device(): GPUDevice {
    return this.ctx.device;
  }

  /** The device-lost error once the device is gone (by any cause, destroy included), else undefined. */
  get lost(): GpuError | undefined {
    if (!this.lostInfo) return undefined;
    return this.ctx.lost ?? deviceLost(this.lostInfo.reason ?? 'unknown', this.lostInfo.message);
  }

  throwIfLost(): void {
    const lost = this.lost;
    if (lost) throw lost;
  }

  /** After a failure of unknown cause: the device-lost error if the device went away (waits briefly for the loss to be reported). */
  async lostAfter(waitMs = 250): Promise<GpuError | undefined> {
    if (!this.lostInfo) await Promise.race([this.ctx.device.lost, new Promise((r) => setTimeout(r, waitMs))]);
    return this.lost;
  }

  /** Keys of the cached (model, setting) entries, least recently used first (for tests and diagnostics). */
  cachedKeys(): string[] {
    return this.models.keys();
  }

  /**
   * The model for a setting, from the cache or quantised now. Per-tensor activation settings need `activationScales`
   * (calibrationScales), SmoothQuant and GPTQ settings their `prepared` weights (methodSettings.ts); both are
   * always the same for a model and setting, so the setting string stays the key.
   */
  model(
    bundles: LoadedBundles,
    setting: QuantSetting,
    activationScales?: ReadonlyMap<string, number>,
    prepared?: ReadonlyMap<string, PreparedLinear>,
  ): ModelEntry {
    return this.models.getOrCreate(this.modelKey(bundles, setting), () => {
      const m = bundles.model;
      // Modifiers the engine cannot run (or that do not apply to this family) are refused, never ignored.
      requireTransformsSupported(setting, m.manifest.family);
      // Refused with a typed error (ModelError 'memory-over-budget' / 'tensor-too-large') before any buffer is created.
      const kvFormat = this.varKvFormat(bundles, setting);
      requireMemoryFits(
        this.memoryPlan(bundles, setting, kvFormat),
        setting,
        (s) => this.memoryPlan(bundles, s, this.varKvFormat(bundles, s)),
        this.device.limits,
        this.memoryBudgetBytes,
      );
      // -mp: per-Linear widths from the manifest's sensitivity table (refused with a message without one).
      const settingByLinear = mixedPrecisionPlan(m.manifest, setting)?.byLinear;
      if (m.manifest.family === 'var') {
        const tokenizer = this.tokenizer(bundles.required.get(m.manifest.requires.tokenizer)!);
        const model = VarModel.load(this.device, { manifest: m.manifest, weights: m.weights }, setting, {
          kernels: this.kernels,
          activationScales,
          prepared,
          settingByLinear,
          kvFormat,
        });
        let sampler: VarSampler;
        try {
          sampler = new VarSampler(model, tokenizer);
        } catch (e) {
          model.destroy();
          throw e;
        }
        return { family: 'var', model, sampler, tokenizer, destroy: () => (sampler.destroy(), model.destroy()) };
      }
      const model = DitModel.load(this.device, { manifest: m.manifest, weights: m.weights }, setting, {
        kernels: this.kernels,
        activationScales,
        prepared,
        settingByLinear,
      });
      let sampler: DitSampler;
      try {
        sampler = new DitSampler(model, ditSamplingOptions(m.manifest.sampling));
      } catch (e) {
        model.destroy();
        throw e;
      }
      return { family: 'dit', model, sampler, destroy: () => (sampler.destroy(), model.destroy()) };
    });
  }

  /**
   * Estimated GPU bytes of (model, setting) as this engine runs it: one image per sampling run (cond + uncond rows),
   * DiT with up to 250 steps of noise, the tokenizer, and the ONNX decoder/classifier files of the required bundles.
   */
  memoryPlan(bundles: LoadedBundles, setting: QuantSetting, kvFormat?: VarKvFormat): MemoryPlan {
    const m = bundles.model.manifest;
    let decoderBytes = 0;
    for (const b of bundles.required.values()) {
      for (const f of b.manifest.files)
        if (f.role === 'decoder-onnx' || f.role === 'classifier-onnx') decoderBytes += f.bytes;
    }
    const options = { batch: 1, decoderBytes, alignment: this.device.limits.minStorageBufferOffsetAlignment };
    if (m.family === 'dit') return planDitMemory(m.id, m.config, setting, options);
    const tokenizer = bundles.required.get(m.requires.tokenizer)?.manifest as VqvaeManifest | undefined;
    return planVarMemory(m.id, m.config, setting, { ...options, tokenizer: tokenizer?.config, kvFormat });
  }

  /**
   * VAR's KV cache format for (model, setting): f16 (the default: our bundles' parity and exact golden tokens)
   * unless only the q8 cache (int8 + a scale per token and head, 47% of the f16 bytes) makes the model fit the
   * budget, e.g. the official d16 at W4g128 on a small budget (docs/official-models.md). q8 costs accuracy: the
   * mnist-var-d1 logits move by 1.9e-3 of their range (f16: 1.2e-4) and mnist-var-d3 draws 4 of 30 golden tokens
   * differently (test/gpu/models/varKvCache.test.ts). DiT has no KV cache: undefined.
   */
  varKvFormat(bundles: LoadedBundles, setting: QuantSetting): VarKvFormat | undefined {
    if (bundles.model.manifest.family !== 'var') return undefined;
    const f16 = this.memoryPlan(bundles, setting, 'f16');
    return memoryProblem(f16, this.device.limits, this.memoryBudgetBytes) === undefined ? 'f16' : 'q8';
  }

  /** True when the weights of (model, setting) are in the cache (then model() needs no scales or prepared weights). */
  hasModel(bundles: LoadedBundles, setting: QuantSetting): boolean {
    return this.models.has(this.modelKey(bundles, setting));
  }

  private modelKey(bundles: LoadedBundles, setting: QuantSetting): string {
    return `${bundles.model.manifest.id}|${settingToString(setting)}`;
  }

  /** Per-channel absmax (+ X^T X when `gram`) of every Linear input of a model, calibrated once per device (calibration.ts). */
  linearInputStats(
    bundles: LoadedBundles,
    gram: boolean,
    onStep: () => void,
    onBatch?: (done: number, total: number) => void,
  ): Promise<Map<string, LinearInputStats>> {
    const id = bundles.model.manifest.id;
    const withGram = this.inputStats.get(`${id}|gram`);
    if (withGram) return withGram; // has the absmax too
    const key = `${id}|${gram ? 'gram' : 'absmax'}`;
    let stats = this.inputStats.get(key);
    if (!stats) {
      stats = calibrateInputs(this.model(bundles, FULL_PRECISION), bundles.model, gram, onStep, onBatch);
      this.inputStats.set(key, stats);
      stats.catch(() => this.inputStats.delete(key)); // a cancelled or failed calibration is retried next time
    }
    return stats;
  }

  /** Static activation scales of a model for one activation format, calibrated once per device (calibration.ts). */
  calibrationScales(
    bundles: LoadedBundles,
    format: ActivationFormat,
    onStep: () => void,
  ): Promise<Map<string, number>> {
    const key = `${bundles.model.manifest.id}|${JSON.stringify(format)}`;
    let scales = this.scales.get(key);
    if (!scales) {
      scales = calibrateScales(this.model(bundles, FULL_PRECISION), bundles.model, format, onStep);
      this.scales.set(key, scales);
      scales.catch(() => this.scales.delete(key)); // a cancelled or failed calibration is retried next time
    }
    return scales;
  }

  /** The generator's decoder (+ classifier), built once per device; a failure becomes a note, not an error. */
  imageHeads(bundles: LoadedBundles): Promise<HeadsSlot> {
    const id = bundles.model.manifest.id;
    let slot = this.heads.get(id);
    if (!slot) {
      const factory = this.headsFactory;
      slot = factory
        ? factory(this.device, bundles).then(
            (heads): HeadsSlot => ({ heads }),
            (e: unknown): HeadsSlot => ({
              note: `The decoder could not be loaded (${e instanceof Error ? e.message : String(e)}), so outputs are raw.`,
            }),
          )
        : Promise.resolve({
            note: 'No ONNX decoder in this engine (onnxruntime is not available here), so outputs are raw.',
          });
      this.heads.set(id, slot);
    }
    return slot;
  }

  private tokenizer(bundle: ValidatedBundle): VarTokenizer {
    const id = bundle.manifest.id;
    let t = this.tokenizers.get(id);
    if (!t) {
      t = VarTokenizer.load(this.device, bundle as ValidatedBundle & { manifest: VqvaeManifest });
      this.tokenizers.set(id, t);
    }
    return t;
  }

  /** Idempotent; frees every buffer and session (harmless on a lost device). */
  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    this.models.clear();
    for (const t of this.tokenizers.values()) t.destroy();
    this.tokenizers.clear();
    const slots = [...this.heads.values()];
    this.heads.clear();
    for (const slot of await Promise.all(slots)) if ('heads' in slot) await slot.heads.dispose().catch(() => undefined);
    this.kernels.destroy();
  }
}
