/**
 * What the playground can hand to a report: every cell's numbers as CSV, everything (per-step errors
 * included) as JSON, and the sample grid as a PNG drawn from the same pixels the page shows.
 */
import type { ComparedRun, RunSummary } from '../../worker/protocol';
import { csvField } from '../../util/csv';
import { GREY_32, imagePixels, type ImageLayout } from './imagePixels';
import { settingToString } from '../../quant/setting';
import { settingLabel } from '../../quant/settingEditor';
import { cellKeyString, rowKeyString, rowsOf, type RowKey, type RowResult } from './runPlan';
import { tokensKept } from './traces';
import type { PlaygroundView } from './viewState';

export interface ExportCell {
  readonly row: RowKey;
  /** The column's setting as the export writes it ('fp32' for the reference). */
  readonly column: string;
  readonly run: RunSummary | ComparedRun;
}

/** fp32 first, then the view's columns, row by row; cells not generated yet are left out. */
export function exportCells(
  view: PlaygroundView,
  modelId: string,
  cells: ReadonlyMap<string, ComparedRun>,
  rows: ReadonlyMap<string, RowResult>,
): ExportCell[] {
  const out: ExportCell[] = [];
  for (const row of rowsOf(view, modelId)) {
    const result = rows.get(rowKeyString(row));
    if (!result) continue;
    out.push({ row, column: 'fp32', run: result.reference });
    for (const key of view.columns) {
      const run = cells.get(cellKeyString(row, key));
      if (run) out.push({ row, column: settingToString(key), run });
    }
  }
  return out;
}

const CSV_COLUMNS = [
  'model',
  'class',
  'seed',
  'steps',
  'column',
  'setting',
  'ranModel',
  'psnrDb',
  'outputRelL2',
  'predictedLabel',
  'confidence',
  'bitsPerWeight',
  'weightBytes',
  'ms',
  'finalStateRelL2',
  'tokensAsFp32',
  'tokens',
] as const;

export function cellsToCsv(cells: readonly ExportCell[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const { row, column, run } of cells) {
    const compared = 'steps' in run ? run : undefined;
    const last = compared?.steps[compared.steps.length - 1];
    const finalState = last ? (last.kind === 'var' ? last.fHatRelL2 : last.xRelL2) : undefined;
    const kept = compared ? tokensKept(compared.steps) : undefined;
    const values = [
      row.modelId,
      row.classLabel,
      row.seed,
      row.steps || '',
      column,
      settingToString(run.setting),
      run.modelId ?? row.modelId,
      compared?.psnr,
      compared?.outputRelL2,
      run.prediction?.label,
      run.prediction?.confidence,
      run.memory.bitsPerWeight,
      run.memory.weightBytes,
      run.ms,
      finalState,
      kept?.same,
      kept?.total,
    ];
    // Infinity (a PSNR of identical images) and NaN are written out, not left empty.
    lines.push(values.map((v) => csvField(typeof v === 'number' && !Number.isFinite(v) ? String(v) : v)).join(','));
  }
  return `${lines.join('\n')}\n`;
}

export function cellsToJson(view: PlaygroundView, cells: readonly ExportCell[]): string {
  return JSON.stringify(
    {
      view: { ...view, columns: view.columns.map(settingToString) },
      cells: cells.map(({ row, column, run }) => ({
        ...row,
        column,
        ...run,
        setting: settingToString(run.setting),
        output: Array.from(run.output),
      })),
    },
    (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v),
    1,
  );
}

/**
 * The grid as one PNG: a column per setting, a row per (class, seed), labels on top; 32x32 samples magnified 4x,
 * 256x256 ones at their own size.
 */
export async function cellsToPng(
  view: PlaygroundView,
  cells: readonly ExportCell[],
  layout: ImageLayout = GREY_32,
): Promise<Blob> {
  const size = layout.size;
  const scale = size <= 64 ? 4 : 1;
  const pad = 10;
  const header = 34;
  const columns = ['fp32', ...view.columns.map(settingToString)];
  const labels = ['fp32', ...view.columns.map(settingLabel)];
  const rowKeys = [...new Set(cells.map((c) => rowKeyString(c.row)))];
  const cellW = size * scale + pad;
  const canvas = document.createElement('canvas');
  canvas.width = columns.length * cellW + pad;
  canvas.height = header + rowKeys.length * (size * scale + pad) + pad;
  const ctx = canvas.getContext('2d')!;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.fillStyle = '#1d2330';
  ctx.font = '12px sans-serif';
  labels.forEach((label, i) => ctx.fillText(label, pad + i * cellW, 20));
  const tile = document.createElement('canvas');
  tile.width = size;
  tile.height = size;
  const tileCtx = tile.getContext('2d')!;
  ctx.imageSmoothingEnabled = false;
  for (const { row, column, run } of cells) {
    const r = rowKeys.indexOf(rowKeyString(row));
    const c = columns.indexOf(column);
    tileCtx.putImageData(new ImageData(new Uint8ClampedArray(imagePixels(run.output, layout)), size, size), 0, 0);
    ctx.drawImage(tile, pad + c * cellW, header + r * (size * scale + pad), size * scale, size * scale);
  }
  return new Promise((resolve, reject) =>
    canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('The browser could not encode the PNG.'))), 'image/png'),
  );
}
