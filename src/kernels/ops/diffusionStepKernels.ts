/**
 * DdpmStepKernel and DdimStepKernel: one step of DiT's sampler, in place on the latent x [B, C, H, W]
 * (shaders/ops/ddpm_step.wgsl, ddim_step.wgsl; references src/ops/diffusionStep.ts, checked against
 * training/diffusion.py). Coefficients come from src/ops/diffusionSchedule.ts for respaced step i:
 *
 *   const s = respacedSchedule(50);
 *   for (let i = s.steps - 1; i >= 0; i--) {  // model gets t = s.timestepMap[i]
 *     ... model, CfgCombineKernel ('dit') -> eps ...
 *     ddpm.encode(encoder, { x, batch, sampleSize: C*H*W, eps: { buffer: eps }, v: ditVarianceSource(C, H, W, modelOut), noise, coefficients: ddpmCoefficients(s, i) });
 *   }
 *
 * DDPM: learned-range variance (v = the model's second C channels, of the conditional half under CFG).
 * eps and v are StepSources: element (b, i) at offset + b * batchStride + i (defaults: contiguous).
 * noise f32 [B, C, H, W] is read only when the step adds noise (DDPM i > 0; DDIM with eta > 0, i > 0).
 */
import ddpmStepWgsl from '../../../shaders/ops/ddpm_step.wgsl?raw';
import ddimStepWgsl from '../../../shaders/ops/ddim_step.wgsl?raw';
import { f32Bits } from '../uniformCache';
import { OpKernel, requireNoAliasing, type BufferSlice, type ResolvedSlice } from './opKernel';
import type { DdimCoefficients, DdpmCoefficients } from '../../ops/diffusionSchedule';

export interface StepSource {
  readonly buffer: BufferSlice;
  /** Element offset of sample 0. Default 0. */
  readonly offset?: number;
  /** Elements between samples. Default sampleSize. */
  readonly batchStride?: number;
}

/** v of the conditional half of a model output [2B, 2C, H, W] (channels C..2C-1 of each of the first B samples). */
export function ditVarianceSource(
  latentChannels: number,
  height: number,
  width: number,
  modelOut: BufferSlice,
): StepSource {
  const size = latentChannels * height * width;
  return { buffer: modelOut, offset: size, batchStride: 2 * size };
}

interface CommonStepArgs {
  /** f32 [batch, sampleSize], x_t in, x_{t-1} out. */
  readonly x: BufferSlice;
  readonly batch: number;
  /** C * H * W. */
  readonly sampleSize: number;
  readonly eps: StepSource;
  /** f32 [batch, sampleSize]. */
  readonly noise?: BufferSlice;
}

export interface DdpmStepArgs extends CommonStepArgs {
  readonly v: StepSource;
  readonly coefficients: DdpmCoefficients;
}

export interface DdimStepArgs extends CommonStepArgs {
  readonly coefficients: DdimCoefficients;
}

abstract class DiffusionStepKernel<Args extends CommonStepArgs> extends OpKernel<Args> {
  protected common(
    args: Args,
    needsNoise: boolean,
  ): { x: ResolvedSlice; eps: ResolvedSlice; epsWords: number[]; noise: ResolvedSlice | undefined } {
    this.requireLive();
    this.requirePositive('batch', args.batch);
    this.requirePositive('sampleSize', args.sampleSize);
    const n = args.batch * args.sampleSize;
    const x = this.storage('x', args.x, n, `f32 x [${args.batch}, ${args.sampleSize}]`);
    const { slice: eps, words: epsWords } = this.source('eps', args.eps, args.batch, args.sampleSize);
    let noise: ResolvedSlice | undefined;
    if (needsNoise) {
      if (!args.noise) this.fail('this step adds noise (noiseScale != 0): pass noise f32 [batch, sampleSize]');
      noise = this.storage('noise', args.noise, n, `f32 noise [${args.batch}, ${args.sampleSize}]`);
    }
    return { x, eps, epsWords, noise };
  }

  protected source(
    name: string,
    source: StepSource,
    batch: number,
    sampleSize: number,
  ): { slice: ResolvedSlice; words: number[] } {
    const offset = source.offset ?? 0;
    const stride = source.batchStride ?? sampleSize;
    this.requireNonNegative(`${name}.offset`, offset);
    if (!Number.isInteger(stride) || stride < sampleSize)
      this.fail(`${name}.batchStride ${stride} must be an integer >= sampleSize ${sampleSize}`);
    const extent = offset + (batch - 1) * stride + sampleSize;
    return {
      slice: this.storage(
        `${name}.buffer`,
        source.buffer,
        extent,
        `${name} of ${batch} samples (offset ${offset}, stride ${stride})`,
      ),
      words: [offset, stride],
    };
  }
}

export class DdpmStepKernel extends DiffusionStepKernel<DdpmStepArgs> {
  constructor(device: GPUDevice) {
    super(device, 'DdpmStepKernel', ddpmStepWgsl, { 0: 'uniform', 1: 'read', 2: 'read', 3: 'read', 4: 'write' });
  }

  encode(encoder: GPUCommandEncoder, args: DdpmStepArgs): void {
    const c = args.coefficients;
    const { x, eps, epsWords, noise } = this.common(args, c.noiseScale !== 0);
    const { slice: v, words: vWords } = this.source('v', args.v, args.batch, args.sampleSize);
    requireNoAliasing(this.owner, { x }, { eps, v, noise });
    const coefs = [
      c.sqrtRecipAlphaCumprod,
      c.sqrtRecipm1AlphaCumprod,
      c.posteriorMeanCoef1,
      c.posteriorMeanCoef2,
      c.minLog,
      c.maxLog,
      c.noiseScale,
    ];
    if (!coefs.every(Number.isFinite))
      this.fail(`coefficients must be finite, got ${JSON.stringify(c)}; compute them with ddpmCoefficients()`);
    const n = args.batch * args.sampleSize;
    this.dispatch(
      encoder,
      'main',
      {},
      [args.batch, args.sampleSize, ...epsWords, ...vWords, ...coefs.map(f32Bits)],
      { 1: eps, 2: v, 3: noise ?? this.unused, 4: x },
      this.elementwiseGrid(n),
    );
  }
}

export class DdimStepKernel extends DiffusionStepKernel<DdimStepArgs> {
  constructor(device: GPUDevice) {
    super(device, 'DdimStepKernel', ddimStepWgsl, { 0: 'uniform', 1: 'read', 2: 'read', 3: 'write' });
  }

  encode(encoder: GPUCommandEncoder, args: DdimStepArgs): void {
    const c = args.coefficients;
    const { x, eps, epsWords, noise } = this.common(args, c.noiseScale !== 0);
    requireNoAliasing(this.owner, { x }, { eps, noise });
    const coefs = [
      c.sqrtRecipAlphaCumprod,
      c.sqrtRecipm1AlphaCumprod,
      c.sqrtAlphaCumprodPrev,
      c.directionCoef,
      c.noiseScale,
    ];
    if (!coefs.every(Number.isFinite))
      this.fail(`coefficients must be finite, got ${JSON.stringify(c)}; compute them with ddimCoefficients()`);
    if (c.sqrtRecipm1AlphaCumprod === 0)
      this.fail('sqrtRecipm1AlphaCumprod is 0 (alpha_cumprod = 1): eps cannot be re-derived; check the schedule');
    const n = args.batch * args.sampleSize;
    this.dispatch(
      encoder,
      'main',
      {},
      [args.batch, args.sampleSize, ...epsWords, ...coefs.map(f32Bits)],
      { 1: eps, 2: noise ?? this.unused, 3: x },
      this.elementwiseGrid(n),
    );
  }
}
