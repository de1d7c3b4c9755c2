/**
 * One sampling run of one (model, setting) entry with the request's shared draws, traced step by step: the
 * per-step states the error traces are computed from, and the final output still on the GPU for decoding.
 * `onStep` runs after every step (progress, cancellation and device-loss checks: a throw stops the run).
 */
import { ditForwardOnce } from '../../models/dit/ditForward';
import type { DitMethod } from '../../models/dit/ditSampler';
import { guidedEps, type DitStepState, type VarStepState } from './stepErrors';
import type { DitEntry, VarEntry } from './deviceModels';
import type { DitNoise } from './sharedDraws';

export interface VarRunRequest {
  readonly label: number;
  readonly cfg: number;
  readonly topK: number;
  readonly topP: number;
  readonly uniforms: readonly Float32Array[];
}

export interface VarRun {
  readonly states: VarStepState[];
  /** f_hat [1, Cvae, H, H] after the last scale, on the GPU (owned by the entry's sampler). */
  readonly outputBuffer: GPUBuffer;
  readonly output: Float32Array;
  readonly ms: number;
}

export async function runVar(entry: VarEntry, request: VarRunRequest, onStep: () => void): Promise<VarRun> {
  const start = performance.now();
  const result = await entry.sampler.sample({
    labels: [request.label],
    cfg: request.cfg,
    topK: request.topK,
    topP: request.topP,
    uniforms: request.uniforms,
    trace: { tokens: true, fHat: true, features: true },
    onStep,
  });
  const states = result.steps.map((s) => ({
    patchNum: s.patchNum,
    tokens: s.tokens!,
    fHat: s.fHat!,
    soft: s.features!,
  }));
  return { states, outputBuffer: result.fHat, output: states[states.length - 1].fHat, ms: performance.now() - start };
}

export interface DitRunRequest {
  readonly label: number;
  readonly cfg: number;
  readonly method: DitMethod;
  readonly steps: number;
  readonly noise: DitNoise;
}

export interface DitRun {
  /** x_t before each step and the latent after it. */
  readonly xT: Float32Array[];
  readonly xNext: Float32Array[];
  readonly timesteps: number[];
  /** The standardised latent [1, Cin, H, W] on the GPU (owned by the entry's sampler). */
  readonly outputBuffer: GPUBuffer;
  readonly output: Float32Array;
  readonly ms: number;
}

export async function runDit(entry: DitEntry, request: DitRunRequest, onStep: () => void): Promise<DitRun> {
  const start = performance.now();
  const result = await entry.sampler.sample({
    labels: [request.label],
    cfg: request.cfg,
    method: request.method,
    steps: request.steps,
    noise: {
      initial: request.noise.initial,
      stepNoise: request.method === 'ddpm' ? request.noise.stepNoise : undefined,
    },
    trace: { xT: true, xNext: true },
    onStep,
  });
  const xNext = result.steps.map((s) => s.xNext!);
  return {
    xT: result.steps.map((s) => s.xT!),
    xNext,
    timesteps: result.steps.map((s) => s.timestep),
    outputBuffer: result.latent,
    output: xNext[xNext.length - 1],
    ms: performance.now() - start,
  };
}

/** Steps per forward when computing one-step predictions (2 rows each: cond and uncond). */
const EPS_CHUNK = 16;

/**
 * The guided noise prediction of `entry`'s model on each given x_t (fp32's trajectory), as the sampler would
 * compute it at that step: rows [x_t, x_t] with labels [label, null], eps = uncond + cfg (cond - uncond).
 */
export async function oneStepEps(
  entry: DitEntry,
  xT: readonly Float32Array[],
  timesteps: readonly number[],
  label: number,
  cfg: number,
  onChunk: () => void,
): Promise<Float32Array[]> {
  const n = entry.model.latentElements;
  const nullClass = entry.model.config.numClasses;
  const out: Float32Array[] = [];
  for (let first = 0; first < xT.length; first += EPS_CHUNK) {
    const count = Math.min(EPS_CHUNK, xT.length - first);
    const x = new Float32Array(2 * count * n);
    const t: number[] = [];
    const labels: number[] = [];
    for (let j = 0; j < count; j++) {
      x.set(xT[first + j], 2 * j * n);
      x.set(xT[first + j], (2 * j + 1) * n);
      t.push(timesteps[first + j], timesteps[first + j]);
      labels.push(label, nullClass);
    }
    const result = await ditForwardOnce(entry.model, x, t, labels);
    for (let j = 0; j < count; j++) out.push(guidedEps(result.subarray(4 * j * n, 4 * (j + 1) * n), n, cfg));
    onChunk();
  }
  return out;
}

export function ditStates(run: DitRun, eps: readonly Float32Array[]): DitStepState[] {
  return run.xNext.map((x, n) => ({ timestep: run.timesteps[n], xNext: x, eps: eps[n] }));
}
