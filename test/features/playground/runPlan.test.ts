import { describe, expect, it } from 'vitest';
import type { ComparedRun, ModelListEntry } from '../../../src/worker/protocol';
import {
  baseModels,
  cellKeyString,
  planRequests,
  rowKeyString,
  rowsOf,
  type RowResult,
} from '../../../src/features/playground/runPlan';
import { DEFAULT_VIEW } from '../../../src/features/playground/viewState';
import { parseSetting, settingToString } from '../../../src/quant/setting';

const entry = (id: string, family: 'var' | 'dit', extra: Partial<ModelListEntry> = {}): ModelListEntry => ({
  id,
  family,
  title: id,
  params: { total: 1, linear: 1 },
  metrics: null,
  generator: true,
  ...extra,
});
const models: ModelListEntry[] = [
  entry('mnist-var-d3', 'var'),
  entry('mnist-var-d1', 'var'),
  entry('mnist-vqvae', 'vqvae' as never, { generator: false }),
  entry('mnist-dit-d2', 'dit'),
  entry('mnist-var-d1-qat-w3g32-topkld', 'var', {
    quantTraining: { setting: parseSetting('W3g32~qat-topkld'), teacher: 'mnist-var-d1' },
  }),
];
const fakeRun = {} as ComparedRun;
const fakeRow = {} as RowResult;

describe('playground run plan', () => {
  it('lists the sizes of a family from the model list, students excluded, by depth', () => {
    expect(baseModels(models, 'var').map((m) => m.depth)).toEqual([1, 3]);
    expect(baseModels(models, 'dit').map((m) => m.id)).toEqual(['mnist-dit-d2']);
  });

  it('asks only for cells that are not cached, and for every column of a row without its reference', () => {
    const view = {
      ...DEFAULT_VIEW,
      columns: ['W4g32', 'W2g32', 'W3g32~qat-topkld', 'W2g32~qat-fkl'].map(parseSetting),
      rows: 2,
      rowMode: 'seeds' as const,
    };
    const [r0, r1] = rowsOf(view, 'mnist-var-d1');
    const cells = new Map([[cellKeyString(r0, parseSetting('W4g32')), fakeRun]]);
    const rows = new Map([[rowKeyString(r0), fakeRow]]);
    const plan = planRequests(view, 'mnist-var-d1', models, cells, rows);
    // Row 0 has its reference and W4g32: only W2g32 and the shipped student; the fkl student does not exist.
    expect(plan[0].columns).toEqual([
      { key: 'W2g32', setting: parseSetting('W2g32') },
      { key: 'W3g32~qat-topkld', setting: parseSetting('W3g32~qat-topkld'), modelId: 'mnist-var-d1-qat-w3g32-topkld' },
    ]);
    expect(plan[0].columns.map((c) => settingToString(c.setting))).toEqual(['W2g32', 'W3g32~qat-topkld']);
    expect(plan[1].row).toEqual(r1);
    expect(plan[1].columns.map((c) => c.key)).toEqual(['W4g32', 'W2g32', 'W3g32~qat-topkld']);
    // Everything cached: nothing to run.
    const all = new Map(
      rowsOf(view, 'mnist-var-d1').flatMap((r) => view.columns.map((k) => [cellKeyString(r, k), fakeRun] as const)),
    );
    const allRows = new Map(rowsOf(view, 'mnist-var-d1').map((r) => [rowKeyString(r), fakeRow] as const));
    expect(planRequests(view, 'mnist-var-d1', models, all, allRows)).toEqual([]);
  });

  it('keys DiT cells by step count and VAR cells without it', () => {
    expect(rowsOf({ ...DEFAULT_VIEW, family: 'dit', steps: 20 }, 'mnist-dit-d2')[0].steps).toBe(20);
    expect(rowsOf({ ...DEFAULT_VIEW, family: 'var', steps: 20 }, 'mnist-var-d1')[0].steps).toBe(0);
  });
});
