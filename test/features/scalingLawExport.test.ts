import { describe, expect, it } from 'vitest';
import { parseSweep } from '../../src/features/scaling-law/sweepFile';
import { CSV_COLUMNS, exportFileName, exportRows, toCsv, toJson } from '../../src/features/scaling-law/exportData';
import { csvField } from '../../src/util/csv';
import type { SweepFile } from '../../src/engine/quality/types';
import { qualityPoint } from './scalingLawFixtures';

/** Independent RFC 4180 reader: quoted fields with doubled quotes and embedded separators. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  return rows;
}

const sweep: SweepFile = {
  formatVersion: 1,
  createdAt: '2026-11-24T09:30:00.000Z',
  adapter: 'SwiftShader, Chromium 156',
  config: { samples: 200, seed: 0, ditSteps: 50, ditSampler: 'ddim' },
  points: [
    qualityPoint({
      modelId: 'mnist-var-d2',
      depth: 2,
      setting: 'W4g128-A8',
      weightBits: 4,
      activationBits: 8,
      fd: 38.25,
      fdStdErr: 1.5,
    }),
    qualityPoint({
      modelId: 'mnist-dit-d4',
      depth: 4,
      setting: 'Wfp4g32',
      weightBits: 4,
      bitsPerWeight: 4.5,
      fd: 140.125,
      sampler: 'ddim',
    }),
    qualityPoint({
      modelId: 'mnist-var-d3-qat-topkld',
      depth: 3,
      setting: 'W3g128',
      method: 'qat-topkld',
      weightBits: 3,
      fd: 35,
    }),
  ],
};
const live = [
  qualityPoint({
    modelId: 'my "odd", model',
    setting: 'W2g128',
    weightBits: 2,
    fd: 77,
    samples: 37,
    kid: 0.0125,
    kidSe: 0.0031,
    engine: 'webgpu',
  }),
];
const sweepV2: SweepFile = {
  ...sweep,
  formatVersion: 2,
  realDataFloor: { samples: 200, fd: 9.5, fdStdErr: 0.4, kid: 0.0004, kidSe: 0.0002, source: '200 training digits' },
  points: sweep.points.map((p, i) => ({
    ...p,
    kid: 0.01 * (i + 1),
    kidSe: 0.002,
    kidLeaveOut: [0.01, 0.011],
    engine: 'pytorch' as const,
  })),
};

describe('CSV export', () => {
  it('writes one row per sweep and live point that reads back field for field', () => {
    const rows = parseCsv(toCsv(exportRows(sweep, live)));
    expect(rows[0]).toEqual([...CSV_COLUMNS]);
    expect(rows).toHaveLength(1 + 3 + 1);
    const col = (name: (typeof CSV_COLUMNS)[number]) => CSV_COLUMNS.indexOf(name);
    expect(rows.slice(1).map((r) => r[col('source')])).toEqual(['sweep', 'sweep', 'sweep', 'live']);
    expect(rows[1]![col('precision')]).toBe('W4A8');
    expect(rows.slice(1).map((r) => r[col('setting')])).toEqual(['W4g128-A8', 'Wfp4g32', 'W3g128', 'W2g128']);
    expect(rows[2]![col('precision')]).toBe('FP4');
    expect(rows[2]![col('sampler')]).toBe('ddim');
    expect(rows[1]![col('sampler')]).toBe('');
    expect(rows[3]![col('method')]).toBe('qat-topkld');
    expect(Number(rows[2]![col('fd')])).toBe(140.125);
    expect(Number(rows[1]![col('totalWeightBits')])).toBe(sweep.points[0]!.totalWeightBits);
    expect(rows[4]![col('modelId')]).toBe('my "odd", model');
    expect(rows[4]![col('samples')]).toBe('37');
    expect(rows.every((r) => r.length === CSV_COLUMNS.length)).toBe(true);
    // A formatVersion 1 point has no KID: empty cells, not 0.
    expect([rows[1]![col('kid')], rows[1]![col('kidSe')], rows[1]![col('engine')]]).toEqual(['', '', '']);
    expect([Number(rows[4]![col('kid')]), Number(rows[4]![col('kidSe')]), rows[4]![col('engine')]]).toEqual([
      0.0125,
      0.0031,
      'webgpu',
    ]);
  });

  it('carries KID, its error and the engine of formatVersion 2 points', () => {
    const rows = parseCsv(toCsv(exportRows(sweepV2, [])));
    const col = (name: (typeof CSV_COLUMNS)[number]) => CSV_COLUMNS.indexOf(name);
    expect(rows.slice(1).map((r) => [Number(r[col('kid')]), Number(r[col('kidSe')]), r[col('engine')]])).toEqual([
      [0.01, 0.002, 'pytorch'],
      [0.02, 0.002, 'pytorch'],
      [0.03, 0.002, 'pytorch'],
    ]);
  });

  it('quotes only what needs quoting and leaves non-finite numbers empty', () => {
    expect(csvField('W4g128')).toBe('W4g128');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField(Number.NaN)).toBe('');
    expect(csvField(undefined)).toBe('');
    expect(csvField(false)).toBe('false');
  });
});

describe('JSON export and file names', () => {
  it('keeps the sweep metadata with its points and the live points apart', () => {
    const parsed = JSON.parse(toJson(sweep, live));
    expect(parsed.sweep.adapter).toBe('SwiftShader, Chromium 156');
    expect(parsed.sweep.points).toHaveLength(3);
    expect(parsed.live[0].samples).toBe(37);
    // Settings leave as their canonical text, and a written file reads back as the same points.
    expect(parsed.sweep.points.map((p: { setting: string }) => p.setting)).toEqual(['W4g128-A8', 'Wfp4g32', 'W3g128']);
    expect(parsed.live[0].setting).toBe('W2g128');
    expect(parseSweep(parsed.sweep).sweep.points).toEqual(sweep.points);
    expect(JSON.parse(toJson(undefined, [])).sweep).toBeNull();
    const v2 = JSON.parse(toJson(sweepV2, live));
    expect(v2.sweep.formatVersion).toBe(2);
    expect(v2.sweep.realDataFloor).toEqual(sweepV2.realDataFloor);
    expect(v2.sweep.points[2].kidSe).toBe(0.002);
    expect(v2.live[0].kid).toBe(0.0125);
  });

  it('names files after the axis and the sweep date', () => {
    const date = new Date(sweep.createdAt);
    expect(exportFileName('transformerBits', 'csv', date)).toBe('scaling-law-total-bits-2026-11-24.csv');
    expect(exportFileName('computeBits', 'png', date)).toBe('scaling-law-compute-bits-2026-11-24.png');
    expect(exportFileName('computeBits', 'json', new Date('nonsense'))).toBe('scaling-law-compute-bits-undated.json');
  });
});
