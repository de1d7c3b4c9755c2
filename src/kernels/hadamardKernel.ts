/**
 * HadamardKernel: the randomized Hadamard rotation of the -had modifier, fused before the activation fake quantiser:
 * y = fakeQuant(x R) for x [tokens, cols], or y = x R with format 'none' (A16: the weights are rotated, so the
 * inputs must be too). R and its conventions are src/quant/hadamard.ts' (rotateRows is the reference; the signs come
 * from HADAMARD_SEED, so nothing is stored). shaders/hadamard_act_quant.wgsl: one workgroup per token, the row in
 * workgroup memory, one barrier per butterfly stage.
 *
 *   const had = new HadamardKernel(device);
 *   had.encode(encoder, { x, y, tokens, cols, format: { kind: 'int', bits: 4 }, scaling: { kind: 'token' } });
 *   await had.run(args);   // encode + submit + wait
 *   had.destroy();         // idempotent
 *
 * The row length is a compile-time constant (it sizes the workgroup array), so pipelines are cached per cols too:
 * a model has two or three input dimensions. Rows longer than the workgroup memory allows are refused.
 */
import { HADAMARD_WGSL } from './shaderSource';
import { activationFormatConstants, activationFormatKey } from './formatConstants';
import {
  binding,
  grid2d,
  requireDistinctOutput,
  requirePositiveInteger,
  resolveStorageSlice,
  type BufferSlice,
} from './bufferArgs';
import { PipelineCache, encodeDispatch, requireLiveKernel, submitAndWait } from './kernelBase';
import { KernelInputError } from './errors';
import { UniformCache, f32Bits } from './uniformCache';
import { HADAMARD_SEED, hadamardBlockSize } from '../quant/hadamard';
import type { ActivationFormat, ActivationScaling } from '../quant/formats';

const OWNER = 'HadamardKernel';

/** 64 invocations for short rows (most of 256 would idle), 256 for long ones; a power of two (tree reduction). */
function workgroupSizeFor(cols: number): number {
  return cols <= 512 ? 64 : 256;
}

export interface HadamardArgs {
  /** f32 [tokens, cols]. */
  readonly x: BufferSlice;
  /** f32 [tokens, cols], a different buffer from x. */
  readonly y: BufferSlice;
  readonly tokens: number;
  readonly cols: number;
  /** The activation format of the quantiser after the rotation; 'none' rotates only. */
  readonly format: ActivationFormat;
  /** Ignored for format 'none'. */
  readonly scaling: ActivationScaling;
}

export class HadamardKernel {
  private readonly pipelines: PipelineCache;
  private readonly uniforms: UniformCache;
  /** Bound as channelScale (the shared act_quant prelude declares it; SMOOTH = false never reads it). */
  private placeholder: GPUBuffer | undefined;
  private destroyed = false;

  constructor(private readonly device: GPUDevice) {
    this.pipelines = new PipelineCache(device, OWNER, HADAMARD_WGSL, {
      0: 'uniform',
      1: 'read',
      2: 'write',
      3: 'read',
    });
    this.uniforms = new UniformCache(device, OWNER);
  }

  /** The longest row this device can rotate: the row plus the reduction array must fit in workgroup memory. */
  maxCols(): number {
    return Math.floor(this.device.limits.maxComputeWorkgroupStorageSize / 4) - 256;
  }

  encode(encoder: GPUCommandEncoder, args: HadamardArgs, timestampWrites?: GPUComputePassTimestampWrites): void {
    requireLiveKernel(OWNER, this.destroyed);
    const { tokens, cols, format, scaling } = args;
    requirePositiveInteger(OWNER, 'tokens', tokens);
    requirePositiveInteger(OWNER, 'cols', cols);
    if (cols > this.maxCols())
      throw new KernelInputError(
        OWNER,
        `rows of ${cols} values exceed the ${this.maxCols()} that fit in this device's workgroup memory; use a setting without -had for this model`,
      );
    const quantise = format.kind !== 'none';
    let tensorScale = 0;
    if (quantise && scaling.kind === 'tensor') {
      if (!(Number.isFinite(scaling.scale) && scaling.scale >= 0))
        throw new KernelInputError(OWNER, `per-tensor scale ${scaling.scale} must be finite and >= 0`);
      tensorScale = scaling.scale;
    }
    const bytes = tokens * cols * 4;
    const x = resolveStorageSlice(this.device, OWNER, 'x', args.x, bytes, `f32 [${tokens}, ${cols}]`);
    const y = resolveStorageSlice(this.device, OWNER, 'y', args.y, bytes, `f32 [${tokens}, ${cols}]`);
    requireDistinctOutput(OWNER, y, { x });

    const block = hadamardBlockSize(cols);
    const workgroupSize = workgroupSizeFor(cols);
    const perToken = !quantise || scaling.kind === 'token';
    // Format 'none' still compiles the prelude's quantiser (unused): INT8 constants stand in.
    const formatConstants = quantise
      ? activationFormatConstants(format)
      : activationFormatConstants({ kind: 'int', bits: 8 });
    const key = `${quantise ? activationFormatKey(format) : 'none'}:${perToken ? 'token' : 'tensor'}:cols${cols}`;
    const pipeline = this.pipelines.get(key, {
      ...formatConstants,
      PER_TOKEN: perToken ? 1 : 0,
      SMOOTH: 0,
      QUANTISE: quantise ? 1 : 0,
      WORKGROUP_SIZE: workgroupSize,
      COLS: cols,
      BLOCK: block,
      NORM: Math.fround(1 / Math.sqrt(block)),
      SEED: HADAMARD_SEED,
    });
    this.placeholder ??= this.device.createBuffer({
      label: `${OWNER}.placeholder`,
      size: 16,
      usage: GPUBufferUsage.STORAGE,
    });
    const uniform = this.uniforms.get([tokens, cols, f32Bits(tensorScale), 0]);
    const bindGroup = this.device.createBindGroup({
      label: `${OWNER}.bindGroup`,
      layout: this.pipelines.bindGroupLayout,
      entries: [
        { binding: 0, resource: { buffer: uniform } },
        { binding: 1, resource: binding(x) },
        { binding: 2, resource: binding(y) },
        { binding: 3, resource: { buffer: this.placeholder } },
      ],
    });
    encodeDispatch(encoder, `${OWNER}.pass`, pipeline, bindGroup, grid2d(this.device, OWNER, tokens), timestampWrites);
  }

  run(args: HadamardArgs): Promise<void> {
    return submitAndWait(this.device, OWNER, (encoder) => this.encode(encoder, args));
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.uniforms.destroy();
    this.placeholder?.destroy();
    this.pipelines.clear();
  }
}
