/**
 * One measurement each: check the op's output against the reference once, then time it. A case whose check
 * fails throws (and is reported as a failure) instead of being timed: a fast broken op is not a result.
 */
import { formatName, packedByteLength, type PackedWeight } from '../quant';
import type { GpuPackedWeight, MatmulF32Kernel, QuantMatmulKernel } from '../kernels';
import { caseId, type BenchConfig, type Variant } from './benchConfig';
import type { GpuTimer, Repetitions } from './gpuTimer';
import type { OrtMatMulNBitsSession } from './ortMatMulNBits';
import type { SizeFixture } from './sizeFixture';
import type { Measurement } from './resultTypes';

export function repetitions(config: BenchConfig): Repetitions {
  return {
    warmup: config.warmup,
    reps: (lastWarmupMs) => Math.min(config.maxReps, Math.max(config.minReps, Math.ceil(config.targetCaseMs / Math.max(lastWarmupMs, 1e-3)))),
  };
}

function requireAccurate(config: BenchConfig, id: string, error: number): void {
  if (!(error <= config.tolerance)) {
    throw new Error(`${id}: output differs from matmulReference by ${error.toExponential(2)} (relative), over the tolerance ${config.tolerance}; not timed`);
  }
}

function activationBytes(fx: SizeFixture, variant: Variant): number {
  return fx.m(variant) * fx.size * 4 * 2; // X read + Y written (K = N)
}

export interface OpTimingOptions {
  /** Also time by wall clock (the clock onnxruntime is measured with). */
  readonly wall: boolean;
}

export async function measureF32(
  fx: SizeFixture,
  variant: Variant,
  kernel: MatmulF32Kernel,
  timer: GpuTimer,
  config: BenchConfig,
  options: OpTimingOptions,
): Promise<Measurement> {
  const id = caseId(variant, 'f32', fx.size);
  const m = fx.m(variant);
  const args = { w: fx.wBuffer, n: fx.size, k: fx.size, x: fx.xBuffer[variant], y: fx.yBuffer[variant], m, variant };
  fx.poisonOutput(variant);
  await kernel.run(args);
  const error = fx.compare(variant, await fx.readOutput(variant), fx.reference(variant, fx.w));
  requireAccurate(config, id, error);
  const time = await timer.timeComputePass((encoder, tw) => kernel.encode(encoder, args, tw), repetitions(config));
  const wall = options.wall ? await timer.timeWall(() => kernel.run(args), repetitions(config)) : undefined;
  const weightBytes = fx.size * fx.size * 4;
  return {
    id, kind: 'f32', variant, size: fx.size, m, format: 'f32', weightBytes,
    trafficBytes: weightBytes + activationBytes(fx, variant), time, wall,
    maxRelError: error, rowsChecked: fx.checkRows(variant).length,
  };
}

export async function measureOurs(
  fx: SizeFixture,
  variant: Variant,
  packed: PackedWeight,
  dequantised: Float32Array,
  weight: GpuPackedWeight,
  kernel: QuantMatmulKernel,
  timer: GpuTimer,
  config: BenchConfig,
  options: OpTimingOptions,
): Promise<Measurement> {
  const id = caseId(variant, `${formatName(packed.format)}/g${packed.groupSize}`, fx.size);
  const m = fx.m(variant);
  const args = { weight, x: fx.xBuffer[variant], y: fx.yBuffer[variant], m, k: fx.size, variant };
  fx.poisonOutput(variant);
  await kernel.run(args);
  const error = fx.compare(variant, await fx.readOutput(variant), fx.reference(variant, dequantised));
  requireAccurate(config, id, error);
  const time = await timer.timeComputePass((encoder, tw) => kernel.encode(encoder, args, tw), repetitions(config));
  const wall = options.wall ? await timer.timeWall(() => kernel.run(args), repetitions(config)) : undefined;
  const weightBytes = packedByteLength(packed);
  return {
    id, kind: 'ours', variant, size: fx.size, m, format: formatName(packed.format), groupSize: packed.groupSize,
    weightBytes, trafficBytes: weightBytes + activationBytes(fx, variant), time, wall,
    maxRelError: error, rowsChecked: fx.checkRows(variant).length,
  };
}

/** copyBufferToBuffer of the weight's own GPU buffers (codes, scales, offsets) into scratch buffers. */
export async function measureCopy(fx: SizeFixture, packed: PackedWeight, weight: GpuPackedWeight, timer: GpuTimer, config: BenchConfig): Promise<Measurement> {
  const id = caseId('copy', `${formatName(packed.format)}/g${packed.groupSize}`, fx.size);
  const sources = [weight.codes, weight.scales, ...(weight.offsets ? [weight.offsets] : [])];
  const targets = sources.map((s) =>
    timer.device.createBuffer({ label: `measureCopy.target[${s.label}]`, size: s.size, usage: GPUBufferUsage.COPY_DST }),
  );
  try {
    const time = await timer.timeCommands((encoder) => {
      sources.forEach((s, i) => encoder.copyBufferToBuffer(s, 0, targets[i], 0, s.size));
    }, repetitions(config));
    const bytes = sources.reduce((sum, s) => sum + s.size, 0);
    return { id, kind: 'copy', variant: 'copy', size: fx.size, m: 0, format: formatName(packed.format), groupSize: packed.groupSize, weightBytes: bytes, trafficBytes: 2 * bytes, time };
  } finally {
    for (const t of targets) t.destroy();
  }
}

/** onnxruntime MatMulNBits on the same weights (dequantised identically) and the same activation buffer. */
export async function measureOrt(
  fx: SizeFixture,
  variant: Variant,
  session: OrtMatMulNBitsSession,
  dequantised: Float32Array,
  timer: GpuTimer,
  config: BenchConfig,
): Promise<Measurement> {
  const { bits, blockSize, k, n } = session.model;
  const format = `ort-int${bits}-blk${blockSize}`;
  const id = caseId(variant, format, fx.size);
  const m = fx.m(variant);
  const input = session.input(fx.xBuffer[variant], m);
  const error = fx.compare(variant, await session.runAndRead(input, m), fx.reference(variant, dequantised));
  requireAccurate(config, id, error);
  const wall = await timer.timeWall(() => session.runAndDispose(input), repetitions(config));
  const weightBytes = (n * k * bits) / 8 + (n * k / blockSize) * 4; // B + f32 scales
  return {
    id, kind: 'ort', variant, size: fx.size, m, format, groupSize: blockSize, weightBytes,
    trafficBytes: weightBytes + activationBytes(fx, variant), time: wall, wall,
    maxRelError: error, rowsChecked: fx.checkRows(variant).length,
  };
}
