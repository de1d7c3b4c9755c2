/**
 * One generate request on one device: fp32 first (the reference), then each setting with the SAME class, seed
 * and random draws (made once, sharedDraws.ts), each run traced step by step, decoded when heads exist, and
 * compared with fp32 (stepErrors.ts). Progress counts sampling steps over all runs; between steps the run
 * checks for a cancel (RunContext.checkpoint) and for a lost device.
 */
import { psnr, relativeL2Error } from '../../metrics/imageMetrics';
import { FULL_PRECISION, settingToString, type QuantSetting } from '../../quant/setting';
import type { RunContext } from '../runContext';
import type { LoadedBundles } from './bundleStore';
import type { DeviceModels, DitEntry, HeadsSlot, ModelEntry } from './deviceModels';
import type { ResolvedRequest } from './generateParams';
import type { ImageHeads } from './heads';
import { ditStates, oneStepEps, runDit, runVar, type DitRun } from './familyRuns';
import { modelForSetting } from './methodSettings';
import { ditNoise, varUniforms, type DitNoise } from './sharedDraws';
import { ditStepErrors, varStepErrors, type VarStepState } from './stepErrors';
import { referenceKey, type ReferenceRun } from './referenceRuns';
import { AppError } from '../../util/errors';
import type {
  ComparedRun,
  GenerateResult,
  MemorySummary,
  OutputKind,
  RefusedRun,
  RunSummary,
  StepError,
} from './types';

/**
 * Codes of the errors that refuse one setting before it samples (the request itself is fine): that setting's cell
 * shows the error and the request's other settings still run. Anything else (cancel, device lost, a bug) fails
 * the whole request.
 */
const SETTING_REFUSALS: ReadonlySet<string> = new Set([
  'setting-unsupported',
  'calibration-missing',
  'memory-over-budget',
  'tensor-too-large',
]);

/** The refusal of one setting as plain data, or undefined when `error` must fail the whole request. */
export function settingRefusal(error: unknown): Omit<RefusedRun, 'setting' | 'modelId'> | undefined {
  if (!(error instanceof AppError) || !SETTING_REFUSALS.has(error.code)) return undefined;
  return { code: error.code, message: error.problem, fix: error.fix };
}

/** A finished run of one setting, before comparison. */
interface SettingRun {
  readonly entry: ModelEntry;
  readonly summary: RunSummary;
  readonly decoded: boolean;
  readonly varStates?: VarStepState[];
  readonly ditRun?: DitRun;
}

export class SideBySide {
  private readonly heads: ImageHeads | undefined;
  private readonly notes: string[];
  private readonly uniforms: Float32Array[] | undefined;
  private readonly noise: DitNoise | undefined;
  private done = 0;
  /** Sampling runs this request makes: one per setting, plus fp32 unless its run is cached. */
  private runsPlanned: number;

  constructor(
    private readonly state: DeviceModels,
    private readonly bundles: LoadedBundles,
    private readonly request: ResolvedRequest,
    slot: HeadsSlot,
    private readonly run: RunContext,
    private readonly students: ReadonlyMap<string, LoadedBundles> = new Map(),
  ) {
    this.runsPlanned = request.settings.length;
    this.heads = 'heads' in slot ? slot.heads : undefined;
    this.notes = 'note' in slot ? [slot.note] : this.heads?.classifierNote ? [this.heads.classifierNote] : [];
    const m = bundles.model.manifest;
    if (m.family === 'var') this.uniforms = varUniforms(request.seed, m.config.patchNums, m.config.vocabSize);
    else
      this.noise = ditNoise(
        request.seed,
        m.config.inChannels * m.config.inputSize ** 2,
        request.steps,
        request.sampler!,
      );
  }

  async execute(): Promise<GenerateResult> {
    const { request, bundles } = this;
    const manifest = bundles.model.manifest;
    const reference = await this.referenceRun();
    const runs: ComparedRun[] = [];
    const refused: RefusedRun[] = [...request.refused];
    for (const { setting, weights, modelId } of request.settings) {
      let r: SettingRun;
      try {
        r = await this.runSetting(setting, weights, modelId ? this.students.get(modelId) : undefined);
      } catch (error) {
        const refusal = settingRefusal(error);
        if (!refusal) throw error;
        refused.push({ setting, ...(modelId ? { modelId } : {}), ...refusal });
        // It samples nothing: progress counts the runs that do.
        this.runsPlanned--;
        continue;
      }
      let steps: StepError[];
      if (r.varStates) {
        const tokenizer = reference.tokenizer!;
        steps = varStepErrors(r.varStates, reference.varStates!, tokenizer.codebookHost, tokenizer.config.cvae);
      } else {
        // This setting's one-step prediction on fp32's own x_t at every step.
        steps = ditStepErrors(
          ditStates(r.ditRun!, await this.oneStepEps(r.entry as DitEntry, reference.ditRun!)),
          reference.ditStates!,
        );
      }
      const out = r.summary.output;
      const ref = reference.summary.output;
      runs.push({
        ...r.summary,
        ...(modelId ? { modelId } : {}),
        psnr: r.decoded ? psnr(out, ref) : undefined,
        outputRelL2: relativeL2Error(out, ref),
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
      notes: this.notes,
      reference: reference.summary,
      runs,
      refused,
    };
  }

  /** fp32's run for this (model, class, seed, cfg, steps, sampler): from this device's cache, or sampled now. */
  private async referenceRun(): Promise<ReferenceRun> {
    const key = referenceKey(this.bundles.model.manifest.id, this.request);
    const cached = this.state.references.get(key);
    if (cached) return cached;
    this.runsPlanned++;
    const r = await this.runSetting(FULL_PRECISION, FULL_PRECISION);
    // Taken now: the reference entry may be evicted from the model cache while the settings run.
    const run: ReferenceRun = {
      summary: r.summary,
      decoded: r.decoded,
      varStates: r.varStates,
      tokenizer: r.entry.family === 'var' ? r.entry.tokenizer : undefined,
      ditRun: r.ditRun,
      ditStates: r.ditRun ? ditStates(r.ditRun, await this.oneStepEps(r.entry as DitEntry, r.ditRun)) : undefined,
    };
    this.state.references.set(key, run);
    return run;
  }

  /** Between steps and chunks: stop on cancel or on a lost device. */
  private readonly check = (): void => {
    this.run.checkpoint();
    this.state.throwIfLost();
  };

  private stepHook(name: string): () => void {
    const { steps } = this.request;
    const total = this.runsPlanned * steps;
    return () => {
      this.check();
      this.done++;
      this.run.progress(this.done / total, `${name}: step ${((this.done - 1) % steps) + 1} of ${steps}`);
    };
  }

  /**
   * One sampling run; `requested` is reported, `setting` is what the weights are quantised with (RTN for a trained
   * student); `student` = another bundle of the same architecture (a trained student) to run instead.
   */
  private async runSetting(
    requested: QuantSetting,
    setting: QuantSetting,
    student?: LoadedBundles,
  ): Promise<SettingRun> {
    const text = settingToString(requested);
    const { state, request } = this;
    const bundles = student ?? this.bundles;
    const m = bundles.model.manifest;
    // Calibration and GPTQ report at the fraction of sampling steps done so far.
    const progress = (message: string) =>
      this.run.progress(Math.min(1, this.done / (this.runsPlanned * request.steps)), `${text}: ${message}`);
    const entry = await modelForSetting(state, bundles, setting, { check: this.check, progress });
    const hook = this.stepHook(text);
    let buffer: GPUBuffer;
    let raw: Float32Array;
    let ms: number;
    let varStates: VarStepState[] | undefined;
    let ditRun: DitRun | undefined;
    if (entry.family === 'var' && m.family === 'var') {
      const r = await runVar(
        entry,
        {
          label: request.label,
          cfg: request.cfg,
          topK: m.sampling.topK,
          topP: m.sampling.topP,
          uniforms: this.uniforms!,
        },
        hook,
      );
      ({ outputBuffer: buffer, output: raw, ms, states: varStates } = r);
    } else {
      ditRun = await runDit(
        entry as DitEntry,
        { label: request.label, cfg: request.cfg, method: request.sampler!, steps: request.steps, noise: this.noise! },
        hook,
      );
      ({ outputBuffer: buffer, output: raw, ms } = ditRun);
    }
    const decoded = this.heads ? await this.heads.decode(buffer) : undefined;
    state.throwIfLost();
    const summary: RunSummary = {
      setting: requested,
      output: decoded?.image ?? raw,
      prediction: decoded?.prediction,
      memory: memoryOf(entry),
      ms,
    };
    return { entry, summary, decoded: decoded !== undefined, varStates, ditRun };
  }

  private oneStepEps(entry: DitEntry, reference: DitRun): Promise<Float32Array[]> {
    return oneStepEps(entry, reference.xT, reference.timesteps, this.request.label, this.request.cfg, this.check);
  }
}

function memoryOf(entry: ModelEntry): MemorySummary {
  const r = entry.model.report;
  return {
    linearParams: r.linearParams,
    weightBytes: r.weightBytes,
    idealWeightBytes: r.idealWeightBytes,
    bitsPerWeight: (r.weightBytes * 8) / r.linearParams,
  };
}

function outputShape(kind: OutputKind, bundles: LoadedBundles): number[] {
  const m = bundles.model.manifest;
  // Decoded images: grey MNIST digits, or RGB (official ImageNet models), as the manifest's dataset says.
  if (kind === 'image') return [1, m.dataset.channels, m.dataset.imageSize, m.dataset.imageSize];
  if (m.family === 'var') {
    const tok = bundles.required.get(m.requires.tokenizer)!.manifest;
    const size = tok.family === 'vqvae' ? tok.config.latentSize : 0;
    return [1, m.config.cvae, size, size];
  }
  return [1, m.config.inChannels, m.config.inputSize, m.config.inputSize];
}
