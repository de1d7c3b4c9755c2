/**
 * The DiT sampler (docs/bundle-format.md, family `dit`), all on the GPU: x_T ~ N(0, I); for respaced steps
 * i = S-1 .. 0 the model runs on [x, x] with labels [y, null] and t = timestep_map[i]; CfgCombineKernel guides
 * eps on ALL latent channels (eps = uncond + cfg (cond - uncond)), our models' rule, or, as a manifest option
 * (`sampling.guidanceChannels`, written for official bundles), on the first G channels only with the rest taken
 * from the cond prediction, as the official DiT's forward_with_cfg does with G = 3; v comes from the cond half.
 * DdpmStepKernel (ancestral, learned-range variance) or DdimStepKernel (eta 0) updates x in place. Schedule:
 * src/ops/diffusionSchedule.ts (DDIM may take the official "ddimN" spacing, `sampling.ddimSpacing`).
 *
 * Noise (x_T and one draw per DDPM step but the last) comes from the request (the goldens record torch's) or
 * our seeded PCG32, and is uploaded once with the timesteps. Without traces the run is one submission; traces
 * (x_t, the model outputs, the noise, x_next) are read back only when asked for.
 */
import {
  ddimCoefficients,
  ddpmCoefficients,
  respacedSchedule,
  type DiffusionSchedule,
  type TimestepSpacing,
} from '../../ops/diffusionSchedule';
import { ditEpsCfgLayout } from '../../kernels/ops/cfgCombineKernel';
import { ditVarianceSource } from '../../kernels/ops/diffusionStepKernels';
import { Pcg32 } from '../runtime/prng';
import { Workspace } from '../runtime/workspace';
import { alignElements, readF32, slice, writeWords } from '../../gpu/buffers';
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

/** The sampling rules a bundle's manifest may choose (DitSampling's optional fields); defaults are our models'. */
export interface DitSamplingOptions {
  /** Latent channels guided, from the first (default all); the rest take the cond prediction. */
  readonly guidanceChannels?: number;
  /** Timesteps of a DDIM run (default 'uniform'; DDPM always uses 'uniform'). */
  readonly ddimSpacing?: TimestepSpacing;
}

/** The options a manifest's `sampling` sets. */
export function ditSamplingOptions(sampling: DitSamplingOptions): DitSamplingOptions {
  return { guidanceChannels: sampling.guidanceChannels, ddimSpacing: sampling.ddimSpacing };
}

/** A label for the UI: which guidance rule a model samples with. */
export function guidanceLabel(options: DitSamplingOptions, inChannels: number): string {
  const g = options.guidanceChannels ?? inChannels;
  return g >= inChannels
    ? `guidance on all ${inChannels} latent channels`
    : `official guidance: first ${g} of ${inChannels} latent channels`;
}

export interface DitSampleRequest extends DitSamplingOptions {
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

  /** `options`: the manifest's sampling rules (ditSamplingOptions); a request may override them. */
  constructor(
    readonly model: DitModel,
    readonly options: DitSamplingOptions = {},
  ) {
    const d = model.config.diffusion;
    const g = options.guidanceChannels;
    if (g !== undefined && (!Number.isInteger(g) || g < 1 || g > model.config.inChannels)) {
      throw new ModelError(
        'argument-invalid',
        `${OWNER}: guidanceChannels ${g} is not a channel count 1..${model.config.inChannels}.`,
        'Fix sampling.guidanceChannels in the manifest (3 for official DiT bundles, or leave it out).',
      );
    }
    if (d.betaSchedule !== 'linear' || d.betaStart !== 0.0001 || d.betaEnd !== 0.02) {
      throw new ModelError(
        'setting-unsupported',
        `the diffusion schedule ${JSON.stringify(d)} is not the linear 1e-4..0.02 one the engine implements.`,
        'Export the DiT with the linear beta schedule.',
      );
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
    requireArgument(
      request.labels.every((y) => Number.isInteger(y) && y >= 0 && y < numClasses),
      OWNER,
      `labels ${request.labels} must be classes 0..${numClasses - 1}`,
      'The null class is added by the sampler itself.',
    );
    requireArgument(
      request.method === 'ddpm' || request.method === 'ddim',
      OWNER,
      `method ${String(request.method)} is unknown`,
      "Use 'ddpm' or 'ddim'.",
    );
    requireArgument(
      Number.isFinite(request.cfg),
      OWNER,
      `cfg ${request.cfg} is not finite`,
      'Pass a guidance scale such as 1.5.',
    );
    const ddpm = request.method === 'ddpm';
    const spacing: TimestepSpacing = ddpm ? 'uniform' : (request.ddimSpacing ?? this.options.ddimSpacing ?? 'uniform');
    let schedule: DiffusionSchedule;
    try {
      schedule = respacedSchedule(request.steps, diffusion.trainSteps, spacing);
    } catch (e) {
      throw new ModelError(
        'argument-invalid',
        `${OWNER}: ${e instanceof Error ? e.message : String(e)}.`,
        spacing === 'ddimN'
          ? 'Pick a step count the official DDIM spacing reaches (e.g. 25, 50, 100 or 250).'
          : `Pick 1..${diffusion.trainSteps} steps.`,
      );
    }
    const S = schedule.steps;
    const guided = request.guidanceChannels ?? this.options.guidanceChannels ?? Cin;
    requireArgument(
      Number.isInteger(guided) && guided >= 1 && guided <= Cin,
      OWNER,
      `guidanceChannels ${guided} is not 1..${Cin}`,
      'Guide all channels (leave it out) or the official 3.',
    );
    const hw = size * size;

    // Timesteps [2B] and noise [B, n] of every step, each step's region on a storage-offset boundary.
    const alignment = device.limits.minStorageBufferOffsetAlignment;
    const tStride = alignElements(2 * B, alignment);
    const noiseStride = alignElements(B * n, alignment);
    const timesteps = new Float32Array(S * tStride);
    const noises = new Float32Array(Math.max(1, S * noiseStride));
    const rng = new Pcg32(request.seed ?? 0);
    const initial = request.noise?.initial ?? rng.normals(B * n);
    requireArgument(
      initial.length === B * n,
      OWNER,
      `the initial noise has ${initial.length} values, expected ${B * n}`,
      'Pass x_T as [B, Cin, H, W].',
    );
    for (let step = 0; step < S; step++) {
      const i = S - 1 - step;
      timesteps.fill(schedule.timestepMap[i], step * tStride, step * tStride + 2 * B);
      if (ddpm && i > 0) {
        const given = request.noise?.stepNoise?.[step];
        if (request.noise && !given)
          throw new ModelError(
            'argument-invalid',
            `${OWNER}: no noise given for DDPM step ${step}.`,
            'Pass stepNoise for every step but the last, or no noise at all.',
          );
        noises.set(given ?? rng.normals(B * n), step * noiseStride);
      }
    }
    ws.reserve({
      ...model.workspaceNeeds(2 * B),
      xIn: 2 * B * n,
      modelOut: 2 * B * outChannels * hw,
      eps: B * n,
      ...(guided < Cin ? { epsGuided: B * guided * hw } : {}),
      latent: B * n,
      timesteps: timesteps.length,
      noises: noises.length,
    });
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
      model.encodeForward(encoder, ws, {
        x: ws.get('xIn'),
        t: slice(ws.get('timesteps'), step * tStride, 2 * B),
        labels,
        out: ws.get('modelOut'),
      });
      if (guided >= Cin) {
        kernels.cfg.encode(encoder, {
          formula: 'dit',
          weight: request.cfg,
          src: ws.get('modelOut'),
          dst: ws.get('eps'),
          ...ditEpsCfgLayout(B, Cin, size, size),
        });
      } else {
        // Guided channels of every row into a scratch buffer, then each row's guided part and its cond-only rest
        // copied into place (copies need 4-byte, not storage-binding, alignment; the rest is cond's exact values).
        const outRow = outChannels * hw;
        kernels.cfg.encode(encoder, {
          formula: 'dit',
          weight: request.cfg,
          src: ws.get('modelOut'),
          dst: ws.get('epsGuided'),
          rows: B,
          rowLength: guided * hw,
          inputStride: outRow,
          uncondOffset: B * outRow,
        });
        for (let b = 0; b < B; b++) {
          encoder.copyBufferToBuffer(
            ws.get('epsGuided'),
            b * guided * hw * 4,
            ws.get('eps'),
            b * n * 4,
            guided * hw * 4,
          );
          encoder.copyBufferToBuffer(
            ws.get('modelOut'),
            (b * outRow + guided * hw) * 4,
            ws.get('eps'),
            (b * n + guided * hw) * 4,
            (Cin - guided) * hw * 4,
          );
        }
      }
      const noise = slice(ws.get('noises'), step * noiseStride, B * n);
      if (ddpm) {
        kernels.ddpmStep.encode(encoder, {
          x,
          batch: B,
          sampleSize: n,
          eps: { buffer: ws.get('eps') },
          v: ditVarianceSource(Cin, size, size, ws.get('modelOut')),
          noise,
          coefficients: ddpmCoefficients(schedule, i),
        });
      } else {
        kernels.ddimStep.encode(encoder, {
          x,
          batch: B,
          sampleSize: n,
          eps: { buffer: ws.get('eps') },
          coefficients: ddimCoefficients(schedule, i),
        });
      }
      if (tracing) {
        flush();
        await this.readTrace(
          t,
          trace,
          B,
          ddpm && i > 0 ? noises.subarray(step * noiseStride, step * noiseStride + B * n) : undefined,
        );
      }
      traces.push(t);
      request.onStep?.(t);
    }
    device.queue.submit([encoder.finish()]);
    return { latent: x, schedule, steps: traces };
  }

  private async readTrace(
    t: DitStepTrace,
    trace: DitTraceRequest,
    B: number,
    noise: Float32Array | undefined,
  ): Promise<void> {
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
