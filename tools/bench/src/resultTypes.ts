/** Shape of the JSON the bench page publishes (window.__benchResult) and the Node driver writes to disk. */
import type { AdapterSummary } from '../../../src/gpu/gpuContext';
import type { TimedResult } from './gpuTimer';
import type { BenchConfig, Variant } from './benchConfig';

export type MeasurementKind = 'ours' | 'f32' | 'copy' | 'ort';

export interface Measurement {
  readonly id: string;
  readonly kind: MeasurementKind;
  readonly variant: Variant | 'copy';
  /** K = N. */
  readonly size: number;
  /** Rows of X (1 for GEMV); 0 for the copy. */
  readonly m: number;
  /** Our format name (int4s, fp-e2m1, f32) or the onnxruntime op (ort-int4-blk128). */
  readonly format: string;
  readonly groupSize?: number;
  /** Bytes of the weight as stored on the GPU (packed codes + f16 scales/offsets; f32 for the f32 kernel). */
  readonly weightBytes: number;
  /** Bytes the op must at least move: weight + X read + Y written (copy: read + write of the packed bytes). */
  readonly trafficBytes: number;
  /** The primary clock: GPU timestamps when available (not for onnxruntime, which we can only time by wall clock). */
  readonly time: TimedResult;
  /** Wall clock per op (issue + onSubmittedWorkDone), same repetitions: the clock shared with onnxruntime. */
  readonly wall: TimedResult;
  /** Max |gpu - reference| / max |reference| over the checked outputs, before timing. */
  readonly maxRelError?: number;
  /** Outputs of Y compared with the reference (see SizeFixture: sampled rows x sampled columns). */
  readonly outputsChecked?: number;
  /** Wall time of the first (checked) run, which includes pipeline compilation; it plans the repetitions. */
  readonly checkRunMs: number;
  /** Untimed runs after the check run (0 when the check run alone took longer than targetCaseMs). */
  readonly warmupRuns: number;
  /** Ours and f32: the kernel path that ran (src/kernels/matmulPlan.ts: gemv-rows, gemv-subgroup, gemv-splitk, gemm) and why. */
  readonly kernelPath?: string;
  readonly kernelReason?: string;
}

/** Which matmul variants this adapter gets, and those not run here with the reason. */
export interface KernelVariantReport {
  /** src/kernels/matmulPlan.ts AdapterProfile of the bench device. */
  readonly profile: { kind: string; subgroups: boolean; shaderF16: boolean; basis: string };
  /** The path and reason for GEMV (m = 1) and GEMM (m = config.gemmM), quantized and f32. */
  readonly chosen: Record<string, { path: string; reason: string }>;
  readonly notRun: { variant: string; reason: string }[];
}

/** A case not run because it would take too long; never counted as a measurement. */
export interface SkippedCase {
  readonly id: string;
  readonly reason: string;
}

export interface CaseFailure {
  readonly id: string;
  readonly message: string;
}

/** One row per (variant, size, weight case): the ratios, all from measurements of this run. */
export interface SummaryRow {
  readonly variant: Variant;
  readonly size: number;
  readonly format: string;
  readonly groupSize: number;
  /** Kernel paths that ran (matmulPlan.ts). */
  readonly oursKernel?: string;
  readonly f32Kernel?: string;
  readonly oursMedianMs: number;
  readonly oursMinMs: number;
  readonly f32MedianMs?: number;
  /** f32 median / ours median (> 1: ours is faster). */
  readonly speedupVsF32?: number;
  /** The same ratio of minimum times: less sensitive to other load on a CPU adapter (interference only adds time). */
  readonly speedupVsF32ByMin?: number;
  /** (ours traffic / ours median) / (copy traffic / copy median). */
  readonly bandwidthFraction?: number;
  readonly effectiveGBps?: number;
  readonly copyGBps?: number;
  readonly ortOp?: string;
  readonly ortWallMedianMs?: number;
  readonly oursWallMedianMs?: number;
  /** ORT wall median / ours wall median (> 1: ours is faster). */
  readonly speedupVsOrt?: number;
  readonly speedupVsOrtByMin?: number;
}

export interface BenchEnvironment {
  readonly adapterLabel: string;
  readonly adapter: AdapterSummary;
  /** Every field of GPUAdapterInfo the browser exposes. */
  readonly adapterInfo: Record<string, unknown>;
  readonly deviceFeatures: string[];
  readonly userAgent: string;
  readonly browserBrands?: { brand: string; version: string }[];
  readonly hardwareConcurrency: number;
  readonly ortVersion: string;
  readonly crossOriginIsolated: boolean;
}

export interface BenchResult {
  readonly schema: 'quant-gen-playground/kernel-bench@1';
  readonly startedAt: string;
  readonly durationS: number;
  readonly environment: BenchEnvironment;
  readonly config: BenchConfig;
  readonly method: Record<string, string>;
  readonly kernelVariants: KernelVariantReport;
  readonly measurements: Measurement[];
  readonly summary: SummaryRow[];
  readonly failures: CaseFailure[];
  readonly skipped: SkippedCase[];
}
