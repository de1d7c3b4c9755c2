/**
 * The DiT sampler (docs/bundle-format.md, family `dit`), all on the GPU: x_T ~ N(0, I); for respaced steps
 * i = S-1 .. 0 the model runs on [x, x] with labels [y, null] and t = timestep_map[i]; CfgCombineKernel guides
 * eps on ALL latent channels (eps = uncond + cfg (cond - uncond); the official sampler's first-3-channels quirk
 * is not copied) and takes v from the cond half; DdpmStepKernel (ancestral, learned-range variance) or
 * DdimStepKernel (eta 0) updates x in place. Schedule: src/ops/diffusionSchedule.ts.
 *
 * Noise (x_T and one draw per DDPM step but the last) comes from the request (the goldens record torch's) or
 * our seeded PCG32, and is uploaded once with the timesteps. Without traces the run is one submission; traces
 * (x_t, the model outputs, the noise, x_next) are read back only when asked for.
 */
import { ddimCoefficients, ddpmCoefficients, respacedSchedule, type DiffusionSchedule } from '../../ops/diffusionSchedule';
import { ditEpsCfgLayout } from '../../kernels/ops/cfgCombineKernel';
import { ditVarianceSource } from '../../kernels/ops/diffusionStepKernels';
import { Pcg32 } from '../runtime/prng';
import { Workspace } from '../runtime/workspace';
import { alignElements, readF32, slice, writeWords } from '../runtime/gpuBuffers';
import { ModelError, requireArgument, requireLiveModel } from '../runtime/errors';
import type { DitModel } from './ditModel';

const OWNER = 'DitSampler';

export type DitMethod = 'ddpm' | 'ddim';

export interface DitTraceRequest {
  /** x_t before the step [B, Cin, H, W]. */
  readonly xT?: boolean;
  /** out_cond, out_uncond [B, 2Cin, H, W] and out_cfg (guided eps, cond v). */
  readonly modelOut?: boolean;
  /** The noise the step added (zeros when it added none). */
  readonly noise?: boolean;
  /** x after the step. */
  readonly xNext?: boolean;
}

export interface DitStepTrace {
  /** Sampling step n = 0 .. S-1 (respaced index i = S-1-n). */
  readonly step: number;
  /** Original timestep the model saw. */
  readonly timestep: number;
  xT?: Float32Array;
  outCond?: Float32Array;
  outUncond?: Float32Array;
  outCfg?: Float32Array;
  noise?: Float32Array;
  xNext?: Float32Array;
}

export interface DitSampleRequest {
  readonly labels: readonly number[];
  readonly cfg: number;
  readonly method: DitMethod;
  /** Respaced sampling steps (1 .. trainSteps). */
  readonly steps: number;
  /**
   * Given noise: x_T [B, Cin, H, W] and, for DDPM, stepNoise[n] [B, Cin, H, W] for every step n with i > 0
   * (the last step adds none). Default: PCG32(seed) standard normals, x_T first, then step by step.
   */
  readonly noise?: { readonly initial: Float32Array; readonly stepNoise?: readonly Float32Array[] };
  readonly seed?: number;
  readonly trace?: DitTraceRequest;
  readonly onStep?: (trace: DitStepTrace) => void;
  /**
   * Optional, default off (the representation-SNR analysis, src/engine/analysis): called before every step with
   * the latent x_t [B, Cin, H, W] the model is about to see, read back; it may change the values in place, which
   * are written back before the step runs. Costs a read-back per step.
   */
  readonly perturbLatent?: (step: number, values: Float32Array) => void;
}

export interface DitSampleResult {
  /** The SCALED latent [B, Cin, H, W] on the GPU (the vae decoder's input); owned by the sampler, overwritten by the next run. */
  readonly latent: GPUBuffer;
  readonly schedule: DiffusionSchedule;
  readonly steps: readonly DitStepTrace[];
}

export class DitSampler {
  private readonly ws: Workspace;
  private destroyed = false;

  constructor(readonly model: DitModel) {
    const d = model.config.diffusion;
    if (d.betaSchedule !== 'linear' || d.betaStart !== 0.0001 || d.betaEnd !== 0.02) {
      throw new ModelError('setting-unsupported', `the diffusion schedule ${JSON.stringify(d)} is not the linear 1e-4..0.02 one the engine implements.`, 'Export the DiT with the linear beta schedule.');
    }
    this.ws = new Workspace(model.device, OWNER);
  }

  async sample(request: DitSampleRequest): Promise<DitSampleResult> {
    requireLiveModel(OWNER, this.destroyed);
    const { model, ws } = this;
    const { device, kernels } = model;
    const { inChannels: Cin, inputSize: size, numClasses, outChannels, diffusion } = model.config;
    const B = request.labels.length;
    const n = model.latentElements;
    requireArgument(B > 0, OWNER, 'no labels given', 'Pass at least one class label.');
    requireArgument(request.labels.every((y) => Number.isInteger(y) && y >= 0 && y < numClasses), OWNER, `labels ${request.labels} must be classes 0..${numClasses - 1}`, 'The null class is added by the sampler itself.');
    requireArgument(request.method === 'ddpm' || request.method === 'ddim', OWNER, `method ${String(request.method)} is unknown`, "Use 'ddpm' or 'ddim'.");
    requireArgument(Number.isFinite(request.cfg), OWNER, `cfg ${request.cfg} is not finite`, 'Pass a guidance scale such as 1.5.');
    const schedule = respacedSchedule(request.steps, diffusion.trainSteps);
    const S = schedule.steps;
    const ddpm = request.method === 'ddpm';

    // Timesteps [2B] and noise [B, n] of every step, each step's region on a storage-offset boundary.
    const alignment = device.limits.minStorageBufferOffsetAlignment;
    const tStride = alignElements(2 * B, alignment);
    const noiseStride = alignElements(B * n, alignment);
    const timesteps = new Float32Array(S * tStride);
    const noises = new Float32Array(Math.max(1, S * noiseStride));
    const rng = new Pcg32(request.seed ?? 0);
    const initial = request.noise?.initial ?? rng.normals(B * n);
    requireArgument(initial.length === B * n, OWNER, `the initial noise has ${initial.length} values, expected ${B * n}`, 'Pass x_T as [B, Cin, H, W].');
    for (let step = 0; step < S; step++) {
      const i = S - 1 - step;
      timesteps.fill(schedule.timestepMap[i], step * tStride, step * tStride + 2 * B);
      if (ddpm && i > 0) {
        const given = request.noise?.stepNoise?.[step];
        if (request.noise && !given) throw new ModelError('argument-invalid', `${OWNER}: no noise given for DDPM step ${step}.`, 'Pass stepNoise for every step but the last, or no noise at all.');
        noises.set(given ?? rng.normals(B * n), step * noiseStride);
      }
    }
    ws.reserve({ ...model.workspaceNeeds(2 * B), xIn: 2 * B * n, modelOut: 2 * B * outChannels * size * size, eps: B * n, latent: B * n, timesteps: timesteps.length, noises: noises.length });
    const x = ws.get('latent');
    writeWords(device, x, 0, initial);
    writeWords(device, ws.get('timesteps'), 0, timesteps);
    writeWords(device, ws.get('noises'), 0, noises);

    const trace = request.trace ?? {};
    const tracing = Object.values(trace).some(Boolean);
    const labels = [...request.labels, ...request.labels.map(() => numClasses)];
    const traces: DitStepTrace[] = [];
    let encoder = device.createCommandEncoder({ label: `${OWNER}.encoder` });
    const flush = () => {
      device.queue.submit([encoder.finish()]);
      encoder = device.createCommandEncoder({ label: `${OWNER}.encoder` });
    };
    for (let step = 0; step < S; step++) {
      const i = S - 1 - step;
      const t: DitStepTrace = { step, timestep: schedule.timestepMap[i] };
      if (request.perturbLatent) {
        flush();
        const values = await readF32(device, x, 0, B * n);
        request.perturbLatent(step, values);
        writeWords(device, x, 0, values);
      }
      if (trace.xT) {
        flush();
        t.xT = await readF32(device, x, 0, B * n);
      }
      encoder.copyBufferToBuffer(x, 0, ws.get('xIn'), 0, B * n * 4);
      encoder.copyBufferToBuffer(x, 0, ws.get('xIn'), B * n * 4, B * n * 4);
      model.encodeForward(encoder, ws, { x: ws.get('xIn'), t: slice(ws.get('timesteps'), step * tStride, 2 * B), labels, out: ws.get('modelOut') });
      kernels.cfg.encode(encoder, { formula: 'dit', weight: request.cfg, src: ws.get('modelOut'), dst: ws.get('eps'), ...ditEpsCfgLayout(B, Cin, size, size) });
      const noise = slice(ws.get('noises'), step * noiseStride, B * n);
      if (ddpm) {
        kernels.ddpmStep.encode(encoder, { x, batch: B, sampleSize: n, eps: { buffer: ws.get('eps') }, v: ditVarianceSource(Cin, size, size, ws.get('modelOut')), noise, coefficients: ddpmCoefficients(schedule, i) });
      } else {
        kernels.ddimStep.encode(encoder, { x, batch: B, sampleSize: n, eps: { buffer: ws.get('eps') }, coefficients: ddimCoefficients(schedule, i) });
      }
      if (tracing) {
        flush();
        await this.readTrace(t, trace, B, ddpm && i > 0 ? noises.subarray(step * noiseStride, step * noiseStride + B * n) : undefined);
      }
      traces.push(t);
      request.onStep?.(t);
    }
    device.queue.submit([encoder.finish()]);
    return { latent: x, schedule, steps: traces };
  }

  private async readTrace(t: DitStepTrace, trace: DitTraceRequest, B: number, noise: Float32Array | undefined): Promise<void> {
    const { device } = this.model;
    const n = this.model.latentElements;
    if (trace.modelOut) {
      const out = await readF32(device, this.ws.get('modelOut'), 0, 4 * B * n);
      t.outCond = out.slice(0, 2 * B * n);
      t.outUncond = out.slice(2 * B * n);
      const eps = await readF32(device, this.ws.get('eps'), 0, B * n);
      t.outCfg = new Float32Array(2 * B * n);
      for (let b = 0; b < B; b++) {
        t.outCfg.set(eps.subarray(b * n, (b + 1) * n), 2 * b * n);
        t.outCfg.set(t.outCond.subarray((2 * b + 1) * n, (2 * b + 2) * n), (2 * b + 1) * n);
      }
    }
    if (trace.noise) t.noise = noise ? noise.slice() : new Float32Array(B * n);
    if (trace.xNext) t.xNext = await readF32(device, this.ws.get('latent'), 0, B * n);
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.ws.destroy();
  }
}
