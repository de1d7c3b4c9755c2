import { describe, expect, it } from 'vitest';
import { parseSetting, settingToString } from '../../../src/quant/setting';
import {
  DEFAULT_VIEW,
  MAX_COLUMNS,
  rowCells,
  searchToView,
  viewToSearch,
  type PlaygroundView,
} from '../../../src/features/playground/viewState';

function randomView(rand: () => number): PlaygroundView {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)];
  const pool = [
    'W4g32',
    'W2g32-A8',
    'Wfp4g128',
    'W8c-A8',
    'W3g64-gptq',
    'W4g32-A8-sq0.5',
    'W6t',
    'W32-A4',
    'W3g32~qat-topkld',
  ];
  const n = 1 + Math.floor(rand() * MAX_COLUMNS);
  const columns = [...new Set(Array.from({ length: n }, () => pick(pool)))].map(parseSetting);
  const family = pick(['var', 'dit'] as const);
  return {
    family,
    size: 1 + Math.floor(rand() * 4),
    columns,
    active: Math.floor(rand() * columns.length),
    classLabel: Math.floor(rand() * 10),
    seed: Math.floor(rand() * 1e6),
    // VAR links leave steps out: they read back as the default.
    steps: family === 'dit' ? 1 + Math.floor(rand() * 250) : DEFAULT_VIEW.steps,
    rows: 1 + Math.floor(rand() * 4),
    rowMode: pick(['classes', 'seeds'] as const),
    diff: rand() < 0.5,
  };
}

describe('playground links', () => {
  it('round-trips random views through the URL with no problems', () => {
    let s = (Date.now() % 100000) + 1;
    const rand = () => ((s = (s * 16807) % 2147483647) - 1) / 2147483646;
    for (let i = 0; i < 200; i++) {
      const v = randomView(rand);
      const { view, problems } = searchToView(viewToSearch(v));
      expect(problems).toEqual([]);
      expect(view).toEqual(v.rows === 1 ? { ...v, rowMode: DEFAULT_VIEW.rowMode } : v);
    }
  });

  it('reports each bad value and uses its default, keeping the good ones', () => {
    const { view, problems } = searchToView(
      '?family=gan&size=2.5&q=W9g32,W4g32-A8,zzz&class=10&seed=-1&steps=0&rows=9&rowMode=x&diff=yes&active=3',
    );
    expect(problems.map((p) => p.param)).toEqual([
      'family',
      'size',
      'q',
      'q',
      'active',
      'class',
      'seed',
      'steps',
      'rows',
      'rowMode',
      'diff',
    ]);
    for (const p of problems) expect(p.message).toMatch(/using .* instead/);
    expect(view).toEqual({ ...DEFAULT_VIEW, columns: [parseSetting('W4g32-A8')] });
  });

  it('keeps at most four columns, drops duplicates after canonicalising, and falls back when none is usable', () => {
    const five = searchToView('?q=W2g32,W3g32,W4g32,W5g32,W6g32');
    expect(five.view.columns.map(settingToString)).toEqual(['W2g32', 'W3g32', 'W4g32', 'W5g32']);
    expect(five.problems).toHaveLength(1);
    expect(searchToView('?q=W4g32-A16,W4g32').view.columns.map(settingToString)).toEqual(['W4g32']);
    // Links of earlier versions: students after '~', activations not quantised written A16.
    expect(searchToView('?q=W3g32~qat-task,W4g32-A16').view.columns.map(settingToString)).toEqual([
      'W3g32~qat-task',
      'W4g32',
    ]);
    const none = searchToView('?q=nope');
    expect(none.view.columns).toEqual(DEFAULT_VIEW.columns);
    expect(none.problems.map((p) => p.param)).toEqual(['q', 'q']);
  });

  it('rows step through classes (wrapping at 9) or seeds', () => {
    expect(rowCells({ classLabel: 8, seed: 3, rows: 3, rowMode: 'classes' })).toEqual([
      { classLabel: 8, seed: 3 },
      { classLabel: 9, seed: 3 },
      { classLabel: 0, seed: 3 },
    ]);
    expect(rowCells({ classLabel: 8, seed: 3, rows: 2, rowMode: 'seeds' })).toEqual([
      { classLabel: 8, seed: 3 },
      { classLabel: 8, seed: 4 },
    ]);
  });
});
