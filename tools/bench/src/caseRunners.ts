/**
 * One measurement each: run the op once and check its output against the reference, warm up, then time it.
 * A case whose check fails throws (and is reported as a failure) instead of being timed: a fast broken op is not
 * a result.
 */
import { formatName, packedByteLength, type PackedWeight } from '../../../src/quant';
import type { GpuPackedWeight, MatmulF32Kernel, QuantMatmulKernel } from '../../../src/kernels';
import { caseId, type BenchConfig, type Variant } from './benchConfig';
import type { GpuTimer, RepetitionPlan } from './gpuTimer';
import type { OrtMatMulNBitsSession } from './ortMatMulNBits';
import type { SizeFixture } from './sizeFixture';
import type { Measurement } from './resultTypes';

/**
 * Warm-up and repetitions from the check run's wall time. The check run already compiled the pipeline and
 * touched every buffer, so a case slower than the per-case budget gets no further warm-up; faster ones get
 * `config.warmup` runs, the last of which sets the repetitions (targetCaseMs / its time, within min..max, and
 * never more than fit in maxCaseMs).
 */
async function warmAndPlan(
  timer: GpuTimer,
  issue: () => unknown,
  checkMs: number,
  config: BenchConfig,
): Promise<RepetitionPlan & { warmupRuns: number }> {
  let estimateMs = checkMs;
  let warmupRuns = 0;
  if (checkMs < config.targetCaseMs) {
    for (; warmupRuns < config.warmup; warmupRuns++) estimateMs = await timer.issueAndWait(issue);
  }
  const wanted = Math.min(
    config.maxReps,
    Math.max(config.minReps, Math.ceil(config.targetCaseMs / Math.max(estimateMs, 1e-3))),
  );
  // A very slow op (a CPU adapter at K = N = 4096) gets fewer than minReps rather than minutes of repetitions.
  const reps = Math.max(1, Math.min(wanted, Math.floor(config.maxCaseMs / Math.max(estimateMs, 1e-3))));
  return { warmup: 0, reps, warmupRuns };
}

/**
 * The kernel variant a bench case asks for: the GEMV case takes the adapter's GEMV; the GEMM case (m = gemmM) lets
 * the plan choose as the model runtime does ('auto': on a CPU adapter the register-blocked 'gemm-rows', else the
 * tiled 'gemm'), for ours and f32 alike.
 */
export function kernelVariant(variant: Variant): 'gemv' | 'auto' {
  return variant === 'gemv' ? 'gemv' : 'auto';
}

function requireAccurate(config: BenchConfig, id: string, error: number): void {
  if (!(error <= config.tolerance)) {
    throw new Error(
      `${id}: output differs from matmulReference by ${error.toExponential(2)} (relative), over the tolerance ${config.tolerance}; not timed`,
    );
  }
}

function activationBytes(fx: SizeFixture, variant: Variant): number {
  return fx.m(variant) * fx.size * 4 * 2; // X read + Y written (K = N)
}

/** Runs `issue` once (timed) and returns the relative error of its output against `expected`. */
async function checkOnce(
  timer: GpuTimer,
  fx: SizeFixture,
  variant: Variant,
  issue: () => Promise<void>,
  expected: () => Float32Array,
): Promise<{ error: number; checkMs: number }> {
  fx.poisonOutput(variant);
  const checkMs = await timer.issueAndWait(issue);
  return { error: fx.compare(variant, await fx.readOutput(variant), expected()), checkMs };
}

export async function measureF32(
  fx: SizeFixture,
  variant: Variant,
  kernel: MatmulF32Kernel,
  timer: GpuTimer,
  config: BenchConfig,
): Promise<Measurement> {
  const id = caseId(variant, 'f32', fx.size);
  const m = fx.m(variant);
  const args = {
    w: fx.wBuffer,
    n: fx.size,
    k: fx.size,
    x: fx.xBuffer[variant],
    y: fx.yBuffer[variant],
    m,
    variant: kernelVariant(variant),
  };
  const { error, checkMs } = await checkOnce(
    timer,
    fx,
    variant,
    () => kernel.run(args),
    () => fx.reference(variant, fx.checkedF32Rows()),
  );
  requireAccurate(config, id, error);
  const plan = await warmAndPlan(timer, () => kernel.run(args), checkMs, config);
  const { time, wall } = await timer.timeComputePass((encoder, tw) => kernel.encode(encoder, args, tw), plan);
  const weightBytes = fx.size * fx.size * 4;
  const choice = kernel.choose(m, kernelVariant(variant));
  return {
    id,
    kind: 'f32',
    variant,
    size: fx.size,
    m,
    format: 'f32',
    weightBytes,
    kernelPath: choice.path,
    kernelReason: choice.reason,
    trafficBytes: weightBytes + activationBytes(fx, variant),
    time,
    wall,
    maxRelError: error,
    outputsChecked: fx.checkedOutputs(variant),
    checkRunMs: checkMs,
    warmupRuns: plan.warmupRuns,
  };
}

export async function measureOurs(
  fx: SizeFixture,
  variant: Variant,
  packed: PackedWeight,
  /** Dequantised weight rows of fx.checkColumns(). */
  checkedRows: Float32Array,
  weight: GpuPackedWeight,
  kernel: QuantMatmulKernel,
  timer: GpuTimer,
  config: BenchConfig,
): Promise<Measurement> {
  const id = caseId(variant, `${formatName(packed.format)}/g${packed.groupSize}`, fx.size);
  const m = fx.m(variant);
  const args = {
    weight,
    x: fx.xBuffer[variant],
    y: fx.yBuffer[variant],
    m,
    k: fx.size,
    variant: kernelVariant(variant),
  };
  const { error, checkMs } = await checkOnce(
    timer,
    fx,
    variant,
    () => kernel.run(args),
    () => fx.reference(variant, checkedRows),
  );
  requireAccurate(config, id, error);
  const plan = await warmAndPlan(timer, () => kernel.run(args), checkMs, config);
  const { time, wall } = await timer.timeComputePass((encoder, tw) => kernel.encode(encoder, args, tw), plan);
  const weightBytes = packedByteLength(packed);
  const choice = kernel.choose(m, kernelVariant(variant), packed.format);
  return {
    id,
    kind: 'ours',
    variant,
    size: fx.size,
    m,
    format: formatName(packed.format),
    groupSize: packed.groupSize,
    kernelPath: choice.path,
    kernelReason: choice.reason,
    weightBytes,
    trafficBytes: weightBytes + activationBytes(fx, variant),
    time,
    wall,
    maxRelError: error,
    outputsChecked: fx.checkedOutputs(variant),
    checkRunMs: checkMs,
    warmupRuns: plan.warmupRuns,
  };
}

/** copyBufferToBuffer of the weight's own GPU buffers (codes, scales, offsets) into scratch buffers. */
export async function measureCopy(
  fx: SizeFixture,
  packed: PackedWeight,
  weight: GpuPackedWeight,
  timer: GpuTimer,
  config: BenchConfig,
): Promise<Measurement> {
  const id = caseId('copy', `${formatName(packed.format)}/g${packed.groupSize}`, fx.size);
  const sources = [weight.codes, weight.scales, ...(weight.offsets ? [weight.offsets] : [])];
  const targets = sources.map((s) =>
    timer.device.createBuffer({
      label: `measureCopy.target[${s.label}]`,
      size: s.size,
      usage: GPUBufferUsage.COPY_DST,
    }),
  );
  const copyAll = (encoder: GPUCommandEncoder): void =>
    sources.forEach((s, i) => encoder.copyBufferToBuffer(s, 0, targets[i], 0, s.size));
  const issue = (): void => {
    const encoder = timer.device.createCommandEncoder({ label: 'measureCopy.encoder' });
    copyAll(encoder);
    timer.device.queue.submit([encoder.finish()]);
  };
  try {
    const checkMs = await timer.issueAndWait(issue); // nothing to check: a copy is exact; this run is the first warm-up
    const plan = await warmAndPlan(timer, issue, checkMs, config);
    const { time, wall } = await timer.timeCommands(copyAll, plan);
    const bytes = sources.reduce((sum, s) => sum + s.size, 0);
    return {
      id,
      kind: 'copy',
      variant: 'copy',
      size: fx.size,
      m: 0,
      format: formatName(packed.format),
      groupSize: packed.groupSize,
      weightBytes: bytes,
      trafficBytes: 2 * bytes,
      time,
      wall,
      checkRunMs: checkMs,
      warmupRuns: plan.warmupRuns,
    };
  } finally {
    for (const t of targets) t.destroy();
  }
}

/** onnxruntime MatMulNBits on the same weights (dequantised identically) and the same activation buffer. */
export async function measureOrt(
  fx: SizeFixture,
  variant: Variant,
  session: OrtMatMulNBitsSession,
  /** Dequantised weight rows of fx.checkColumns(). */
  checkedRows: Float32Array,
  timer: GpuTimer,
  config: BenchConfig,
): Promise<Measurement> {
  const { bits, blockSize, k, n } = session.model;
  const format = `ort-int${bits}-blk${blockSize}`;
  const id = caseId(variant, format, fx.size);
  const m = fx.m(variant);
  const input = session.input(fx.xBuffer[variant], m);
  const start = performance.now();
  const y = await session.runAndRead(input, m); // includes the readback: only used to plan, never reported as a time
  const checkMs = performance.now() - start;
  const error = fx.compare(variant, y, fx.reference(variant, checkedRows));
  requireAccurate(config, id, error);
  const issue = (): Promise<void> => session.runAndDispose(input);
  const plan = await warmAndPlan(timer, issue, checkMs, config);
  const wall = await timer.timeWall(issue, plan);
  const weightBytes = (n * k * bits) / 8 + ((n * k) / blockSize) * 4; // B + f32 scales
  return {
    id,
    kind: 'ort',
    variant,
    size: fx.size,
    m,
    format,
    groupSize: blockSize,
    weightBytes,
    trafficBytes: weightBytes + activationBytes(fx, variant),
    time: wall,
    wall,
    maxRelError: error,
    outputsChecked: fx.checkedOutputs(variant),
    checkRunMs: checkMs,
    warmupRuns: plan.warmupRuns,
  };
}
