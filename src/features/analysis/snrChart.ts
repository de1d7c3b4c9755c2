/**
 * Chart data of the SNR view: one series per generator of (input SNR, output SNR) points, and the identity
 * line. An output identical to the clean run has infinite SNR; it is drawn at `ceiling` (above every finite
 * point and the identity line's end) and flagged, so the chart keeps a finite axis.
 */
import type { SnrCurve, SnrExperimentResult } from '../../engine/analysis/types';

export interface SnrChartPoint {
  readonly input: number;
  readonly output: number;
  /** True when the output was identical to the clean run's (drawn at the ceiling). */
  readonly identical: boolean;
  readonly tokensChanged?: number;
}

export interface SnrSeries {
  readonly key: string;
  readonly curve: SnrCurve;
  readonly points: readonly SnrChartPoint[];
}

export interface SnrChart {
  readonly series: readonly SnrSeries[];
  readonly identity: readonly { input: number; output: number }[];
  readonly ceiling: number;
  readonly domain: readonly [number, number];
}

export function snrChart(result: SnrExperimentResult): SnrChart {
  const inputs = result.curves.flatMap((c) => c.points.map((p) => p.inputSnrDb));
  const finite = result.curves.flatMap((c) => c.points.map((p) => p.outputSnrDb)).filter(Number.isFinite);
  const lo = Math.min(0, ...inputs, ...finite);
  const hi = Math.max(10, ...inputs);
  const ceiling = Math.ceil((Math.max(hi, ...finite) + 10) / 10) * 10;
  const series = result.curves.map((curve) => ({
    key: curve.modelId,
    curve,
    points: curve.points.map((p) => ({
      input: p.inputSnrDb,
      output: Number.isFinite(p.outputSnrDb) ? p.outputSnrDb : ceiling,
      identical: p.outputSnrDb === Infinity,
      tokensChanged: p.tokensChanged,
    })),
  }));
  return {
    series,
    identity: [
      { input: lo, output: lo },
      { input: hi, output: hi },
    ],
    ceiling,
    domain: [Math.floor(lo / 10) * 10, ceiling],
  };
}
