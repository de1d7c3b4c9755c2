/**
 * ActivationQuantKernel: activation fake quantisation of x [tokens, cols] into y (same shape), matching
 * fakeQuantActivations() in src/quant/activation.ts (INT k-bit symmetric or FP8 e4m3/e5m2; per-token dynamic
 * absmax or a static per-tensor scale).
 *
 *   const actQuant = new ActivationQuantKernel(device);
 *   actQuant.encode(encoder, { x, y, tokens, cols, format: { kind: 'int', bits: 8 }, scaling: { kind: 'token' } });
 *   await actQuant.run(args);   // encode + submit + wait
 *   actQuant.destroy();         // idempotent
 *
 * Format 'none' is rejected (skip the kernel instead). y must be a different buffer from x. Pipelines are cached
 * per (format, scaling kind, smoothing); a per-tensor scale travels in the uniform.
 *
 * Variants: 'workgroup' (act_fakequant.wgsl: one workgroup per token, tree reduction of the absmax; GPUs) and 'rows'
 * (act_fakequant_rows.wgsl: no workgroup memory, no barrier, each invocation takes its row's absmax itself and
 * quantises CHUNK columns; CPU adapters, where barriers cost more than the arithmetic). Both give the same bits;
 * 'auto' (default) picks by adapter kind, `variant` forces one (tests, benchmarks).
 *
 * Optional `channelScale` (f32 [cols], SmoothQuant's 1/s per input channel): x is multiplied by it column by
 * column before the fake quantisation (smoothActivations then fakeQuantActivations in src/quant), in one pass.
 */
import { ACT_FAKEQUANT_ROWS_WGSL, ACT_FAKEQUANT_WGSL } from './shaderSource';
import { adapterProfile, type AdapterProfile } from './matmulPlan';
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
import type { ActivationFormat, ActivationScaling } from '../quant/formats';

const OWNER = 'ActivationQuantKernel';

/** One workgroup per token: 64 invocations for short rows (most would idle at 256), 256 for long ones. */
function workgroupSizeFor(cols: number): number {
  return cols <= 512 ? 64 : 256;
}

export interface ActivationQuantArgs {
  /** f32 [tokens, cols]. */
  readonly x: BufferSlice;
  /** f32 [tokens, cols]. */
  readonly y: BufferSlice;
  readonly tokens: number;
  readonly cols: number;
  readonly format: ActivationFormat;
  readonly scaling: ActivationScaling;
  /** f32 [cols]: multiply column j of x by channelScale[j] first (SmoothQuant); omit for plain fake quant. */
  readonly channelScale?: BufferSlice;
  readonly variant?: ActivationQuantVariant;
}

export type ActivationQuantVariant = 'auto' | 'workgroup' | 'rows';

/** Columns per invocation of the 'rows' variant, and its workgroup size. */
const ROWS_CHUNK = 64;
const ROWS_WORKGROUP_SIZE = 64;

export class ActivationQuantKernel {
  private readonly pipelines: PipelineCache;
  private readonly rowsPipelines: PipelineCache;
  readonly profile: AdapterProfile;
  private readonly uniforms: UniformCache;
  /** Bound as channelScale when there is none (the layout needs a buffer; SMOOTH = false never reads it). */
  private placeholder: GPUBuffer | undefined;
  private destroyed = false;

  /** `profile` overrides the adapter profile read from the device. */
  constructor(
    private readonly device: GPUDevice,
    profile?: AdapterProfile,
  ) {
    const bindings = { 0: 'uniform', 1: 'read', 2: 'write', 3: 'read' } as const;
    this.profile = profile ?? adapterProfile(device);
    this.pipelines = new PipelineCache(device, OWNER, ACT_FAKEQUANT_WGSL, bindings);
    this.rowsPipelines = new PipelineCache(device, `${OWNER}.rows`, ACT_FAKEQUANT_ROWS_WGSL, bindings);
    this.uniforms = new UniformCache(device, OWNER);
  }

  encode(encoder: GPUCommandEncoder, args: ActivationQuantArgs, timestampWrites?: GPUComputePassTimestampWrites): void {
    requireLiveKernel(OWNER, this.destroyed);
    const { tokens, cols, format, scaling } = args;
    if (format.kind === 'none') {
      throw new KernelInputError(
        OWNER,
        "activation format 'none' has nothing to quantise; skip the kernel (or copy x) instead",
      );
    }
    requirePositiveInteger(OWNER, 'tokens', tokens);
    requirePositiveInteger(OWNER, 'cols', cols);
    let tensorScale = 0;
    if (scaling.kind === 'tensor') {
      if (!(Number.isFinite(scaling.scale) && scaling.scale >= 0)) {
        throw new KernelInputError(
          OWNER,
          `per-tensor scale ${scaling.scale} must be finite and >= 0; calibrate it with calibrateActivationScale()`,
        );
      }
      tensorScale = scaling.scale;
    }
    const bytes = tokens * cols * 4;
    const x = resolveStorageSlice(this.device, OWNER, 'x', args.x, bytes, `f32 [${tokens}, ${cols}]`);
    const y = resolveStorageSlice(this.device, OWNER, 'y', args.y, bytes, `f32 [${tokens}, ${cols}]`);
    const channelScale = args.channelScale
      ? resolveStorageSlice(this.device, OWNER, 'channelScale', args.channelScale, cols * 4, `f32 [${cols}]`)
      : undefined;
    requireDistinctOutput(OWNER, y, { x, channelScale });

    const perToken = scaling.kind === 'token';
    const smooth = channelScale !== undefined;
    const variant = this.choose(args.variant);
    const common = { ...activationFormatConstants(format), PER_TOKEN: perToken ? 1 : 0, SMOOTH: smooth ? 1 : 0 };
    const key = `${activationFormatKey(format)}:${scaling.kind}:smooth${smooth ? 1 : 0}`;
    let pipeline: GPUComputePipeline;
    let workgroups: number;
    if (variant === 'rows') {
      pipeline = this.rowsPipelines.get(key, { ...common, ROWS_WORKGROUP_SIZE, CHUNK: ROWS_CHUNK });
      workgroups = Math.ceil((tokens * Math.ceil(cols / ROWS_CHUNK)) / ROWS_WORKGROUP_SIZE);
    } else {
      const workgroupSize = workgroupSizeFor(cols);
      pipeline = this.pipelines.get(`${key}:wg${workgroupSize}`, { ...common, WORKGROUP_SIZE: workgroupSize });
      workgroups = tokens;
    }
    const layout = variant === 'rows' ? this.rowsPipelines.bindGroupLayout : this.pipelines.bindGroupLayout;
    this.placeholder ??= this.device.createBuffer({
      label: `${OWNER}.placeholder`,
      size: 16,
      usage: GPUBufferUsage.STORAGE,
    });
    const uniform = this.uniforms.get([tokens, cols, f32Bits(tensorScale), 0]);
    const bindGroup = this.device.createBindGroup({
      label: `${OWNER}.bindGroup`,
      layout,
      entries: [
        { binding: 0, resource: { buffer: uniform } },
        { binding: 1, resource: binding(x) },
        { binding: 2, resource: binding(y) },
        { binding: 3, resource: channelScale ? binding(channelScale) : { buffer: this.placeholder } },
      ],
    });
    encodeDispatch(
      encoder,
      `${OWNER}.pass`,
      pipeline,
      bindGroup,
      grid2d(this.device, OWNER, workgroups),
      timestampWrites,
    );
  }

  /** The variant `encode` runs: 'rows' on a CPU adapter, else 'workgroup', unless forced. */
  choose(variant: ActivationQuantVariant = 'auto'): Exclude<ActivationQuantVariant, 'auto'> {
    if (variant !== 'auto') return variant;
    return this.profile.kind === 'cpu' ? 'rows' : 'workgroup';
  }

  run(args: ActivationQuantArgs): Promise<void> {
    return submitAndWait(this.device, OWNER, (encoder) => this.encode(encoder, args));
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.uniforms.destroy();
    this.placeholder?.destroy();
    this.pipelines.clear();
    this.rowsPipelines.clear();
  }
}
