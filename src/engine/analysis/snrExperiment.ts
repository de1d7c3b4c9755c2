/**
 * The representation-SNR experiment: how much of a perturbation of the model's continuous representation
 * reaches the output, for VAR (discrete tokens) and DiT (continuous latents). Each generator runs at fp32 once
 * clean and once per input SNR with the same seed (the same token uniforms / the same diffusion noise), with
 * seeded Gaussian noise at that SNR injected through the samplers' perturbation hooks:
 *
 * - VAR: at every scale, into the head's input (the transformer's last continuous feature, after the final
 *   adaLN LayerNorm). The head and the token draw then snap it onto one of V codebook entries, so the noise
 *   reaches f_hat only where it moves a draw across a boundary of the token CDF. This is where weight
 *   quantisation noise meets VAR's discretisation, the paper's argument for why VAR keeps its quality.
 * - DiT: into the latent x_t before every denoising step (x_T included); the output is the result of the
 *   last update, so every injected perturbation passes through at least one model evaluation and update,
 *   and nothing snaps it back: the trajectory carries it forward step by step.
 *
 * Output SNR compares the final f_hat (VAR) or final latent (DiT) of all images with the clean run's.
 */
import { Pcg32 } from '../../models/runtime/prng';
import { readF32 } from '../../gpu/buffers';
import { FULL_PRECISION } from '../../quant/setting';
import type { RunContext } from '../runContext';
import type { LoadedBundles } from '../generation/bundleStore';
import type { DeviceModels, DitEntry, VarEntry } from '../generation/deviceModels';
import { addNoiseAtSnr, changedFraction, outputSnrDb } from './snrMath';
import { requireAnalysis } from './errors';
import type { SnrCurve, SnrExperimentParams, SnrExperimentResult, SnrPoint } from './types';

export const SNR_LIMITS = { maxSamples: 40, maxPoints: 24, minDb: -20, maxDb: 200, maxDitSteps: 250 } as const;

export const INJECTION = {
  var: 'Gaussian noise on the head input (last continuous feature) at every scale; output: final f_hat',
  dit: 'Gaussian noise on the latent x_t before every denoising step; output: final latent',
} as const;

/** The noise of point `point` comes from its own PCG32 stream, so every point is reproducible on its own. */
export function noiseSeed(seed: number, point: number): number {
  return (seed * 7919 + 104729 * (point + 1)) % 2 ** 32;
}

export function validateSnrParams(p: SnrExperimentParams): void {
  requireAnalysis(
    Array.isArray(p.modelIds) && p.modelIds.length >= 1,
    'no models given.',
    'Pass one or more generator ids, e.g. mnist-var-d2 and mnist-dit-d3.',
  );
  requireAnalysis(
    Array.isArray(p.snrDb) && p.snrDb.length >= 1 && p.snrDb.length <= SNR_LIMITS.maxPoints,
    `give 1..${SNR_LIMITS.maxPoints} input SNRs (got ${p.snrDb?.length}).`,
    'Use e.g. 0, 10, 20, 30, 40 dB.',
  );
  for (const db of p.snrDb)
    requireAnalysis(
      Number.isFinite(db) && db >= SNR_LIMITS.minDb && db <= SNR_LIMITS.maxDb,
      `input SNR ${db} dB is outside ${SNR_LIMITS.minDb}..${SNR_LIMITS.maxDb}.`,
      'Use SNRs such as 0 to 40 dB.',
    );
  requireAnalysis(
    Number.isInteger(p.samples) && p.samples >= 1 && p.samples <= SNR_LIMITS.maxSamples,
    `samples ${p.samples} is outside 1..${SNR_LIMITS.maxSamples}.`,
    'Use e.g. 4 images per run.',
  );
  requireAnalysis(
    Number.isInteger(p.seed) && p.seed >= 0,
    `seed ${p.seed} is not a non-negative integer.`,
    'Pass a whole number seed such as 0.',
  );
  if (p.ditSteps !== undefined)
    requireAnalysis(
      Number.isInteger(p.ditSteps) && p.ditSteps >= 1 && p.ditSteps <= SNR_LIMITS.maxDitSteps,
      `ditSteps ${p.ditSteps} is outside 1..${SNR_LIMITS.maxDitSteps}.`,
      'Use e.g. 50 steps (fewer is faster).',
    );
  if (p.ditSampler !== undefined)
    requireAnalysis(
      p.ditSampler === 'ddpm' || p.ditSampler === 'ddim',
      `sampler '${String(p.ditSampler)}' is unknown.`,
      "Use 'ddpm' or 'ddim'.",
    );
}

/** One run's output and (VAR) tokens, read back. */
interface RunOutput {
  readonly output: Float32Array;
  readonly tokens?: Uint32Array;
}

type Perturb = ((step: number, values: Float32Array) => void) | undefined;

export class SnrExperiment {
  private readonly curves: SnrCurve[] = [];
  private done = 0;
  private readonly total: number;

  constructor(
    private readonly state: DeviceModels,
    private readonly models: readonly LoadedBundles[],
    private readonly p: SnrExperimentParams,
    private readonly run: RunContext,
  ) {
    this.total = models.length * (1 + p.snrDb.length);
  }

  async execute(): Promise<SnrExperimentResult> {
    for (const bundles of this.models) {
      const m = bundles.model.manifest;
      const entry = this.state.model(bundles, FULL_PRECISION);
      const steps = m.family === 'var' ? m.config.patchNums.length : (this.p.ditSteps ?? m.sampling.steps);
      const sample = (perturb: Perturb) =>
        entry.family === 'var'
          ? this.runVar(entry, bundles, perturb)
          : this.runDit(entry as DitEntry, bundles, steps, perturb);
      const clean = await sample(undefined);
      const points: SnrPoint[] = [];
      this.curves.push({
        modelId: m.id,
        family: m.family,
        depth: m.config.depth,
        injection: INJECTION[m.family],
        steps,
        points,
      });
      this.advance(`${m.id}: clean run`);
      for (const [i, db] of this.p.snrDb.entries()) {
        const rng = new Pcg32(noiseSeed(this.p.seed, i));
        const noisy = await sample((_step, values) => void addNoiseAtSnr(values, db, rng));
        points.push({
          inputSnrDb: db,
          outputSnrDb: outputSnrDb(clean.output, noisy.output),
          tokensChanged: clean.tokens && noisy.tokens ? changedFraction(clean.tokens, noisy.tokens) : undefined,
        });
        this.advance(`${m.id}: ${db} dB`);
      }
    }
    return this.result();
  }

  private result(): SnrExperimentResult {
    return {
      samples: this.p.samples,
      seed: this.p.seed,
      curves: this.curves.map((c) => ({ ...c, points: [...c.points] })),
    };
  }

  private advance(message: string): void {
    this.done++;
    this.run.progress(this.done / this.total, message, this.result());
  }

  private readonly check = (): void => {
    this.run.checkpoint();
    this.state.throwIfLost();
  };

  private labels(bundles: LoadedBundles): number[] {
    return Array.from({ length: this.p.samples }, (_, i) => i % bundles.model.manifest.config.numClasses);
  }

  private async runVar(entry: VarEntry, bundles: LoadedBundles, perturb: Perturb): Promise<RunOutput> {
    const m = bundles.model.manifest;
    if (m.family !== 'var') throw new Error(`unreachable: ${m.id} is not a VAR`);
    const labels = this.labels(bundles);
    const result = await entry.sampler.sample({
      labels,
      cfg: m.sampling.cfg,
      topK: m.sampling.topK,
      topP: m.sampling.topP,
      seed: this.p.seed,
      trace: { tokens: true },
      onStep: this.check,
      perturbHeadInput: perturb,
    });
    const output = await readF32(this.state.device, result.fHat, 0, entry.tokenizer.fHatElements(labels.length));
    const tokens = new Uint32Array(result.steps.reduce((n, s) => n + s.tokens!.length, 0));
    let at = 0;
    for (const s of result.steps) tokens.set(s.tokens!, (at += s.tokens!.length) - s.tokens!.length);
    return { output, tokens };
  }

  private async runDit(entry: DitEntry, bundles: LoadedBundles, steps: number, perturb: Perturb): Promise<RunOutput> {
    const m = bundles.model.manifest;
    if (m.family !== 'dit') throw new Error(`unreachable: ${m.id} is not a DiT`);
    const labels = this.labels(bundles);
    const method = this.p.ditSampler ?? m.sampling.method;
    const result = await entry.sampler.sample({
      labels,
      cfg: m.sampling.cfg,
      method,
      steps,
      seed: this.p.seed,
      onStep: this.check,
      perturbLatent: perturb,
    });
    return { output: await readF32(this.state.device, result.latent, 0, labels.length * entry.model.latentElements) };
  }
}
