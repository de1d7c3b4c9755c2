/**
 * Which sample-quality metric the charts plot (the metric selector): FD or KID, each with its jackknife
 * standard error, and the real-data floor of the sweep file at the same N. Pure functions, so the selector's
 * logic is unit-tested without React.
 */
import type { QualityPoint, RealDataFloor } from '../../engine/quality/types';

export type QualityMetric = 'fd' | 'kid';
export const QUALITY_METRICS: readonly QualityMetric[] = ['fd', 'kid'];

export const METRIC_LABEL: Readonly<Record<QualityMetric, string>> = { fd: 'FD', kid: 'KID' };
export const METRIC_TITLE: Readonly<Record<QualityMetric, string>> = {
  fd: 'FD (Fréchet distance of classifier features; biased upward at small N)',
  kid: 'KID (unbiased kernel distance; compares across N, can dip below 0)',
};

/** A point's value of one metric with its jackknife standard error and leave-one-group-out values. */
export interface MetricValue {
  readonly value: number;
  readonly stdError: number;
  readonly leaveOut?: readonly number[];
}

/** undefined when the point has no finite value of that metric (KID of a formatVersion 1 file). */
export function metricValue(p: QualityPoint, metric: QualityMetric): MetricValue | undefined {
  if (metric === 'fd')
    return Number.isFinite(p.fd) ? { value: p.fd, stdError: p.fdStdErr, leaveOut: p.fdLeaveOut } : undefined;
  if (p.kid === undefined || !Number.isFinite(p.kid)) return undefined;
  return { value: p.kid, stdError: p.kidSe ?? NaN, leaveOut: p.kidLeaveOut };
}

export interface MetricChoice {
  /** The metric the charts plot. */
  readonly metric: QualityMetric;
  /** Per metric: whether any point has it (a selector option without points is disabled). */
  readonly available: Readonly<Record<QualityMetric, boolean>>;
  /** Why the wanted metric is not the one plotted, when it is not. */
  readonly notice?: string;
}

/**
 * The metric to plot: the wanted one when some point has it, else FD (every point has FD). With no points at
 * all the wanted one stands (nothing to fall back from).
 */
export function chooseMetric(wanted: QualityMetric, points: readonly QualityPoint[]): MetricChoice {
  const available = { fd: false, kid: false };
  for (const p of points) for (const m of QUALITY_METRICS) if (metricValue(p, m)) available[m] = true;
  if (points.length === 0 || available[wanted]) return { metric: wanted, available };
  const fallback = QUALITY_METRICS.find((m) => available[m]) ?? 'fd';
  return {
    metric: fallback,
    available,
    notice: `No point has ${METRIC_LABEL[wanted]} (the sweep file predates it, or the classifier bundle ships no KID reference), so the charts show ${METRIC_LABEL[fallback]}.`,
  };
}

/** KID can be negative, so it has no log axis: the y scale actually used. */
export function yScaleFor(metric: QualityMetric, wanted: 'linear' | 'log'): 'linear' | 'log' {
  return metric === 'kid' ? 'linear' : wanted;
}

/** The floor band of one metric: value ± its error, only when measured at the points' N. */
export function floorBand(
  floor: RealDataFloor | undefined,
  metric: QualityMetric,
  samples: number,
): { value: number; low: number; high: number; samples: number } | undefined {
  if (!floor || floor.samples !== samples) return undefined;
  const [value, se] = metric === 'fd' ? [floor.fd, floor.fdStdErr] : [floor.kid, floor.kidSe];
  if (!Number.isFinite(value)) return undefined;
  const half = Number.isFinite(se) ? se : 0;
  return { value, low: value - half, high: value + half, samples };
}

/** Value ± error as text with digits that suit the metric (FD ~1-1000, KID ~0.001-1). */
export function formatMetric(metric: QualityMetric, value: number, stdError?: number): string {
  const digits = metric === 'fd' ? 1 : 4;
  const v = value.toFixed(digits);
  return stdError === undefined || !Number.isFinite(stdError) ? v : `${v} ± ${stdError.toFixed(digits)}`;
}
