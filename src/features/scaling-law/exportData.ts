/**
 * What the export links download: every plotted point (the shipped sweep and the points measured live in
 * this browser) as CSV and JSON, with file names that say what and when.
 */
import { pointBits, type BitsAxis } from './bitsAxis';
import type { QualityPoint, SweepFile } from '../../engine/quality/types';
import { toSweepRow } from '../../engine/quality/sweepRow';
import { precisionOf } from './precision';
import { csvField } from '../../util/csv';

export type PointSource = 'sweep' | 'live';

export interface ExportRow {
  readonly source: PointSource;
  readonly point: QualityPoint;
}

export const CSV_COLUMNS = [
  'source',
  'modelId',
  'family',
  'depth',
  'setting',
  'precision',
  'method',
  'linearParams',
  'totalParams',
  'weightBits',
  'bitsPerWeight',
  'activationBits',
  'totalWeightBits',
  'linearBits',
  'transformerBits',
  'computeBits',
  'samples',
  'fd',
  'fdStdErr',
  'kid',
  'kidSe',
  'accuracy',
  'steps',
  'cfg',
  'sampler',
  'partial',
  'engine',
  'ms',
] as const;

export function toCsv(rows: readonly ExportRow[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const { source, point } of rows) {
    const record: Partial<Record<(typeof CSV_COLUMNS)[number], unknown>> = {
      ...toSweepRow(point),
      // Derived for points written before these fields existed (bitsAxis.ts pointBits).
      ...pointBits(point),
      source,
      precision: precisionOf(point).label,
    };
    lines.push(CSV_COLUMNS.map((c) => csvField(record[c])).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** The sweep's metadata (adapter, config) travels with the points: numbers only compare within one run. */
export function toJson(sweep: SweepFile | undefined, live: readonly QualityPoint[]): string {
  return JSON.stringify(
    {
      sweep: sweep
        ? {
            formatVersion: sweep.formatVersion,
            createdAt: sweep.createdAt,
            adapter: sweep.adapter,
            config: sweep.config,
            ...(sweep.realDataFloor ? { realDataFloor: sweep.realDataFloor } : {}),
            points: sweep.points.map(toSweepRow),
          }
        : null,
      live: live.map(toSweepRow),
    },
    null,
    2,
  );
}

export function exportRows(sweep: SweepFile | undefined, live: readonly QualityPoint[]): ExportRow[] {
  return [
    ...(sweep?.points ?? []).map((point) => ({ source: 'sweep' as const, point })),
    ...live.map((point) => ({ source: 'live' as const, point })),
  ];
}

/** "scaling-law-total-bits-2026-11-25.csv": the axis shown and the day of the sweep (or today without one). */
export function exportFileName(axis: BitsAxis, ext: 'csv' | 'json' | 'png', date: Date): string {
  const day = Number.isNaN(date.getTime()) ? 'undated' : date.toISOString().slice(0, 10);
  const name = axis === 'computeBits' ? 'compute-bits' : axis === 'linearBits' ? 'linear-bits' : 'total-bits';
  return `scaling-law-${name}-${day}.${ext}`;
}
