/**
 * LayerNormModulateKernel: LayerNorm without affine weights over the last dimension, fused with adaLN
 * modulation (shaders/ops/layer_norm_modulate.wgsl; reference src/ops/layerNorm.ts):
 *
 *   y[r, :] = (x[r, :] - mean) / sqrt(var + eps) * (1 + scale[b, :]) + shift[b, :],  b = floor(r / tokensPerSample)
 *
 * x and y are [rows, channels] f32 (rows = B * tokensPerSample), var is biased (torch F.layer_norm).
 * scale and shift are per-sample vectors addressed inside one buffer (SampleVectorsArg), so VAR's ada_lin
 * output [B, 6C] (chunks gamma1, gamma2, scale1, scale2, shift1, shift2) or DiT's adaLN output (shift_msa,
 * scale_msa, gate_msa, ...) is bound as is: e.g. VAR scale1 = { buffer: ada, stride: 6C, offset: 2C }.
 * Without `modulation` it is a plain LayerNorm (no affine). eps: VAR and DiT both use 1e-6.
 *
 *   const ln = new LayerNormModulateKernel(device);
 *   ln.encode(encoder, { x, y, rows, channels, eps: 1e-6, modulation: { buffer: ada, tokensPerSample: L, scale: {...}, shift: {...} } });
 */
import layerNormModulateWgsl from '../../../shaders/ops/layer_norm_modulate.wgsl?raw';
import { f32Bits } from '../uniformCache';
import { OpKernel, requireNoAliasing, type BufferSlice } from './opKernel';
import { checkSampleVectorLayout, sampleVectorsExtent } from './sampleVectorArgs';
import type { SampleVectorLayout } from '../../ops/sampleVectors';

const OWNER = 'LayerNormModulateKernel';

export interface LayerNormModulateArgs {
  /** f32 [rows, channels]. */
  readonly x: BufferSlice;
  /** f32 [rows, channels]; a separate buffer from x and the modulation. */
  readonly y: BufferSlice;
  readonly rows: number;
  readonly channels: number;
  readonly eps: number;
  readonly modulation?: {
    /** f32 buffer holding both vectors of every sample. */
    readonly buffer: BufferSlice;
    /** Token rows per sample; rows must be a multiple of it. */
    readonly tokensPerSample: number;
    readonly scale: SampleVectorLayout;
    readonly shift: SampleVectorLayout;
  };
}

export class LayerNormModulateKernel extends OpKernel<LayerNormModulateArgs> {
  constructor(device: GPUDevice) {
    super(device, OWNER, layerNormModulateWgsl, { 0: 'uniform', 1: 'read', 2: 'read', 3: 'write' });
  }

  encode(encoder: GPUCommandEncoder, args: LayerNormModulateArgs): void {
    this.requireLive();
    const { rows, channels, eps, modulation } = args;
    this.requirePositive('rows', rows);
    this.requirePositive('channels', channels);
    if (!(eps > 0) || !Number.isFinite(eps)) this.fail(`eps must be a positive finite number, got ${eps}`);
    const x = this.storage('x', args.x, rows * channels, `f32 x [${rows}, ${channels}]`);
    const y = this.storage('y', args.y, rows * channels, `f32 y [${rows}, ${channels}]`);

    let mod = this.unused;
    let tokensPerSample = rows;
    let layoutWords = [0, 0, 0];
    if (modulation) {
      tokensPerSample = modulation.tokensPerSample;
      this.requirePositive('modulation.tokensPerSample', tokensPerSample);
      if (rows % tokensPerSample !== 0)
        this.fail(
          `rows ${rows} is not a multiple of tokensPerSample ${tokensPerSample}; pass rows = batch * tokensPerSample`,
        );
      const samples = rows / tokensPerSample;
      const fail = (message: string): never => this.fail(message);
      checkSampleVectorLayout(fail, 'modulation.scale', modulation.scale, samples, channels);
      checkSampleVectorLayout(fail, 'modulation.shift', modulation.shift, samples, channels);
      if (modulation.scale.stride !== modulation.shift.stride) {
        this.fail(
          `modulation.scale.stride ${modulation.scale.stride} differs from modulation.shift.stride ${modulation.shift.stride}; both vectors must come from one [B, k*C] adaLN output`,
        );
      }
      const extent = Math.max(
        sampleVectorsExtent(modulation.scale, samples, channels),
        sampleVectorsExtent(modulation.shift, samples, channels),
      );
      mod = this.storage('modulation.buffer', modulation.buffer, extent, `scale/shift vectors of ${samples} samples`);
      layoutWords = [modulation.scale.stride, modulation.scale.offset, modulation.shift.offset];
    }
    requireNoAliasing(OWNER, { y }, { x, modulation: modulation ? mod : undefined });

    const hasModulation = modulation ? 1 : 0;
    const lanes = rowLanes(channels);
    this.dispatch(
      encoder,
      `mod${hasModulation}.lanes${lanes}`,
      { HAS_MODULATION: hasModulation, WORKGROUP_SIZE: lanes },
      [rows, channels, tokensPerSample, ...layoutWords, f32Bits(eps)],
      { 1: x, 2: mod, 3: y },
      this.grid(rows),
    );
  }
}

/**
 * Lanes per row: about four channels each, a power of two in [32, 256]. Our models are 64-256 wide; a 256-lane
 * workgroup on a 64-wide row spends its time in the reduction's barriers (on SwiftShader, ~20x slower).
 */
export function rowLanes(channels: number): number {
  return Math.min(256, Math.max(32, 2 ** Math.ceil(Math.log2(channels / 4))));
}
