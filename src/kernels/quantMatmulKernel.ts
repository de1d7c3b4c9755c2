/**
 * QuantMatmulKernel: Y[m, n] = X[m, k] W[n, k]^T + bias[n] with W a GpuPackedWeight, dequantised on the fly.
 *
 *   const matmul = new QuantMatmulKernel(device);
 *   matmul.encode(encoder, { weight, x, y, m, k, bias });  // x: f32 [m, k], y: f32 [m, n], bias: f32 [n] (optional)
 *   await matmul.run(args);                                // encode + submit + wait
 *   matmul.destroy();                                      // idempotent
 *
 * Paths (src/kernels/matmulPlan.ts chooses from the adapter and m; `choose()` says which and why): a GEMV for
 * few tokens, 'gemv-rows' (gemv_rows.wgsl, one invocation per output, for CPU adapters), 'gemv-subgroup'
 * (gemv_subgroup.wgsl, split-K with subgroupAdd, GPUs with the 'subgroups' feature) or its fallback 'gemv-splitk'
 * (gemv_splitk.wgsl, workgroup-memory reduction); 'gemm-rows' (gemm_rows.wgsl) for a few dozen tokens on CPU
 * adapters; for more tokens the tiled 'gemm' (common/tiled_gemm.wgsl + packed_tile.wgsl), which dequantises each W
 * tile into workgroup memory once per TILE_M tokens. The bodies are MatmulF32Kernel's too, over the packed weight
 * source (src/kernels/shaderSource.ts). `k` must equal weight.cols: it is the caller's statement of
 * X's shape, checked so that a wiring mistake fails here and not as garbage output. `variant` forces a path (for
 * benchmarks and tests); 'gemv-subgroup' on a device without subgroups is an error. `xFormat: 'f16'` reads X from
 * f16 storage (layout on QuantMatmulArgs.x) through unpack2x16float, which needs no shader-f16 feature;
 * accumulation and Y stay f32. Pipelines are cached per (format, path, tiling, xFormat).
 */
import { weightFormatConstants, weightFormatKey } from './formatConstants';
import {
  binding,
  requireDistinctOutput,
  requirePositiveInteger,
  resolveStorageSlice,
  type BufferSlice,
} from './bufferArgs';
import {
  encodeDispatch,
  weightShapeUniform,
  packedWeightEntries,
  requireLiveKernel,
  requireLiveWeight,
  submitAndWait,
} from './kernelBase';
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
import type { GpuPackedWeight } from './gpuPackedWeight';
import type { WeightFormat } from '../quant/formats';

/** INT codes of 2, 4 or 8 bits: four codes decode from one word by vector shifts (shaders/common/packed_blocks.wgsl). */
function quadDecodes(format: WeightFormat): boolean {
  return format.kind === 'int' && 32 % format.bits === 0;
}

const OWNER = 'QuantMatmulKernel';

export type { MatmulVariant } from './matmulPlan';

/** Storage of X: f32, or f16 bit patterns packed two per u32 (see QuantMatmulArgs.x). */
export type MatmulInputFormat = 'f32' | 'f16';

/** Bytes of X [m, k] in `format`; f16 rows are padded to an even count of halves (whole u32 words). */
export function matmulInputBytes(format: MatmulInputFormat, m: number, k: number): number {
  return format === 'f16' ? m * Math.ceil(k / 2) * 4 : m * k * 4;
}

export interface QuantMatmulArgs {
  readonly weight: GpuPackedWeight;
  /**
   * X [m, k], row-major. xFormat 'f32': f32 elements. xFormat 'f16': f16 bit patterns two per u32 word (element
   * 2i in the low 16 bits, i.e. a little-endian Uint16Array), each row padded to an even count of halves so that
   * rows start on a word boundary: m * ceil(k / 2) words (matmulInputBytes).
   */
  readonly x: BufferSlice;
  /** f32 [m, n] output, n = weight.rows; must not share a buffer with x or bias. */
  readonly y: BufferSlice;
  readonly m: number;
  /** Must equal weight.cols. */
  readonly k: number;
  /** f32 [n]. */
  readonly bias?: BufferSlice;
  readonly variant?: MatmulVariant;
  /** Storage of x; default 'f32'. */
  readonly xFormat?: MatmulInputFormat;
}

export class QuantMatmulKernel {
  private readonly pipelines: MatmulPipelines;
  /** The adapter facts the path choice rests on. */
  readonly profile: AdapterProfile;
  private readonly uniforms: UniformCache;
  /** Bound as the bias when there is none (the shader does not read it then). */
  private readonly noBias: GPUBuffer;
  private destroyed = false;

  /** `profile` overrides the adapter profile read from the device (tests of another adapter's choice). */
  constructor(
    private readonly device: GPUDevice,
    profile?: AdapterProfile,
  ) {
    const bindings = { 0: 'uniform', 1: 'read', 2: 'read', 3: 'read', 4: 'read', 5: 'read', 6: 'write' } as const;
    this.profile = profile ?? adapterProfile(device);
    this.pipelines = new MatmulPipelines(device, OWNER, 'packed', bindings);
    this.uniforms = new UniformCache(device, OWNER);
    this.noBias = device.createBuffer({ label: `${OWNER}.noBias`, size: 16, usage: GPUBufferUsage.STORAGE });
  }

  encode(encoder: GPUCommandEncoder, args: QuantMatmulArgs, timestampWrites?: GPUComputePassTimestampWrites): void {
    requireLiveKernel(OWNER, this.destroyed);
    const { weight, m, k } = args;
    requireLiveWeight(OWNER, weight);
    requirePositiveInteger(OWNER, 'm', m);
    if (k !== weight.cols) {
      throw new KernelInputError(
        OWNER,
        `k = ${k} does not match the weight ${weight.describe()}, whose K is ${weight.cols}; pass X with ${weight.cols} columns`,
      );
    }
    const xFormat = args.xFormat ?? 'f32';
    if (xFormat !== 'f32' && xFormat !== 'f16') {
      throw new KernelInputError(OWNER, `xFormat must be 'f32' or 'f16', got ${String(xFormat)}`);
    }
    const n = weight.rows;
    const xWhat =
      xFormat === 'f16' ? `f16 X [${m}, ${k}] (rows padded to ${2 * Math.ceil(k / 2)} halves)` : `f32 X [${m}, ${k}]`;
    const x = resolveStorageSlice(this.device, OWNER, 'x', args.x, matmulInputBytes(xFormat, m, k), xWhat);
    const y = resolveStorageSlice(this.device, OWNER, 'y', args.y, m * n * 4, `f32 Y [${m}, ${n}]`);
    const bias = args.bias
      ? resolveStorageSlice(this.device, OWNER, 'bias', args.bias, n * 4, `f32 bias [${n}]`)
      : undefined;
    requireDistinctOutput(OWNER, y, { x, bias });

    const { path } = this.choose(m, args.variant, weight.format);
    if (path === 'gemm-block' && !quadDecodes(weight.format)) {
      // Its body inlines 8 code-by-code decodes per step for these formats, which SwiftShader compiles for minutes.
      throw new KernelInputError(
        OWNER,
        `variant 'gemm-block' takes INT weights of 2, 4 or 8 bits, not ${weight.describe()}; use 'auto' (it picks 'gemm-rows' or 'gemm' for this format) or 'gemm'`,
      );
    }
    const formatKey = weightFormatKey(weight.format);
    // X_F16 is compile-time (it picks the load path), so it is part of every pipeline key.
    const formatConstants = { ...weightFormatConstants(weight.format), X_F16: xFormat === 'f16' ? 1 : 0 };
    const inputKey = `${formatKey}:x${xFormat}`;
    const { pipeline, layout, grid } = this.pipelines.select(path, m, n, inputKey, formatConstants);

    const bindGroup = this.device.createBindGroup({
      label: `${OWNER}.bindGroup`,
      layout,
      entries: [
        ...packedWeightEntries(weight, weightShapeUniform(this.uniforms, weight, m, bias !== undefined)),
        { binding: 4, resource: binding(x) },
        { binding: 5, resource: bias ? binding(bias) : { buffer: this.noBias } },
        { binding: 6, resource: binding(y) },
      ],
    });
    encodeDispatch(encoder, `${OWNER}.${path}`, pipeline, bindGroup, grid, timestampWrites);
  }

  /**
   * The path `encode` takes for m tokens, a requested variant (default 'auto') and the weight's format, and why.
   * Without a format, the choice for an INT weight of 2, 4 or 8 bits.
   */
  choose(m: number, variant: MatmulVariant = 'auto', format?: WeightFormat): MatmulChoice {
    return chooseMatmulPath(this.profile, m, variant, { quadDecode: format === undefined || quadDecodes(format) });
  }

  run(args: QuantMatmulArgs): Promise<void> {
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
