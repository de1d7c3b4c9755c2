/**
 * Per-step error traces of a quantised run against the fp32 run (pure TypeScript, no GPU): the numbers the
 * side-by-side chart plots. VAR: f_hat, token agreement, and the continuous features before and after
 * snapping to the codebook (the paper's claim: snapping absorbs quantisation noise). DiT: the latent after
 * each step and the one-step guided noise prediction on fp32's own x_t.
 */
import { relativeL2Error } from '../../metrics/imageMetrics';
import { GenerationError } from './errors';
import type { DitStepError, VarStepError } from './types';

/** (step + 1) / steps: fraction of the generation done after `step` (0-based). */
export function normalisedStep(step: number, steps: number): number {
  if (!(Number.isInteger(step) && Number.isInteger(steps) && steps > 0 && step >= 0 && step < steps)) {
    throw new GenerationError(
      'argument-invalid',
      `step ${step} of ${steps} is not a valid step index.`,
      'Pass 0 <= step < steps (engine bug).',
    );
  }
  return (step + 1) / steps;
}

/** Fraction of positions where the two token arrays agree. */
export function tokenAgreement(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length || a.length === 0) {
    throw new GenerationError(
      'argument-invalid',
      `token arrays of lengths ${a.length} and ${b.length} cannot be compared.`,
      'Compare the tokens of the same scale (engine bug).',
    );
  }
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return same / a.length;
}

/** codebook[token] per position: [positions, cvae] (the feature after snapping). */
export function snappedFeatures(tokens: ArrayLike<number>, codebook: Float32Array, cvae: number): Float32Array {
  const codes = codebook.length / cvae;
  const out = new Float32Array(tokens.length * cvae);
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (!(Number.isInteger(t) && t >= 0 && t < codes)) {
      throw new GenerationError(
        'argument-invalid',
        `token ${t} is outside the codebook of ${codes} codes.`,
        'Sample tokens with the tokenizer of this model (engine bug).',
      );
    }
    out.set(codebook.subarray(t * cvae, (t + 1) * cvae), i * cvae);
  }
  return out;
}

/** What one VAR step contributes to the comparison (read back from the sampler's trace). */
export interface VarStepState {
  readonly patchNum: number;
  readonly tokens: ArrayLike<number>;
  readonly fHat: Float32Array;
  /** Soft features before snapping, [pn*pn, cvae]. */
  readonly soft: Float32Array;
}

export function varStepErrors(
  run: readonly VarStepState[],
  reference: readonly VarStepState[],
  codebook: Float32Array,
  cvae: number,
): VarStepError[] {
  requireSameSteps(run.length, reference.length);
  return run.map((s, k) => {
    const r = reference[k];
    return {
      kind: 'var',
      step: k,
      progress: normalisedStep(k, run.length),
      patchNum: r.patchNum,
      fHatRelL2: relativeL2Error(s.fHat, r.fHat),
      tokenAgreement: tokenAgreement(s.tokens, r.tokens),
      softRelL2: relativeL2Error(s.soft, r.soft),
      snappedRelL2: relativeL2Error(
        snappedFeatures(s.tokens, codebook, cvae),
        snappedFeatures(r.tokens, codebook, cvae),
      ),
    };
  });
}

/** What one DiT step contributes: the latent after the step, and the guided eps on fp32's x_t. */
export interface DitStepState {
  readonly timestep: number;
  readonly xNext: Float32Array;
  readonly eps: Float32Array;
}

export function ditStepErrors(run: readonly DitStepState[], reference: readonly DitStepState[]): DitStepError[] {
  requireSameSteps(run.length, reference.length);
  return run.map((s, n) => ({
    kind: 'dit',
    step: n,
    progress: normalisedStep(n, run.length),
    timestep: reference[n].timestep,
    xRelL2: relativeL2Error(s.xNext, reference[n].xNext),
    epsRelL2: relativeL2Error(s.eps, reference[n].eps),
  }));
}

/**
 * Classifier-free guidance on a model output [2, 2Cin, H, W] (row 0 cond, row 1 uncond): the guided noise
 * prediction eps = uncond + cfg (cond - uncond) over the first Cin channels, as the sampler's CfgCombineKernel.
 */
export function guidedEps(out: Float32Array, latentElements: number, cfg: number): Float32Array {
  if (out.length !== 4 * latentElements) {
    throw new GenerationError(
      'argument-invalid',
      `a model output of ${out.length} values is not [cond, uncond] x 2Cin x H x W for ${latentElements}-value latents.`,
      'Pass one cond and one uncond row (engine bug).',
    );
  }
  const eps = new Float32Array(latentElements);
  const uncond = 2 * latentElements;
  for (let i = 0; i < latentElements; i++) eps[i] = out[uncond + i] + cfg * (out[i] - out[uncond + i]);
  return eps;
}

function requireSameSteps(a: number, b: number): void {
  if (a !== b || a === 0) {
    throw new GenerationError(
      'argument-invalid',
      `a run of ${a} steps cannot be compared with a reference of ${b}.`,
      'Run both with the same step count (engine bug).',
    );
  }
}
