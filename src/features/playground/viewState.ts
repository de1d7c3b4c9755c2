/**
 * The playground view as plain data, and its URL form, so a link reproduces what someone saw. Reading a URL
 * never throws: each bad value is reported (what was wrong, what replaced it) and the default is used.
 *
 *   ?family=dit&size=3&q=W4g32-A8,W3g32~qat-task&active=1&class=7&seed=3&steps=50&rows=2&rowMode=seeds&diff=1
 *   ?family=var&model=url-1:official-var-d16&...   (an added model; its source comes back through ?models=)
 */
import { parseSetting, sameSetting, settingToString, type QuantSetting } from '../../quant/setting';
import { pickerProblem } from '../../quant/settingEditor';
import type { ModelFamily } from '../../models/bundle/types';

export type Family = ModelFamily;
export type RowMode = 'classes' | 'seeds';

export interface PlaygroundView {
  readonly family: Family;
  /** Transformer depth of the shipped model (the model picker). */
  readonly size: number;
  /**
   * An added model (folder or URL source, id `<source>:<bundle id>`) shown instead of the shipped one of `size`;
   * while its source is not (yet) added, the shipped model of `size` is shown.
   */
  readonly model?: string;
  /** Quantised columns beside fp32 (a trained student is a setting whose method is trained), 1..MAX_COLUMNS. */
  readonly columns: readonly QuantSetting[];
  /** The column the setting controls edit. */
  readonly active: number;
  readonly classLabel: number;
  readonly seed: number;
  /** DiT sampling steps (respaced); VAR ignores it. */
  readonly steps: number;
  /** Rows of the sample grid: consecutive classes or consecutive seeds. */
  readonly rows: number;
  readonly rowMode: RowMode;
  /** Show |quantised - fp32| heatmaps under the samples. */
  readonly diff: boolean;
}

export const MAX_COLUMNS = 4;
export const MAX_ROWS = 4;
export const MAX_STEPS = 250;
export const MAX_SEED = 2 ** 31 - 1;
/** An added model's id as the engine names it (bundleCatalog.ts): `<source>:<bundle id>`. */
const ADDED_MODEL_ID = /^[A-Za-z0-9._-]+:[A-Za-z0-9._-]+$/;

export const DEFAULT_VIEW: PlaygroundView = {
  family: 'var',
  size: 2,
  columns: [parseSetting('W4g32'), parseSetting('W2g32')],
  active: 0,
  classLabel: 7,
  seed: 1,
  steps: 50,
  rows: 1,
  rowMode: 'classes',
  diff: false,
};

export interface UrlProblem {
  readonly param: string;
  readonly value: string;
  readonly message: string;
}

export function viewToSearch(v: PlaygroundView): string {
  const p = new URLSearchParams();
  p.set('family', v.family);
  p.set('size', String(v.size));
  if (v.model !== undefined) p.set('model', v.model);
  p.set('q', v.columns.map(settingToString).join(','));
  if (v.active !== 0) p.set('active', String(v.active));
  p.set('class', String(v.classLabel));
  p.set('seed', String(v.seed));
  if (v.family === 'dit') p.set('steps', String(v.steps));
  if (v.rows !== 1) {
    p.set('rows', String(v.rows));
    p.set('rowMode', v.rowMode);
  }
  if (v.diff) p.set('diff', '1');
  return `?${p.toString().replace(/%2C/g, ',').replace(/%7E/g, '~')}`;
}

/** The view a query string describes, with every unusable value reported and replaced by its default. */
export function searchToView(search: string): { view: PlaygroundView; problems: UrlProblem[] } {
  const p = new URLSearchParams(search);
  const problems: UrlProblem[] = [];
  const report = (param: string, value: string, why: string, replacement: string) =>
    problems.push({ param, value, message: `${param}=${value} ${why}; using ${replacement} instead.` });

  const int = (param: string, min: number, max: number, fallback: number): number => {
    const raw = p.get(param);
    if (raw === null) return fallback;
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isInteger(n) || n < min || n > max) {
      report(param, raw, `is not a whole number from ${min} to ${max}`, String(fallback));
      return fallback;
    }
    return n;
  };
  const oneOf = <T extends string>(param: string, allowed: readonly T[], fallback: T): T => {
    const raw = p.get(param);
    if (raw === null) return fallback;
    if (!(allowed as readonly string[]).includes(raw)) {
      report(param, raw, `is not one of ${allowed.join(', ')}`, fallback);
      return fallback;
    }
    return raw as T;
  };

  const family = oneOf<Family>('family', ['var', 'dit'], DEFAULT_VIEW.family);
  const size = int('size', 1, 64, DEFAULT_VIEW.size);
  let columns: QuantSetting[] = [...DEFAULT_VIEW.columns];
  const q = p.get('q');
  if (q !== null) {
    const parsed: QuantSetting[] = [];
    for (const key of q.split(',').filter((k) => k !== '')) {
      try {
        const setting = parseSetting(key);
        const problem = pickerProblem(setting, { scope: 'model' });
        if (problem) throw new Error(`"${key}": ${problem}`);
        if (!parsed.some((s) => sameSetting(s, setting))) parsed.push(setting);
      } catch (error) {
        report('q', key, `is not a usable setting (${(error as Error).message})`, 'nothing for it');
      }
    }
    if (parsed.length > MAX_COLUMNS)
      report('q', q, `lists ${parsed.length} settings, more than ${MAX_COLUMNS}`, `the first ${MAX_COLUMNS}`);
    if (parsed.length === 0)
      report('q', q, 'has no usable setting', DEFAULT_VIEW.columns.map(settingToString).join(','));
    else columns = parsed.slice(0, MAX_COLUMNS);
  }
  const active = int('active', 0, columns.length - 1, 0);
  const model = p.get('model') ?? undefined;
  if (model !== undefined && !ADDED_MODEL_ID.test(model))
    report('model', model, 'is not the id of an added model (<source>:<bundle id>)', 'the shipped model');
  const view: PlaygroundView = {
    family,
    size,
    ...(model !== undefined && ADDED_MODEL_ID.test(model) ? { model } : {}),
    columns,
    active,
    classLabel: int('class', 0, 9, DEFAULT_VIEW.classLabel),
    seed: int('seed', 0, MAX_SEED, DEFAULT_VIEW.seed),
    steps: int('steps', 1, MAX_STEPS, DEFAULT_VIEW.steps),
    rows: int('rows', 1, MAX_ROWS, DEFAULT_VIEW.rows),
    rowMode: oneOf<RowMode>('rowMode', ['classes', 'seeds'], DEFAULT_VIEW.rowMode),
    diff: oneOf('diff', ['0', '1'], '0') === '1',
  };
  return { view, problems };
}

/** (class, seed) of each grid row. */
export function rowCells(
  v: Pick<PlaygroundView, 'classLabel' | 'seed' | 'rows' | 'rowMode'>,
): { classLabel: number; seed: number }[] {
  return Array.from({ length: v.rows }, (_, i) =>
    v.rowMode === 'classes'
      ? { classLabel: (v.classLabel + i) % 10, seed: v.seed }
      : { classLabel: v.classLabel, seed: (v.seed + i) % (MAX_SEED + 1) },
  );
}
