/**
 * Sample quality of one (model, setting): what the scaling-law chart plots. The same type is streamed while
 * samples accumulate (the live point), returned when the measurement ends, and stored in the shipped sweep
 * file (public/sweeps/mnist-sweep.json, written by `npm run sweep` through the same engine).
 */
import type { ModelFamily } from '../../models/bundle/types';
import type { PairedMetrics } from './pairedSamples';
import type { QuantSetting } from '../../quant/setting';
import type { DitSamplerName } from '../generation/types';
import type { BitAccounting } from './bitAccounting';

export interface MeasureQualityParams {
  readonly modelId: string;
  /** The setting (src/quant/setting.ts), FULL_PRECISION included. */
  readonly setting: QuantSetting;
  /** Samples to generate, classes balanced (label = i mod numClasses). */
  readonly samples: number;
  /** Images per sampler call; default chosen by the engine. */
  readonly batch?: number;
  /** Seed of the first sample's draws; sample i uses seed + i. Default 0. */
  readonly seed?: number;
  /** DiT: respaced steps and sampler (default: the manifest's). */
  readonly steps?: number;
  readonly sampler?: DitSamplerName;
  readonly cfg?: number;
  /**
   * Also generate fp32's samples on the same draws and report paired per-sample metrics (PSNR against fp32's
   * image, label agreement, VAR token agreement; QualityPoint.paired). Doubles the sampling; the live point asks
   * for it, the sweep does not. Ignored for fp32.
   */
  readonly paired?: boolean;
}

/** What measured a point: the app's WebGPU engine (`npm run sweep`, the live point) or the PyTorch reference of the same quantizers. */
export type QualityEngine = 'webgpu' | 'pytorch';

export interface QualityPoint {
  readonly modelId: string;
  readonly family: ModelFamily;
  /** Transformer depth: the model size the chart draws one point per. */
  readonly depth: number;
  /** The setting measured: an object inside the app; printed only where a point leaves it (sweepRow.ts). */
  readonly setting: QuantSetting;
  /** 'rtn' | 'clip' | 'sq0.5-folded' (SmoothQuant folded into qkv/fc1; 'sq0.5' in old files: every Linear, run-time 1/s) | 'gptq128' (GPTQ with its calibration images; 'gptq' in old files: 10) | a trained method such as 'qat-topkld' (from the bundle). */
  readonly method: string;
  /** Quantised (Linear) parameters and all parameters of the generator. */
  readonly linearParams: number;
  readonly totalParams: number;
  /** Code bits per weight (32 for fp32), and bits the GPU stores per Linear weight with scales (16 for fp32: f16 weights). */
  readonly weightBits: number;
  readonly bitsPerWeight: number;
  /** Activation bits fed to the Linears (32 when not quantised). */
  readonly activationBits: number;
  /**
   * Scaling-law x, "all transformer bits": stored Linear bits (codes + scales; unquantised Linears at 16) + the
   * rest of the params x 16 (bundles store f16). formatVersion 1 files counted unquantised parameters at 32.
   */
  readonly totalWeightBits: number;
  /** "Quantised Linear bits": the Linears of the setting's layer list as stored (at 16 bits where not quantised). Absent in files before 2026-12-03. */
  readonly linearBits?: number;
  /** "All transformer bits" (= totalWeightBits in new points). Absent in files before 2026-12-03. */
  readonly transformerBits?: number;
  /**
   * Compute-bits view (bit operations per token of the quantised Linears, "BOPs"): linear params x weight code
   * bits x activation bits (32 for unquantised activations). Weight-only and W+A settings meet on one axis.
   */
  readonly computeBits: number;
  readonly samples: number;
  /** FD (classifier features vs MNIST test statistics); needs 3+ samples. */
  readonly fd: number;
  /** Jackknife standard error of fd. */
  readonly fdStdErr: number;
  /**
   * FD with each of the jackknife's groups left out. Two points measured with the same seed, N, steps and cfg
   * share their random draws sample by sample, and these give the paired error of their difference (src/metrics
   * pairedDifference). Groups: sample r (class r mod 10) is in group floor(r / 10) mod g from formatVersion 2
   * on (src/metrics/jackknife.ts); in formatVersion 1 files it was group r mod 10, one class per group, which
   * overstates the errors several times. Absent in files measured before 2026-12-02.
   */
  readonly fdLeaveOut?: readonly number[];
  /**
   * KID (unbiased cubic-polynomial MMD² with a class-stratified sample term, src/metrics/kid.ts) against the
   * classifier's test-split features, its jackknife standard error and leave-one-group-out values (the same
   * groups as fdLeaveOut). Absent where the classifier bundle ships no kid-reference file, and in files
   * before formatVersion 2.
   */
  readonly kid?: number;
  readonly kidSe?: number;
  /** Paired per-sample metrics against fp32 on the same draws (MeasureQualityParams.paired), with their errors. */
  readonly paired?: PairedMetrics;
  readonly kidLeaveOut?: readonly number[];
  /** Which engine measured it; absent in formatVersion 1 files (all measured by the WebGPU engine). */
  readonly engine?: QualityEngine;
  /** Seed of the first sample (sample i used seed + i); absent in files measured before 2026-12-02. */
  readonly seed?: number;
  readonly accuracy: number;
  readonly steps: number;
  readonly cfg: number;
  readonly sampler?: DitSamplerName;
  /** True while samples are still accumulating (streamed partials). */
  readonly partial: boolean;
  readonly ms: number;
}

/**
 * FD and KID of N real digits (not in the reference), ordered like the generators' samples (digit i of class
 * i mod 10) and scored the same way: what a perfect generator would score at that N. Drawn as a band.
 */
export interface RealDataFloor {
  /** N: equal to config.samples, so the floor compares with the points. */
  readonly samples: number;
  readonly fd: number;
  readonly fdStdErr: number;
  readonly kid: number;
  readonly kidSe: number;
  /** Where the digits came from, e.g. "2000 training digits (not in the reference)". */
  readonly source: string;
}

/**
 * formatVersion 2 (issue 11): class-balanced jackknife groups, per point kid/kidSe/kidLeaveOut and engine, and
 * realDataFloor. formatVersion 1 files (class-aligned groups, FD only) still load, with a notice.
 */
export interface SweepFile {
  readonly formatVersion: 1 | 2;
  readonly createdAt: string;
  /** Adapter description and the browser it ran in: numbers are only comparable within one file. */
  readonly adapter: string;
  readonly config: {
    readonly samples: number;
    readonly seed: number;
    readonly ditSteps: number;
    readonly ditSampler: DitSamplerName;
    /** Images per sampler call (speed only: a sample's draws depend on its index, not on the batch). */
    readonly batch?: number;
    /** VAR's token draw (docs/sampling.md); absent in files measured with the earlier inverse-CDF draw. */
    readonly varDraw?: 'gumbel-max';
  };
  /** sha256 of each measured bundle's weights (from its manifest): how a resumed sweep knows a point is still current. */
  readonly weights?: Readonly<Record<string, string | null>>;
  /** FD and KID of real digits at N = config.samples; absent in formatVersion 1 files. */
  readonly realDataFloor?: RealDataFloor;
  readonly points: readonly QualityPoint[];
}

/**
 * A point as a sweep file, a JSON export and `tools/sweep` write it: the setting as its canonical text
 * (src/quant/setting.ts settingToString). sweepRow.ts converts both ways; nothing else prints or parses it.
 */
export type SweepRow = Omit<QualityPoint, 'setting'> & { readonly setting: string };

export interface PointSizeParams {
  readonly modelId: string;
  readonly setting: QuantSetting;
}

/** A point's size axes (src/engine/quality/bitAccounting.ts) and method name, with nothing measured. */
export interface PointSize extends BitAccounting {
  readonly modelId: string;
  readonly setting: QuantSetting;
  readonly method: string;
}

/** A PointSize in a sizes file: the setting in its text form (sweepRow.ts prints it). */
export type SizeRow = Omit<PointSize, 'setting'> & { readonly setting: string };
