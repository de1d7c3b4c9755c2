/**
 * How the scaling-law panel follows the playground: which (model, setting) each playground column runs, which
 * sweep points those are (the chart rings them), and which one "Measure as I change" measures (the active
 * column). Pure functions of the store's playground fields, so the slice, the chart and the tests agree.
 */
import { RTN, settingToString, type QuantSetting } from '../../quant/setting';
import type { QualityPoint } from '../../engine/quality/types';
import type { ModelsState } from '../playground/playgroundSlice';
import type { PlaygroundView } from '../playground/viewState';
// runPlan directly, not the feature's index (which mounts the panel and would import the store back).
import { studentFor } from '../playground/runPlan';

/** The playground fields this reads (a subset of the store, so tests can pass plain objects). */
export interface PlaygroundFields {
  readonly modelId: string;
  readonly playground: Pick<PlaygroundView, 'columns' | 'active'>;
  readonly models: ModelsState;
}

/** One playground column as a measurement: a trained student's column runs the student bundle at its RTN setting. */
export interface ColumnTarget {
  /** 0-based column index (the playground shows it 1-based). */
  readonly column: number;
  readonly active: boolean;
  /** The column's setting as the playground shows it (a student's with its trained method). */
  readonly shown: QuantSetting;
  /** The bundle measured and the setting it runs; modelId is undefined for a student that is not shipped. */
  readonly modelId: string | undefined;
  readonly setting: QuantSetting;
}

export function columnTargets(state: PlaygroundFields): ColumnTarget[] {
  const models = state.models.state === 'ready' ? state.models.models : [];
  return state.playground.columns.map((shown, column) => {
    const student = shown.method.kind === 'qat';
    return {
      column,
      active: column === state.playground.active,
      shown,
      modelId: student ? studentFor(models, state.modelId, shown) : state.modelId,
      setting: student ? { ...shown, method: RTN } : shown,
    };
  });
}

/** The active column: what "Measure as I change" measures. */
export function activeTarget(state: PlaygroundFields): ColumnTarget | undefined {
  return columnTargets(state).find((t) => t.active);
}

/** Equal keys: the same measurement (a change of anything else in the playground does not re-measure). */
export function targetKey(t: Pick<ColumnTarget, 'modelId' | 'setting'>): string {
  return `${t.modelId ?? '?'}|${settingToString(t.setting)}`;
}

export interface PlaygroundMark {
  readonly point: QualityPoint;
  /** 0-based columns that run this point (two columns never share a setting, so usually one). */
  readonly columns: readonly number[];
  readonly active: boolean;
}

/**
 * The points (first match wins: the sweep before points measured here) that the playground's columns run. A
 * column whose (model, setting) nobody measured has no mark; `unmarked` lists those columns.
 */
export function playgroundMarks(
  points: readonly QualityPoint[],
  targets: readonly ColumnTarget[],
): { marks: PlaygroundMark[]; unmarked: ColumnTarget[] } {
  const byKey = new Map<string, QualityPoint>();
  for (const p of points) {
    const key = targetKey(p);
    if (!p.partial && !byKey.has(key)) byKey.set(key, p);
  }
  const marks = new Map<string, { point: QualityPoint; columns: number[]; active: boolean }>();
  const unmarked: ColumnTarget[] = [];
  for (const t of targets) {
    const key = targetKey(t);
    const point = t.modelId === undefined ? undefined : byKey.get(key);
    if (!point) {
      unmarked.push(t);
      continue;
    }
    const mark = marks.get(key) ?? { point, columns: [], active: false };
    mark.columns.push(t.column);
    mark.active ||= t.active;
    marks.set(key, mark);
  }
  return { marks: [...marks.values()], unmarked };
}

/** "column 2" / "columns 1, 3" as the playground numbers them. */
export function columnsText(columns: readonly number[]): string {
  return `${columns.length === 1 ? 'column' : 'columns'} ${columns.map((c) => c + 1).join(', ')}`;
}
