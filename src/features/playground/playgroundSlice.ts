/**
 * The playground's state: the view (model, columns of quantised settings, class, seed, steps, rows; mirrored
 * in the URL), the model list, cached results per cell, and the run in flight. `generate()` asks the engine
 * only for cells not on screen yet; a new request cancels the one in flight.
 */
import type { SliceCreator } from '../../store/slice';
import { engine } from '../../app/engine';
import { EngineCallLane } from '../../app/engineCall';
import { serializeError, type ComparedRun, type ModelListEntry, type SerializedError } from '../../worker/protocol';
import { replaceColumn } from './columns';
import { choiceKey, keyToChoice, type QuantChoice } from './quantChoice';
import { baseModels, cellKeyString, planRequests, rowKeyString, type RowResult } from './runPlan';
import { DEFAULT_VIEW, MAX_COLUMNS, type PlaygroundView, type UrlProblem } from './viewState';

export type PlaygroundRun =
  | { state: 'idle' }
  | { state: 'running'; fraction: number; message: string }
  | { state: 'failed'; error: SerializedError };

export type ModelsState = { state: 'loading' } | { state: 'ready'; models: readonly ModelListEntry[] } | { state: 'failed'; error: SerializedError };

export interface PlaygroundSlice {
  playground: PlaygroundView;
  /** Problems found in the URL the page was opened with (each value was replaced by its default). */
  urlProblems: readonly UrlProblem[];
  /** Why the last column edit was refused (its setting was already another column), until the next edit. */
  columnNotice: string | undefined;
  models: ModelsState;
  /** The generator the view shows (derived from family and size once the list is loaded). */
  modelId: string;
  /** Engine setting strings of the columns (what the scaling-law panel measures). */
  quantSettings: readonly string[];
  /** Results by cell (runPlan.cellKeyString) and the fp32 reference by row (rowKeyString). */
  cells: ReadonlyMap<string, ComparedRun>;
  rowResults: ReadonlyMap<string, RowResult>;
  playgroundRun: PlaygroundRun;
  setView(patch: Partial<PlaygroundView>, problems?: readonly UrlProblem[]): void;
  /** Edits the active column's setting (refused, with columnNotice, when another column already shows the result). */
  setChoice(patch: Partial<QuantChoice>): void;
  /** Sets column `index` to a column key; refused like setChoice. */
  setColumn(index: number, key: string): void;
  addColumn(): void;
  removeColumn(index: number): void;
  loadModels(): Promise<void>;
  generate(): Promise<void>;
  cancelGenerate(): void;
  dismissUrlProblems(): void;
}

const lane = new EngineCallLane();
/** Generators whose bundles the engine has validated and uploaded (loading them shows its own progress). */
const loaded = new Set<string>();

function modelIdFor(view: PlaygroundView, models: readonly ModelListEntry[] | undefined): string {
  const base = models ? baseModels(models, view.family).find((m) => m.depth === view.size) : undefined;
  return base?.id ?? `mnist-${view.family}-d${view.size}`;
}

function settingsOf(view: PlaygroundView): string[] {
  return view.columns.map((k) => k.split('~')[0]);
}

export const createPlaygroundSlice: SliceCreator<PlaygroundSlice> = (set, get) => ({
  playground: DEFAULT_VIEW,
  urlProblems: [],
  columnNotice: undefined,
  models: { state: 'loading' },
  modelId: modelIdFor(DEFAULT_VIEW, undefined),
  quantSettings: settingsOf(DEFAULT_VIEW),
  cells: new Map(),
  rowResults: new Map(),
  playgroundRun: { state: 'idle' },

  setView(patch, problems) {
    const view = { ...get().playground, ...patch };
    const models = get().models;
    set({
      playground: view,
      modelId: modelIdFor(view, models.state === 'ready' ? models.models : undefined),
      quantSettings: settingsOf(view),
      ...(problems ? { urlProblems: problems } : {}),
      // A refusal is about the columns as they were; any change to them or to the active one answers it.
      ...(patch.columns !== undefined || patch.active !== undefined ? { columnNotice: undefined } : {}),
    });
  },

  setChoice(patch) {
    const view = get().playground;
    const current = keyToChoice(view.columns[view.active]);
    get().setColumn(view.active, choiceKey({ ...current, ...patch }));
  },

  setColumn(index, key) {
    const view = get().playground;
    if (view.columns[index] === key) return;
    const edit = replaceColumn(view.columns, index, key);
    if (edit.ok) get().setView({ columns: edit.columns });
    else set({ columnNotice: edit.message });
  },

  addColumn() {
    const view = get().playground;
    if (view.columns.length >= MAX_COLUMNS) return;
    const last = keyToChoice(view.columns[view.columns.length - 1]);
    // A new column starts one bit below the last one (the question people ask next), else a copy.
    const lower = last.weightFormat === 'int' && last.weightBits > 2 && last.weightBits <= 8 ? { ...last, weightBits: last.weightBits === 8 ? 6 : last.weightBits - 1 } : last;
    let key = choiceKey(lower);
    if (view.columns.includes(key)) key = choiceKey({ ...last, activationBits: last.activationBits === 16 ? 8 : 16 });
    if (view.columns.includes(key)) return;
    get().setView({ columns: [...view.columns, key], active: view.columns.length });
  },

  removeColumn(index) {
    const view = get().playground;
    if (view.columns.length <= 1) return;
    const columns = view.columns.filter((_, i) => i !== index);
    get().setView({ columns, active: Math.min(view.active, columns.length - 1) });
  },

  async loadModels() {
    set({ models: { state: 'loading' } });
    try {
      const { models } = await engine().call('listModels', {});
      set({ models: { state: 'ready', models } });
      const view = get().playground;
      const sizes = baseModels(models, view.family).map((m) => m.depth);
      if (sizes.length > 0 && !sizes.includes(view.size)) {
        const fallback = sizes.includes(DEFAULT_VIEW.size) ? DEFAULT_VIEW.size : sizes[0];
        const problem = { param: 'size', value: String(view.size), message: `size=${view.size}: there is no ${view.family.toUpperCase()} model of depth ${view.size} (sizes: ${sizes.join(', ')}); using ${fallback} instead.` };
        get().setView({ size: fallback }, [...get().urlProblems, problem]);
      } else get().setView({});
    } catch (error) {
      set({ models: { state: 'failed', error: serializeError(error) } });
    }
  },

  async generate() {
    const idle = () => set({ playgroundRun: { state: 'idle' } });
    // A new request supersedes the one in flight, also when it has nothing to compute.
    await lane.run(async (run) => {
      const models = get().models;
      const view = get().playground;
      const modelId = get().modelId;
      const requests = planRequests(view, modelId, models.state === 'ready' ? models.models : [], get().cells, get().rowResults);
      if (requests.length === 0) return;
      set({ playgroundRun: { state: 'running', fraction: 0, message: 'Queued' } });
      if (!loaded.has(modelId)) {
        await run.call('loadModel', { id: modelId }, { onProgress: (f, message) => set({ playgroundRun: { state: 'running', fraction: f, message: `Loading the model: ${message}` } }) });
        loaded.add(modelId);
      }
      for (const [i, { row, columns }] of requests.entries()) {
        const result = await run.call(
          'generate',
          {
            modelId: row.modelId,
            settings: columns.map((c) => (c.modelId ? { setting: c.setting, modelId: c.modelId } : c.setting)),
            classLabel: row.classLabel,
            seed: row.seed,
            ...(view.family === 'dit' ? { steps: row.steps } : {}),
          },
          {
            onProgress: (f, message) => set({ playgroundRun: { state: 'running', fraction: (i + f) / requests.length, message: `Row ${i + 1} of ${requests.length}: ${message}` } }),
          },
        );
        const cells = new Map(get().cells);
        // The engine de-duplicates and answers in request order, one run per distinct (setting, student).
        columns.forEach((c) => {
          const compared = result.runs.find((r) => r.setting === c.setting && r.modelId === c.modelId);
          if (compared) cells.set(cellKeyString(row, c.key), compared);
        });
        const rowResults = new Map(get().rowResults);
        rowResults.set(rowKeyString(row), { reference: result.reference, outputKind: result.outputKind, outputShape: result.outputShape, notes: result.notes, stepCount: result.stepCount });
        set({ cells, rowResults });
      }
    }, { done: idle, cancelled: idle, failed: (error) => set({ playgroundRun: { state: 'failed', error } }) });
  },

  cancelGenerate() {
    lane.cancel();
    set({ playgroundRun: { state: 'idle' } });
  },

  dismissUrlProblems() {
    set({ urlProblems: [] });
  },
});
