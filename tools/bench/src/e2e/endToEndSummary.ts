/**
 * The end-to-end bench's summary rows: medians and ratios, computed only from measurements of the same run
 * (the fp32 row of the same model and batch; onnxruntime's forward of the same model). Pure, unit-tested.
 */
import type { ModelFamily } from '../../../../src/models/bundle/types';
import type { ForwardMeasurement, ImageMeasurement, LatencyMeasurement } from './endToEndTypes';

export interface ImageSummaryRow {
  readonly model: string;
  readonly family: ModelFamily;
  readonly setting: string;
  readonly batch: number;
  readonly steps: number;
  readonly bitsPerWeight: number;
  readonly reps: number;
  /** Medians per image, ms. */
  readonly totalMs: number;
  readonly sampleMs: number;
  readonly decodeMs: number;
  /** Sampling median / steps. */
  readonly msPerStep: number;
  /** fp32 total median / this total median (> 1: faster than fp32), same model and batch, same run. */
  readonly speedupVsFp32?: number;
  /** The same ratio of the sampling medians (the decoder is the same ONNX graph for every setting). */
  readonly sampleSpeedupVsFp32?: number;
  /** fp32 min / this min of the totals: less sensitive to other load on a CPU adapter (interference only adds time). */
  readonly speedupVsFp32ByMin?: number;
  readonly loadMs: number;
}

export interface ForwardSummaryRow {
  readonly model: string;
  readonly params: number;
  readonly impl: ForwardMeasurement['impl'];
  readonly setting: string;
  readonly medianMs: number;
  readonly minMs: number;
  /** onnxruntime median / this median (> 1: faster than onnxruntime), same model, same run. */
  readonly speedupVsOrt?: number;
  readonly speedupVsOrtByMin?: number;
  readonly relErrorVsOrt: number;
}

export interface LatencySummaryRow {
  readonly model: string;
  readonly family: ModelFamily;
  readonly steps: number;
  readonly reps: number;
  readonly uncachedMedianMs: number;
  readonly uncachedMinMs: number;
  readonly cachedMedianMs: number;
  /** Uncached median - cached median: what a not-yet-cached setting adds (quantise + upload + first use). */
  readonly uncachedExtraMs: number;
  readonly coldMs: number;
}

export interface EndToEndSummary {
  readonly images: ImageSummaryRow[];
  readonly forward: ForwardSummaryRow[];
  readonly latency: LatencySummaryRow[];
}

const ratio = (baseline: number | undefined, value: number): number | undefined =>
  baseline === undefined || !(value > 0) ? undefined : baseline / value;

export function summarizeImages(measurements: readonly ImageMeasurement[]): ImageSummaryRow[] {
  return measurements.map((m) => {
    const fp32 = measurements.find((b) => b.model === m.model && b.batch === m.batch && b.setting === 'fp32');
    return {
      model: m.model,
      family: m.family,
      setting: m.setting,
      batch: m.batch,
      steps: m.steps,
      bitsPerWeight: m.bitsPerWeight,
      reps: m.total.samplesMs.length,
      totalMs: m.total.medianMs,
      sampleMs: m.sample.medianMs,
      decodeMs: m.decode.medianMs,
      msPerStep: m.sample.medianMs / m.steps,
      speedupVsFp32: ratio(fp32?.total.medianMs, m.total.medianMs),
      sampleSpeedupVsFp32: ratio(fp32?.sample.medianMs, m.sample.medianMs),
      speedupVsFp32ByMin: ratio(fp32?.total.minMs, m.total.minMs),
      loadMs: m.loadMs,
    };
  });
}

export function summarizeForward(measurements: readonly ForwardMeasurement[]): ForwardSummaryRow[] {
  return measurements.map((m) => {
    const ort = measurements.find((b) => b.model === m.model && b.impl === 'onnxruntime-web');
    return {
      model: m.model,
      params: m.params,
      impl: m.impl,
      setting: m.setting,
      medianMs: m.wall.medianMs,
      minMs: m.wall.minMs,
      speedupVsOrt: ratio(ort?.wall.medianMs, m.wall.medianMs),
      speedupVsOrtByMin: ratio(ort?.wall.minMs, m.wall.minMs),
      relErrorVsOrt: m.relErrorVsOrt,
    };
  });
}

export function summarizeLatency(measurements: readonly LatencyMeasurement[]): LatencySummaryRow[] {
  return measurements.map((m) => ({
    model: m.model,
    family: m.family,
    steps: m.steps,
    reps: m.samples.length,
    uncachedMedianMs: m.uncached.medianMs,
    uncachedMinMs: m.uncached.minMs,
    cachedMedianMs: m.cached.medianMs,
    uncachedExtraMs: m.uncached.medianMs - m.cached.medianMs,
    coldMs: m.coldMs,
  }));
}

export function summarizeEndToEnd(
  images: readonly ImageMeasurement[],
  forward: readonly ForwardMeasurement[],
  latency: readonly LatencyMeasurement[],
): EndToEndSummary {
  return { images: summarizeImages(images), forward: summarizeForward(forward), latency: summarizeLatency(latency) };
}
