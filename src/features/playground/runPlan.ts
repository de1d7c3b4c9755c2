/**
 * Which samples a view needs and which of them are already on screen: results are cached per cell (model,
 * class, seed, steps, column), so changing one column's bits regenerates that column only (the engine keeps
 * the fp32 reference of a (model, class, seed, steps) and does not sample it again).
 */
import type { ComparedRun, GenerateResult, ModelListEntry, RunSummary } from '../../worker/protocol';
import { choiceToSetting, isTrainedMethod, keyToChoice } from './quantChoice';
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
  readonly columns: readonly { readonly key: string; readonly setting: string; readonly modelId?: string }[];
}

export function rowKeyString(r: RowKey): string {
  return `${r.modelId}|c${r.classLabel}|s${r.seed}|n${r.steps}`;
}

export function cellKeyString(r: RowKey, column: string): string {
  return `${rowKeyString(r)}|${column}`;
}

/** Generator ids of the zoo follow `mnist-<family>-d<depth>`; trained students carry `quantTraining`. */
export function depthOf(id: string): number | undefined {
  const m = /-d(\d+)$/.exec(id);
  return m ? Number(m[1]) : undefined;
}

export function baseModels(models: readonly ModelListEntry[], family: 'var' | 'dit'): { id: string; depth: number; title: string }[] {
  return models
    .filter((m) => m.generator && m.family === family && !m.quantTraining && depthOf(m.id) !== undefined)
    .map((m) => ({ id: m.id, depth: depthOf(m.id)!, title: m.title }))
    .sort((a, b) => a.depth - b.depth);
}

/** The student bundle trained for (teacher, setting, method), if one is shipped. */
export function studentFor(models: readonly ModelListEntry[], teacher: string, setting: string, method: string): string | undefined {
  return models.find((m) => m.quantTraining?.teacher === teacher && m.quantTraining.method === method && m.quantTraining.setting === setting)?.id;
}

export function rowsOf(view: PlaygroundView, modelId: string): RowKey[] {
  return rowCells(view).map((c) => ({ modelId, classLabel: c.classLabel, seed: c.seed, steps: view.family === 'dit' ? view.steps : 0 }));
}

/**
 * The requests that bring every cell of the view on screen. A column with a trained method runs its student
 * bundle (`modelId`); one whose student is not shipped is skipped (the controls report it).
 */
export function planRequests(
  view: PlaygroundView,
  modelId: string,
  models: readonly ModelListEntry[],
  cells: ReadonlyMap<string, ComparedRun>,
  rows: ReadonlyMap<string, RowResult>,
): RowRequest[] {
  const requests: RowRequest[] = [];
  for (const row of rowsOf(view, modelId)) {
    const haveRow = rows.has(rowKeyString(row));
    const columns: RowRequest['columns'][number][] = [];
    for (const key of view.columns) {
      if (haveRow && cells.has(cellKeyString(row, key))) continue;
      const choice = keyToChoice(key);
      const setting = choiceToSetting(choice);
      if (isTrainedMethod(choice.method)) {
        const student = studentFor(models, modelId, setting, choice.method);
        if (student) columns.push({ key, setting, modelId: student });
      } else columns.push({ key, setting });
    }
    if (columns.length > 0 || !haveRow) requests.push({ row, columns });
  }
  return requests;
}
