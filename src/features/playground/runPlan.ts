/**
 * Which samples a view needs and which of them are already on screen: results are cached per cell (model,
 * class, seed, steps, column), so changing one column's bits regenerates that column only (the engine keeps
 * the fp32 reference of a (model, class, seed, steps) and does not sample it again).
 */
import type { GenerateResult, ModelListEntry, RunSummary } from '../../worker/protocol';
import { sameSetting, settingToString, type QuantSetting } from '../../quant/setting';
import type { ModelFamily } from '../../models/bundle/types';
import { rowCells, type PlaygroundView } from './viewState';

export interface RowKey {
  readonly modelId: string;
  readonly classLabel: number;
  readonly seed: number;
  /** DiT steps; 0 for VAR. */
  readonly steps: number;
}

export interface RowResult {
  readonly reference: RunSummary;
  readonly outputKind: GenerateResult['outputKind'];
  readonly outputShape: readonly number[];
  readonly notes: readonly string[];
  readonly stepCount: number;
}

/** What one engine request must run for one row: the columns missing from the cache. */
export interface RowRequest {
  readonly row: RowKey;
  readonly columns: readonly { readonly key: string; readonly setting: QuantSetting; readonly modelId?: string }[];
}

export function rowKeyString(r: RowKey): string {
  return `${r.modelId}|c${r.classLabel}|s${r.seed}|n${r.steps}`;
}

/** A cell's cache key: the row and the column's setting, printed (the one text form, so equal settings share it). */
export function cellKeyString(r: RowKey, column: QuantSetting): string {
  return `${rowKeyString(r)}|${settingToString(column)}`;
}

/** Generator ids of the zoo follow `mnist-<family>-d<depth>`; trained students carry `quantTraining`. */
export function depthOf(id: string): number | undefined {
  const m = /-d(\d+)$/.exec(id);
  return m ? Number(m[1]) : undefined;
}

export function baseModels(
  models: readonly ModelListEntry[],
  family: ModelFamily,
): { id: string; depth: number; title: string }[] {
  return models
    .filter((m) => m.generator && m.family === family && !m.quantTraining && depthOf(m.id) !== undefined)
    .map((m) => ({ id: m.id, depth: depthOf(m.id)!, title: m.title }))
    .sort((a, b) => a.depth - b.depth);
}

/** The setting a student bundle was trained for, its trained method included (parsed by the engine's model list). */
export function studentSetting(m: ModelListEntry): QuantSetting | undefined {
  return m.quantTraining?.setting;
}

/** The student bundle of `teacher` trained for `setting` (a trained method), if one is shipped. */
export function studentFor(
  models: readonly ModelListEntry[],
  teacher: string,
  setting: QuantSetting,
): string | undefined {
  return models.find((m) => {
    const trained = m.quantTraining?.teacher === teacher ? studentSetting(m) : undefined;
    return trained !== undefined && sameSetting(trained, setting);
  })?.id;
}

export function rowsOf(view: PlaygroundView, modelId: string): RowKey[] {
  return rowCells(view).map((c) => ({
    modelId,
    classLabel: c.classLabel,
    seed: c.seed,
    steps: view.family === 'dit' ? view.steps : 0,
  }));
}

/**
 * The requests that bring every cell of the view on screen. A column with a trained method runs its student
 * bundle (`modelId`); one whose student is not shipped is skipped (the controls report it).
 */
export function planRequests(
  view: PlaygroundView,
  modelId: string,
  models: readonly ModelListEntry[],
  /** Cells already answered (a result, or a refusal: asking again would be refused again). */
  cells: ReadonlyMap<string, unknown>,
  rows: ReadonlyMap<string, RowResult>,
): RowRequest[] {
  const requests: RowRequest[] = [];
  for (const row of rowsOf(view, modelId)) {
    const haveRow = rows.has(rowKeyString(row));
    const columns: RowRequest['columns'][number][] = [];
    for (const setting of view.columns) {
      if (haveRow && cells.has(cellKeyString(row, setting))) continue;
      const key = settingToString(setting);
      if (setting.method.kind === 'qat') {
        const student = studentFor(models, modelId, setting);
        if (student) columns.push({ key, setting, modelId: student });
      } else columns.push({ key, setting });
    }
    if (columns.length > 0 || !haveRow) requests.push({ row, columns });
  }
  return requests;
}
