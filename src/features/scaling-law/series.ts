/**
 * Sweep points → chart curves: one curve per (family, precision, method), connecting that family's model
 * sizes in order of bits. Colours follow the precision (the same in the VAR and DiT charts), marker shapes
 * follow the method.
 */
import { settingToString } from '../../quant/setting';
import type { ModelFamily } from '../../models/bundle/types';
import type { QualityPoint } from '../../engine/quality/types';
import { metricValue, type QualityMetric } from './metric';
import { methodLabel, modifiersLabel, precisionOf } from './precision';

import { axisValue, type BitsAxis } from './bitsAxis';
export type { BitsAxis } from './bitsAxis';
export type MarkerShape = 'circle' | 'cross' | 'diamond' | 'square' | 'star' | 'triangle' | 'wye';

/** One plotted point: the x of the chosen axis, the y of the chosen metric, plus what the tooltip needs. */
export interface ChartPoint {
  readonly x: number;
  /** The plotted metric's value and jackknife standard error (metric.ts). */
  readonly value: number;
  readonly stdError: number;
  readonly metric: QualityMetric;
  readonly fd: number;
  readonly fdStdErr: number;
  readonly kid?: number;
  readonly kidSe?: number;
  readonly samples: number;
  readonly accuracy: number;
  readonly modelId: string;
  readonly family: ModelFamily;
  readonly depth: number;
  /** The setting as the tooltip prints it. */
  readonly settingText: string;
  readonly method: string;
  readonly precision: string;
  readonly partial: boolean;
  /** Which engine measured it (absent in formatVersion 1 files: the WebGPU engine). */
  readonly engine?: QualityPoint['engine'];
}

export interface ChartSeries {
  readonly id: string;
  readonly family: ModelFamily;
  readonly precision: string;
  readonly method: string;
  /** Legend text: "W4", "W4 · GPTQ", "W4 g32" when one precision was swept at several granularities. */
  readonly name: string;
  readonly color: string;
  readonly shape: MarkerShape;
  /** Non-RTN methods are dashed so they read as variations of the RTN curve of the same colour. */
  readonly dashed: boolean;
  readonly points: readonly ChartPoint[];
}

export function toChartPoint(p: QualityPoint, axis: BitsAxis, metric: QualityMetric = 'fd'): ChartPoint {
  const m = metricValue(p, metric);
  return {
    x: axisValue(p, axis),
    value: m?.value ?? NaN,
    stdError: m?.stdError ?? NaN,
    metric,
    fd: p.fd,
    fdStdErr: p.fdStdErr,
    ...(p.kid !== undefined ? { kid: p.kid, kidSe: p.kidSe } : {}),
    samples: p.samples,
    accuracy: p.accuracy,
    modelId: p.modelId,
    family: p.family,
    depth: p.depth,
    settingText: settingToString(p.setting),
    method: p.method,
    precision: precisionOf(p).label,
    partial: p.partial,
    ...(p.engine ? { engine: p.engine } : {}),
  };
}

// Fixed colours for the precisions the sweep grid uses, so a curve keeps its colour as the sweep grows:
// blues for 8 bits, greens for 6, orange/purple/pink for 4, reds for 3 and 2 (more bits, cooler colour).
const FP32_COLOR = '#1d2330';
const PRECISION_COLORS: Readonly<Record<string, string>> = {
  FP32: FP32_COLOR,
  W8: '#0072b2',
  W8A8: '#56b4e9',
  FP8e4m3: '#17becf',
  FP8e5m2: '#4e79a7',
  W6: '#009e73',
  FP6e2m3: '#59a14f',
  FP6e3m2: '#8cd17d',
  W4: '#e69f00',
  W4A8: '#cc79a7',
  FP4: '#9467bd',
  W3: '#d55e00',
  W2: '#a50f15',
};
/** Points measured in this browser (live and finished): a colour no precision curve uses. */
export const LIVE_COLOR = '#d4007f';
export const FRONTIER_COLOR = '#6b7487';
/** The rings around the points the playground's columns run: dark, so they read over every precision colour. */
export const PLAYGROUND_COLOR = '#111827';

/** A point the playground's columns run, with the columns' label ("column 2") for the ring and the tooltip. */
export interface MarkedPoint extends ChartPoint {
  readonly columnsLabel: string;
  readonly active: boolean;
}

/** Key of a point on a chart, so a tooltip over any marker of it can say whether the playground runs it. */
export const chartPointKey = (p: Pick<ChartPoint, 'modelId' | 'settingText'>): string =>
  `${p.modelId}|${p.settingText}`;

// For precisions outside the grid (other activation bits, W5, W7...): colours none of the above uses.
const SPARE_COLORS = ['#8c564b', '#bcbd22', '#7f7f7f', '#f28e2b', '#b07aa1', '#ff9da7', '#9c755f', '#76b7b2'];

/** Precision label → colour, stable for the whole data set so both charts agree. */
export function precisionColors(points: readonly QualityPoint[]): Map<string, string> {
  const ranks = new Map<string, number>();
  for (const p of points) {
    const { label, rank } = precisionOf(p);
    ranks.set(label, Math.max(rank, ranks.get(label) ?? -Infinity));
  }
  const labels = [...ranks.keys()].sort((a, b) => ranks.get(b)! - ranks.get(a)! || a.localeCompare(b));
  const colors = new Map<string, string>();
  let spare = 0;
  for (const label of labels)
    colors.set(label, PRECISION_COLORS[label] ?? SPARE_COLORS[spare++ % SPARE_COLORS.length]!);
  return colors;
}

export function methodShape(method: string): MarkerShape {
  if (method === 'rtn') return 'circle';
  if (method === 'clip') return 'square';
  if (method.startsWith('sq')) return 'diamond';
  if (method.startsWith('gptq')) return 'triangle';
  if (method === 'qat-topkld') return 'star';
  if (method === 'qat-fkl') return 'wye';
  if (method === 'qat-rkl') return 'square';
  return 'cross';
}

/** Curves of one chart. Partial (streamed) points, and points without the metric, are never part of a curve. */
export function buildSeries(
  points: readonly QualityPoint[],
  axis: BitsAxis,
  colors = precisionColors(points),
  metric: QualityMetric = 'fd',
): ChartSeries[] {
  const groups = new Map<string, { first: QualityPoint; rank: number; byVariant: Map<string, QualityPoint[]> }>();
  for (const p of points) {
    if (p.partial || !(axisValue(p, axis) > 0) || !metricValue(p, metric)) continue;
    const precision = precisionOf(p);
    const key = `${p.family}|${precision.label}|${p.method}|${modifiersLabel(p.setting)}`;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { first: p, rank: precision.rank, byVariant: new Map() }));
    const list = group.byVariant.get(precision.variant) ?? [];
    list.push(p);
    group.byVariant.set(precision.variant, list);
  }
  const series: Array<ChartSeries & { rank: number }> = [];
  for (const [key, group] of groups) {
    const { family, method } = group.first;
    const label = precisionOf(group.first).label;
    const modifiers = modifiersLabel(group.first.setting);
    // One precision swept at several granularities would zig-zag as one curve: split it and say why.
    const split = group.byVariant.size > 1;
    for (const [variant, list] of group.byVariant) {
      const precisionName = split && variant ? `${label} ${variant}` : label;
      series.push({
        id: split ? `${key}|${variant}` : key,
        family,
        precision: label,
        method,
        name: [precisionName, modifiers, method === 'rtn' ? '' : methodLabel(method)].filter(Boolean).join(' · '),
        color: colors.get(label) ?? FP32_COLOR,
        shape: methodShape(method),
        // Methods and modifiers are dashed so they read as variations of the plain curve of the same colour.
        dashed: method !== 'rtn' || modifiers !== '',
        points: dedupeByModel(list)
          .map((p) => toChartPoint(p, axis, metric))
          .sort((a, b) => a.x - b.x),
        rank: group.rank,
      });
    }
  }
  series.sort(
    (a, b) =>
      b.rank - a.rank || Number(b.method === 'rtn') - Number(a.method === 'rtn') || a.name.localeCompare(b.name),
  );
  return series.map(({ rank: _rank, ...s }) => s);
}

/** A setting measured twice on one model (re-runs): the measurement with more samples wins. */
function dedupeByModel(points: readonly QualityPoint[]): QualityPoint[] {
  const best = new Map<string, QualityPoint>();
  for (const p of points) {
    const key = `${p.modelId}|${settingToString(p.setting)}`;
    const kept = best.get(key);
    if (!kept || p.samples > kept.samples) best.set(key, p);
  }
  return [...best.values()];
}

export const familyLabel = (family: ModelFamily): string => (family === 'var' ? 'VAR' : 'DiT');
