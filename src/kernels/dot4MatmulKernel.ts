/**
 * Dot4MatmulKernel: Y[m, n] = fakeQuant(X)[m, k] W^T + bias for INT activations (A8 and below: per token or per
 * tensor, optionally SmoothQuant-scaled) and INT4/INT8 weights, with integer products: X is quantised to packed int8
 * codes plus a scale per token (act_quant_int8.wgsl), then qgemm_dot4.wgsl multiplies them with the weight codes by
 * WGSL's dot4I8Packed, sums each scale group in i32 and applies the weight scale (and offset) once per group and the
 * token scale once per output. Equal to ActivationQuantKernel + QuantMatmulKernel up to f32 rounding (the products
 * are exact here).
 *
 *   const dot4 = new Dot4MatmulKernel(device);             // reads navigator.gpu.wgslLanguageFeatures
 *   dot4.available;                                        // false without packed_4x8_integer_dot_product (see `why`)
 *   dot4.supports(weight, k, activationFormat);            // undefined, or the reason this case must take the fallback
 *   dot4.encode(encoder, { weight, x, xq, y, m, k, bias, format, scaling, channelScale });
 *
 * `xq` is scratch of quantizedInputBytes(m, k) bytes (u32 words: m token scales, then m * k / 4 code words). The
 * fallback, where the language feature or the case is not supported, is ActivationQuantKernel + QuantMatmulKernel
 * (src/models/runtime/gpuLinear.ts picks).
 */
import { ACT_QUANT_INT8_WGSL, QGEMM_DOT4_WGSL } from './shaderSource';
import { activationFormatConstants, weightFormatConstants, weightFormatKey } from './formatConstants';
import {
  binding,
  grid2d,
  requireDistinctOutput,
  requireGridDimension,
  requirePositiveInteger,
  resolveStorageSlice,
  type BufferSlice,
} from './bufferArgs';
import {
  PipelineCache,
  encodeDispatch,
  weightShapeUniform,
  packedWeightEntries,
  requireLiveKernel,
  requireLiveWeight,
  submitAndWait,
} from './kernelBase';
import { KernelInputError } from './errors';
import { UniformCache, f32Bits } from './uniformCache';
import type { GpuPackedWeight } from './gpuPackedWeight';
import { adapterProfile } from './matmulPlan';
import type { ActivationFormat, ActivationScaling } from '../quant/formats';

const OWNER = 'Dot4MatmulKernel';
export const DOT4_LANGUAGE_FEATURE = 'packed_4x8_integer_dot_product';
const WORKGROUP = 64;
const CHUNK_WORDS = 16;
const TOKENS = 4;

/** Bytes of the quantised X: m token scales and m * k / 4 words of int8 codes. */
export function quantizedInputBytes(m: number, k: number): number {
  return (m + (m * k) / 4) * 4;
}

/** The WGSL language features of this WebGPU entry point (navigator.gpu in a browser), or undefined. */
export function defaultWgslLanguageFeatures(): ReadonlySet<string> | undefined {
  const gpu = (globalThis as { navigator?: { gpu?: { wgslLanguageFeatures?: ReadonlySet<string> } } }).navigator?.gpu;
  return gpu?.wgslLanguageFeatures;
}

export interface Dot4MatmulArgs {
  readonly weight: GpuPackedWeight;
  /** f32 [m, k]. */
  readonly x: BufferSlice;
  /** Scratch of quantizedInputBytes(m, k) bytes; a different buffer from x and y. */
  readonly xq: BufferSlice;
  /** f32 [m, n]. */
  readonly y: BufferSlice;
  readonly m: number;
  readonly k: number;
  readonly bias?: BufferSlice;
  readonly format: Extract<ActivationFormat, { kind: 'int' }>;
  readonly scaling: ActivationScaling;
  /** f32 [k]: SmoothQuant's 1/s per input channel, applied before the quantisation. */
  readonly channelScale?: BufferSlice;
}

export class Dot4MatmulKernel {
  /**
   * Whether the model runtime takes this path on a CPU adapter. SwiftShader emulates dot4I8Packed lane by lane, and
   * there the fallback (barrier-free fake quant + the f32-arithmetic 'gemm-rows'; now 'gemm-block' from 9 tokens,
   * faster still) measured faster end to end
   * (docs/benchmarks/end-to-end-swiftshader-2026-12-03.json, bench/README.md), so CPU adapters keep the fallback;
   * tests set this to run the integer path through whole models on SwiftShader.
   */
  static useOnCpuAdapters = false;
  /** Whether the WGSL language feature is there; when false, `why` says so and encode() refuses. */
  readonly available: boolean;
  /** Whether the model runtime should use it: available, and a GPU adapter (or useOnCpuAdapters). */
  readonly preferred: boolean;
  readonly why: string;
  private readonly quantize: PipelineCache | undefined;
  private readonly matmul: PipelineCache | undefined;
  private readonly uniforms: UniformCache;
  private readonly noBias: GPUBuffer;
  private placeholder: GPUBuffer | undefined;
  private destroyed = false;

  /** `wgslLanguageFeatures`: the entry point's set (default navigator.gpu.wgslLanguageFeatures; Dawn for Node: gpu.wgslLanguageFeatures). */
  constructor(
    private readonly device: GPUDevice,
    wgslLanguageFeatures: ReadonlySet<string> | undefined = defaultWgslLanguageFeatures(),
  ) {
    this.available = wgslLanguageFeatures?.has(DOT4_LANGUAGE_FEATURE) ?? false;
    this.why = this.available
      ? `WGSL language feature ${DOT4_LANGUAGE_FEATURE} present`
      : wgslLanguageFeatures
        ? `the WGSL language feature ${DOT4_LANGUAGE_FEATURE} is absent from this WebGPU implementation`
        : `no wgslLanguageFeatures on this WebGPU entry point, so ${DOT4_LANGUAGE_FEATURE} cannot be assumed`;
    this.preferred = this.available && (adapterProfile(device).kind === 'gpu' || Dot4MatmulKernel.useOnCpuAdapters);
    if (this.available) {
      this.quantize = new PipelineCache(device, `${OWNER}.quantize`, ACT_QUANT_INT8_WGSL, {
        0: 'uniform',
        1: 'read',
        3: 'read',
        4: 'write',
      });
      this.matmul = new PipelineCache(device, `${OWNER}.matmul`, QGEMM_DOT4_WGSL, {
        0: 'uniform',
        1: 'read',
        2: 'read',
        3: 'read',
        4: 'read',
        5: 'read',
        6: 'write',
      });
    }
    this.uniforms = new UniformCache(device, OWNER);
    this.noBias = device.createBuffer({ label: `${OWNER}.noBias`, size: 16, usage: GPUBufferUsage.STORAGE });
  }

  /** undefined when this kernel computes the case, else why the fallback must (feature, weight format, shape). */
  supports(weight: GpuPackedWeight, k: number, format: ActivationFormat): string | undefined {
    if (!this.available) return this.why;
    if (format.kind !== 'int')
      return `activation format ${format.kind === 'none' ? 'none' : `fp-${format.name}`} is not an INT format`;
    if (weight.format.kind !== 'int' || (weight.bits !== 4 && weight.bits !== 8))
      return `weight ${weight.describe()} is not INT4 or INT8`;
    if (k % 32 !== 0) return `K = ${k} is not a multiple of 32`;
    if (weight.groupSize % 32 !== 0 && weight.groupSize !== weight.cols && weight.scaleRowStride !== 0)
      return `group size ${weight.groupSize} is not a multiple of 32`;
    return undefined;
  }

  encode(encoder: GPUCommandEncoder, args: Dot4MatmulArgs): void {
    requireLiveKernel(OWNER, this.destroyed);
    const { weight, m, k, format, scaling } = args;
    requireLiveWeight(OWNER, weight);
    requirePositiveInteger(OWNER, 'm', m);
    if (k !== weight.cols)
      throw new KernelInputError(
        OWNER,
        `k = ${k} does not match the weight ${weight.describe()}, whose K is ${weight.cols}`,
      );
    const unsupported = this.supports(weight, k, format);
    if (unsupported || !this.quantize || !this.matmul) {
      throw new KernelInputError(
        OWNER,
        `${unsupported ?? this.why}; use ActivationQuantKernel + QuantMatmulKernel (the fallback) for this case`,
      );
    }
    let tensorScale = 0;
    if (scaling.kind === 'tensor') {
      if (!(Number.isFinite(scaling.scale) && scaling.scale >= 0))
        throw new KernelInputError(OWNER, `per-tensor scale ${scaling.scale} must be finite and >= 0`);
      tensorScale = scaling.scale;
    }
    const n = weight.rows;
    const x = resolveStorageSlice(this.device, OWNER, 'x', args.x, m * k * 4, `f32 X [${m}, ${k}]`);
    const xq = resolveStorageSlice(
      this.device,
      OWNER,
      'xq',
      args.xq,
      quantizedInputBytes(m, k),
      `int8 X [${m}, ${k}] + ${m} scales`,
    );
    const y = resolveStorageSlice(this.device, OWNER, 'y', args.y, m * n * 4, `f32 Y [${m}, ${n}]`);
    const bias = args.bias
      ? resolveStorageSlice(this.device, OWNER, 'bias', args.bias, n * 4, `f32 bias [${n}]`)
      : undefined;
    const channelScale = args.channelScale
      ? resolveStorageSlice(this.device, OWNER, 'channelScale', args.channelScale, k * 4, `f32 [${k}]`)
      : undefined;
    requireDistinctOutput(OWNER, xq, { x, channelScale });
    requireDistinctOutput(OWNER, y, { x, xq, bias });

    // 1. X -> int8 codes + token scales.
    const interleave = weight.bits === 4;
    const smooth = channelScale !== undefined;
    const quantizePipeline = this.quantize.get(
      `int${format.bits}:${scaling.kind}:smooth${smooth ? 1 : 0}:il${interleave ? 1 : 0}`,
      {
        ...activationFormatConstants(format),
        PER_TOKEN: scaling.kind === 'token' ? 1 : 0,
        SMOOTH: smooth ? 1 : 0,
        INTERLEAVE: interleave ? 1 : 0,
        ROWS_WORKGROUP_SIZE: WORKGROUP,
        CHUNK_WORDS,
      },
    );
    this.placeholder ??= this.device.createBuffer({
      label: `${OWNER}.placeholder`,
      size: 16,
      usage: GPUBufferUsage.STORAGE,
    });
    const quantizeGroup = this.device.createBindGroup({
      label: `${OWNER}.quantize.bindGroup`,
      layout: this.quantize.bindGroupLayout,
      entries: [
        { binding: 0, resource: { buffer: this.uniforms.get([m, k, f32Bits(tensorScale), 0]) } },
        { binding: 1, resource: binding(x) },
        { binding: 3, resource: channelScale ? binding(channelScale) : { buffer: this.placeholder } },
        { binding: 4, resource: binding(xq) },
      ],
    });
    const invocations = m * Math.ceil(k / 4 / CHUNK_WORDS);
    encodeDispatch(
      encoder,
      `${OWNER}.quantize`,
      quantizePipeline,
      quantizeGroup,
      grid2d(this.device, OWNER, Math.ceil(invocations / WORKGROUP)),
    );

    // 2. Integer dot products per group, scaled.
    const matmulPipeline = this.matmul.get(weightFormatKey(weight.format), {
      ...weightFormatConstants(weight.format),
      ROWS_WORKGROUP_SIZE: WORKGROUP,
    });
    const grid: [number, number] = [Math.ceil(n / WORKGROUP), Math.ceil(m / TOKENS)];
    requireGridDimension(this.device, OWNER, grid[0], `N = ${n}`);
    requireGridDimension(this.device, OWNER, grid[1], `m = ${m}`);
    const matmulGroup = this.device.createBindGroup({
      label: `${OWNER}.matmul.bindGroup`,
      layout: this.matmul.bindGroupLayout,
      entries: [
        ...packedWeightEntries(weight, weightShapeUniform(this.uniforms, weight, m, bias !== undefined)),
        { binding: 4, resource: binding(xq) },
        { binding: 5, resource: bias ? binding(bias) : { buffer: this.noBias } },
        { binding: 6, resource: binding(y) },
      ],
    });
    encodeDispatch(encoder, `${OWNER}.matmul`, matmulPipeline, matmulGroup, grid);
  }

  run(args: Dot4MatmulArgs): Promise<void> {
    return submitAndWait(this.device, OWNER, (encoder) => this.encode(encoder, args));
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.uniforms.destroy();
    this.noBias.destroy();
    this.placeholder?.destroy();
    this.quantize?.clear();
    this.matmul?.clear();
  }
}
