/**
 * MatmulF32Kernel: Y[m, n] = X[m, k] W[n, k]^T + bias[n] in f32 arithmetic with an unquantised weight (PyTorch
 * Linear layout [out, in]) stored as f32, or as f16 (`wFormat: 'f16'`: the shipped f16 weights kept as they are,
 * half the bytes, read with unpack2x16float, which needs no shader-f16 feature; every f16 value is exact in f32).
 * The full-precision model path and the honest baseline of QuantMatmulKernel: the same shader bodies, tilings and
 * grids over the dense weight source (src/kernels/matmulPipelines.ts, shaders/common/dense_weight.wgsl).
 *
 *   const matmul = new MatmulF32Kernel(device);
 *   matmul.encode(encoder, { w, n, k, x, y, m, bias });  // w: f32 [n, k], x: f32 [m, k], y: f32 [m, n], bias: f32 [n]
 *   matmul.encode(encoder, { w: wHalf, wFormat: 'f16', n, k, x, y, m });  // w: n * k f16 bit patterns, two per word
 *   await matmul.run(args);                              // encode + submit + wait
 *   matmul.destroy();                                    // idempotent
 *
 * Paths as QuantMatmulKernel's (src/kernels/matmulPlan.ts, same rule); `variant` forces one (for benchmarks).
 */
import {
  binding,
  requireDistinctOutput,
  requirePositiveInteger,
  resolveStorageSlice,
  type BufferSlice,
} from './bufferArgs';
import { denseShape, encodeDispatch, requireLiveKernel, submitAndWait, weightShapeUniform } from './kernelBase';
import { KernelInputError } from './errors';
import { UniformCache } from './uniformCache';
import { MatmulPipelines } from './matmulPipelines';
import {
  adapterProfile,
  chooseMatmulPath,
  type AdapterProfile,
  type MatmulChoice,
  type MatmulVariant,
} from './matmulPlan';

const OWNER = 'MatmulF32Kernel';

/** Storage of an unquantised weight: f32 values, or f16 bit patterns two per u32 word. */
export type DenseWeightFormat = 'f32' | 'f16';

/** Bytes of a dense W [n, k] in `format`: f16 elements packed back to back (rows are not padded), whole words. */
export function denseWeightBytes(format: DenseWeightFormat, n: number, k: number): number {
  return format === 'f16' ? Math.ceil((n * k) / 2) * 4 : n * k * 4;
}

export interface MatmulF32Args {
  /** W [n, k], row-major: f32 values, or with wFormat 'f16' binary16 bit patterns (a little-endian Uint16Array). */
  readonly w: BufferSlice;
  /** Storage of w; default 'f32'. */
  readonly wFormat?: DenseWeightFormat;
  readonly n: number;
  readonly k: number;
  /** f32 [m, k]. */
  readonly x: BufferSlice;
  /** f32 [m, n]; must not share a buffer with w, x or bias. */
  readonly y: BufferSlice;
  readonly m: number;
  /** f32 [n]. */
  readonly bias?: BufferSlice;
  readonly variant?: MatmulVariant;
}

export class MatmulF32Kernel {
  private readonly pipelines: MatmulPipelines;
  readonly profile: AdapterProfile;
  private readonly uniforms: UniformCache;
  private readonly noBias: GPUBuffer;
  private destroyed = false;

  /** `profile` overrides the adapter profile read from the device. */
  constructor(
    private readonly device: GPUDevice,
    profile?: AdapterProfile,
  ) {
    this.profile = profile ?? adapterProfile(device);
    this.pipelines = new MatmulPipelines(device, OWNER, 'dense', {
      0: 'uniform',
      1: 'read',
      4: 'read',
      5: 'read',
      6: 'write',
    });
    this.uniforms = new UniformCache(device, OWNER);
    this.noBias = device.createBuffer({ label: `${OWNER}.noBias`, size: 16, usage: GPUBufferUsage.STORAGE });
  }

  encode(encoder: GPUCommandEncoder, args: MatmulF32Args, timestampWrites?: GPUComputePassTimestampWrites): void {
    requireLiveKernel(OWNER, this.destroyed);
    const { m, n, k } = args;
    requirePositiveInteger(OWNER, 'm', m);
    requirePositiveInteger(OWNER, 'n', n);
    requirePositiveInteger(OWNER, 'k', k);
    const wFormat = args.wFormat ?? 'f32';
    if (wFormat !== 'f32' && wFormat !== 'f16')
      throw new KernelInputError(OWNER, `wFormat must be 'f32' or 'f16', got ${String(wFormat)}`);
    const w = resolveStorageSlice(
      this.device,
      OWNER,
      'w',
      args.w,
      denseWeightBytes(wFormat, n, k),
      `${wFormat} W [${n}, ${k}]`,
    );
    const x = resolveStorageSlice(this.device, OWNER, 'x', args.x, m * k * 4, `f32 X [${m}, ${k}]`);
    const y = resolveStorageSlice(this.device, OWNER, 'y', args.y, m * n * 4, `f32 Y [${m}, ${n}]`);
    const bias = args.bias
      ? resolveStorageSlice(this.device, OWNER, 'bias', args.bias, n * 4, `f32 bias [${n}]`)
      : undefined;
    requireDistinctOutput(OWNER, y, { w, x, bias });

    const { path } = this.choose(m, args.variant);
    // W_F16 picks the load path at compile time, so it is part of every pipeline key.
    const { pipeline, layout, grid } = this.pipelines.select(path, m, n, `w${wFormat}`, {
      W_F16: wFormat === 'f16' ? 1 : 0,
    });
    const bindGroup = this.device.createBindGroup({
      label: `${OWNER}.bindGroup`,
      layout,
      entries: [
        {
          binding: 0,
          resource: { buffer: weightShapeUniform(this.uniforms, denseShape(n, k), m, bias !== undefined) },
        },
        { binding: 1, resource: binding(w) },
        { binding: 4, resource: binding(x) },
        { binding: 5, resource: bias ? binding(bias) : { buffer: this.noBias } },
        { binding: 6, resource: binding(y) },
      ],
    });
    encodeDispatch(encoder, `${OWNER}.${path}`, pipeline, bindGroup, grid, timestampWrites);
  }

  /** The path `encode` takes for m tokens and a requested variant (default 'auto'), and why. */
  choose(m: number, variant: MatmulVariant = 'auto'): MatmulChoice {
    return chooseMatmulPath(this.profile, m, variant);
  }

  run(args: MatmulF32Args): Promise<void> {
    return submitAndWait(this.device, OWNER, (encoder) => this.encode(encoder, args));
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.uniforms.destroy();
    this.noBias.destroy();
    this.pipelines.clear();
  }
}
