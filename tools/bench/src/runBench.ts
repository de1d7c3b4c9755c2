/**
 * The whole kernel bench: for each size, the f32 baseline, then for each weight format our quantized GEMV and
 * GEMM, a copy of the packed bytes, and (int4/int8 symmetric) onnxruntime's MatMulNBits on the same weights.
 * Everything runs on one GPUDevice, in one page, in one run; ratios are computed from these measurements only.
 */
import { GpuContext, adapterLabel, type GpuContextOptions } from '../../../src/gpu/gpuContext';
import { Dot4MatmulKernel, GpuPackedWeight, MatmulF32Kernel, QuantMatmulKernel } from '../../../src/kernels';
import { dequantizeWeight, quantizeWeight } from '../../../src/quant';
import {
  caseId,
  matchesFilter,
  weightCaseName,
  type BenchConfig,
  type Variant,
  type WeightCaseSpec,
} from './benchConfig';
import { measureCopy, measureF32, measureOrt, measureOurs } from './caseRunners';
import { collectEnvironment } from './environment';
import { GpuErrorWatch } from './gpuErrorWatch';
import { GpuTimer } from './gpuTimer';
import { buildMatMulNBitsModel, matMulNBitsCompatible } from './matMulNBitsModel';
import { OrtMatMulNBitsSession } from './ortMatMulNBits';
import type { BenchResult, CaseFailure, KernelVariantReport, Measurement, SkippedCase } from './resultTypes';
import { SizeFixture } from './sizeFixture';
import { selectPackedRows } from './packedRows';
import { summarizeRun } from './summary';
import { predictRunMs } from './runTimePrediction';

export interface BenchProgress {
  readonly message: string;
  /** Weight cases finished, of `total`. */
  readonly done: number;
  readonly total: number;
  readonly measurement?: Measurement;
}

const VARIANTS: readonly Variant[] = ['gemv', 'gemm'];

function selectedCases(config: BenchConfig, size: number): { spec: WeightCaseSpec; variants: Variant[] }[] {
  return config.weightCases
    .map((spec) => ({
      spec,
      variants: VARIANTS.filter((v) => matchesFilter(config, caseId(v, weightCaseName(spec), size))),
    }))
    .filter((c) => c.variants.length > 0);
}

/** Lets the page paint between long synchronous steps (quantising a 4096x4096 matrix takes seconds). */
const nextFrame = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/** `contextOptions`: another WebGPU entry point (Dawn for Node in test/bench/dawnKernelBench.test.ts). */
export async function runBench(
  config: BenchConfig,
  onProgress: (p: BenchProgress) => void,
  contextOptions?: GpuContextOptions,
): Promise<BenchResult> {
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const context = await GpuContext.create(contextOptions);
  const { device } = context;
  const gpuErrors = new GpuErrorWatch(context);
  const timer = new GpuTimer(device);
  const quantKernel = new QuantMatmulKernel(device);
  const f32Kernel = new MatmulF32Kernel(device);
  const measurements: Measurement[] = [];
  const failures: CaseFailure[] = [];
  const total = config.sizes.reduce((sum, size) => sum + selectedCases(config, size).length, 0);
  let done = 0;
  const report = (message: string, measurement?: Measurement): void =>
    onProgress({ message, done, total, measurement });

  const skipped: SkippedCase[] = [];
  /** Measured run times per case (id without the size), by size: they predict the next size's run time. */
  const runTimes = new Map<string, { size: number; ms: number }[]>();

  /**
   * Runs one measurement unless its predicted run time is over the cap; a thrown error or a WebGPU error raised
   * meanwhile becomes a failure of that case.
   */
  const attempt = async (id: string, size: number, measure: () => Promise<Measurement>): Promise<void> => {
    const key = id.slice(0, id.lastIndexOf('/'));
    const prediction = predictRunMs(runTimes.get(key) ?? [], size);
    if (prediction && prediction.ms > config.maxRunMs) {
      const reason = `predicted ${(prediction.ms / 1e3).toFixed(0)} s per run (${prediction.basis}), over maxRunMs ${config.maxRunMs / 1e3} s`;
      skipped.push({ id, reason });
      report(`SKIPPED ${id}: ${reason}`);
      return;
    }
    try {
      const m = await gpuErrors.failOnGpuError(measure);
      measurements.push(m);
      runTimes.set(key, [...(runTimes.get(key) ?? []), { size, ms: m.wall.medianMs }]);
      const wall = m.wall !== m.time ? `, wall ${m.wall.medianMs.toFixed(3)} ms` : '';
      report(
        `${m.id}: median ${m.time.medianMs.toFixed(3)} ms, min ${m.time.minMs.toFixed(3)} (${m.time.method}, ${m.time.samplesMs.length} reps)${wall}`,
        m,
      );
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      failures.push({ id, message });
      report(`FAILED ${id}: ${message}`);
    }
  };

  try {
    const environment = await collectEnvironment(context, adapterLabel(context.adapter));
    report(`adapter: ${environment.adapterLabel}; clock: ${timer.method}; onnxruntime-web ${environment.ortVersion}`);
    for (const size of config.sizes) {
      const cases = selectedCases(config, size);
      if (cases.length === 0) continue;
      report(`K = N = ${size}: generating weights and activations`);
      await nextFrame();
      const fx = new SizeFixture(device, size, config.gemmM, config.seed);
      try {
        // The f32 baseline only for the variants some selected case needs.
        for (const variant of VARIANTS.filter((v) => cases.some((c) => c.variants.includes(v)))) {
          await attempt(caseId(variant, 'f32', size), size, () => measureF32(fx, variant, f32Kernel, timer, config));
        }
        for (const { spec, variants } of cases) {
          report(`${weightCaseName(spec)}/${size}: quantizing`);
          await nextFrame();
          await benchWeightCase(fx, spec, variants);
          done++;
        }
      } finally {
        fx.destroy();
      }
    }
    return {
      schema: 'quant-gen-playground/kernel-bench@1',
      startedAt,
      durationS: Math.round(performance.now() - t0) / 1e3,
      environment,
      config,
      method: methodNotes(timer.method),
      kernelVariants: kernelVariantReport(device, quantKernel, f32Kernel, config),
      measurements,
      summary: summarizeRun(measurements),
      failures,
      skipped,
    };
  } finally {
    gpuErrors.stop();
    quantKernel.destroy();
    f32Kernel.destroy();
    timer.destroy();
    context.destroy();
  }

  async function benchWeightCase(fx: SizeFixture, spec: WeightCaseSpec, variants: Variant[]): Promise<void> {
    const size = fx.size;
    const packed = quantizeWeight(fx.w, size, size, spec.format, { kind: 'group', size: spec.groupSize });
    const checkedRows = dequantizeWeight(selectPackedRows(packed, fx.checkColumns()));
    const name = weightCaseName(spec);
    const weight = GpuPackedWeight.upload(device, packed, `Bench.${name}.${size}`);
    const withOrt = config.includeOrt && matMulNBitsCompatible(packed);
    try {
      for (const variant of variants) {
        await attempt(caseId(variant, name, size), size, () =>
          measureOurs(fx, variant, packed, checkedRows, weight, quantKernel, timer, config),
        );
      }
      await attempt(caseId('copy', name, size), size, () => measureCopy(fx, packed, weight, timer, config));
      if (withOrt) {
        const model = buildMatMulNBitsModel(packed);
        let session: OrtMatMulNBitsSession | undefined;
        try {
          session = await OrtMatMulNBitsSession.create(device, model);
        } catch (error) {
          failures.push({
            id: `ort-int${model.bits}-blk${model.blockSize}/${size}`,
            message: `session creation: ${String(error)}`,
          });
        }
        if (session) {
          for (const variant of variants) {
            await attempt(caseId(variant, `ort-int${model.bits}-blk${model.blockSize}`, size), size, () =>
              measureOrt(fx, variant, session, checkedRows, timer, config),
            );
          }
          await session.release();
        }
      }
    } finally {
      weight.destroy();
    }
  }
}

/** The variants this adapter gets (visible in the JSON) and the ones not run here, with the reason. */
function kernelVariantReport(
  device: GPUDevice,
  quant: QuantMatmulKernel,
  f32: MatmulF32Kernel,
  config: BenchConfig,
): KernelVariantReport {
  const { profile } = quant;
  const notRun: { variant: string; reason: string }[] = [];
  const gemv = quant.choose(1, 'gemv').path;
  for (const variant of ['gemv-rows', 'gemv-subgroup', 'gemv-splitk'] as const) {
    if (variant === gemv) continue;
    notRun.push({
      variant,
      reason:
        variant === 'gemv-subgroup' && !profile.subgroups
          ? "the device lacks the 'subgroups' feature (gemv-splitk is its fallback)"
          : `not this adapter's GEMV (${profile.kind}: ${gemv}); tested for exactness in test/gpu/quantMatmulKernel.test.ts, timed only when forced`,
    });
  }
  notRun.push({
    variant: 'f16 arithmetic',
    reason: profile.shaderF16
      ? 'not built yet: every kernel computes in f32 (issue 14)'
      : "the device lacks 'shader-f16'; also not built yet (every kernel computes in f32)",
  });
  const dot4 = new Dot4MatmulKernel(device);
  notRun.push({
    variant: 'dot4I8Packed (A8)',
    reason: dot4.available
      ? `available here (${dot4.why}); ${dot4.preferred ? 'used' : 'not used on this CPU adapter (the fallback measured faster end to end)'} by the model runtime for INT activations x INT4/INT8 weights (Dot4MatmulKernel); this bench times weight-only kernels (f32 X), A8 settings are timed end to end (--suite e2e)`
      : `${dot4.why}: A8 settings take the fallback (ActivationQuantKernel + QuantMatmulKernel)`,
  });
  dot4.destroy();
  return {
    profile: { ...profile },
    chosen: {
      [`ours m=1`]: quant.choose(1),
      // The GEMM path depends on the format on CPU adapters (gemm-block takes INT 2/4/8 only); each measurement has its own.
      [`ours m=${config.gemmM} INT 2/4/8`]: quant.choose(config.gemmM, 'auto', {
        kind: 'int',
        bits: 4,
        symmetric: true,
      }),
      [`ours m=${config.gemmM} other`]: quant.choose(config.gemmM, 'auto', { kind: 'fp', name: 'e2m1' }),
      [`f32 m=1`]: f32.choose(1),
      [`f32 m=${config.gemmM}`]: f32.choose(config.gemmM),
    },
    notRun,
  };
}

function methodNotes(clock: string): Record<string, string> {
  return {
    kernelClock:
      clock === 'timestamp-query'
        ? "GPU timestamps written by the timed kernel's own compute pass (timestampWrites), one submit per repetition; copies are bracketed by empty marker passes"
        : 'wall clock (the device lacks timestamp-query): performance.now() around encode + submit + onSubmittedWorkDone',
    wallClock:
      'performance.now() around one op (our kernel: encode + submit; onnxruntime: session.run with GPU-resident input and gpu-buffer output, output disposed) plus queue.onSubmittedWorkDone, one sample per repetition',
    warmup:
      'the checked first run, then config.warmup untimed runs unless the first run alone exceeded targetCaseMs; repetitions = targetCaseMs / the last of these runs, clamped to minReps..maxReps',
    skipping:
      'a case whose run time, predicted from the same case at smaller sizes (size^e, e fitted on the last two sizes within 1..2, else 2), exceeds maxRunMs is listed in skipped and not run',
    check:
      'before timing, each op runs once and its output is compared with matmulReference (f64) on the same dequantised weights (dequantizeWeight of the checked weight rows); checked: rows 0, 1, m/2, m-1 of Y (GEMV: its one row) x all columns for N <= 512, else 512 columns spread over N',
    speedupVsF32: 'MatmulF32Kernel median / our median, both by kernelClock',
    bandwidthFraction:
      "(our trafficBytes / our median) / (copy trafficBytes / copy median); our traffic = packed codes + f16 scales/offsets + X read + Y written; the copy (copyBufferToBuffer of the weight's own GPU buffers) moves its bytes twice (read + write)",
    speedupVsOrt:
      'onnxruntime MatMulNBits wall median / our wall median (same weights: int4/int8 symmetric = MatMulNBits without zero points, block = our group)',
    ort: "onnxruntime-web/webgpu (native WebGPU EP) on our GPUDevice (checked by use: input is our buffer, output copied by our device's encoder inside a validation error scope); accuracy_level 0; wasm numThreads 1; timed: session.run incl. its CPU-side work, excluding upload/download",
  };
}
