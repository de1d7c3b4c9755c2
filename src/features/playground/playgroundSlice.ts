/**
 * The playground's state: the view (model, columns of quantised settings, class, seed, steps, rows; mirrored
 * in the URL), the model list, cached results per cell, and the run in flight. `generate()` asks the engine
 * only for cells not on screen yet; a new request cancels the one in flight.
 */
import type { SliceCreator } from '../../store/slice';
import { engine } from '../../app/engine';
import { EngineCallLane } from '../../app/engineCall';
import {
  serializeError,
  type ComparedRun,
  type ModelListEntry,
  type RefusedRun,
  type SerializedError,
} from '../../worker/protocol';
import { replaceColumn } from './columns';
import { RTN, sameSetting, type QuantSetting } from '../../quant/setting';
import { withField } from '../../quant/settingEditor';
import { baseModels, cellKeyString, planRequests, rowKeyString, type RowResult } from './runPlan';
import { resolveModelId } from './modelPicker';
import { DEFAULT_VIEW, MAX_COLUMNS, type PlaygroundView, type UrlProblem } from './viewState';

export type PlaygroundRun =
  | { state: 'idle' }
  | { state: 'running'; fraction: number; message: string }
  | { state: 'failed'; error: SerializedError };

export type ModelsState =
  | { state: 'loading' }
  | { state: 'ready'; models: readonly ModelListEntry[] }
  | { state: 'failed'; error: SerializedError };

export interface PlaygroundSlice {
  playground: PlaygroundView;
  /** Problems found in the URL the page was opened with (each value was replaced by its default). */
  urlProblems: readonly UrlProblem[];
  /** Why the last column edit was refused (its setting was already another column), until the next edit. */
  columnNotice: string | undefined;
  models: ModelsState;
  /** The generator the view shows (its added model, else the shipped one of family and size once the list is loaded). */
  modelId: string;
  /** The columns' settings as the base model runs them (a trained student's as RTN): what the scaling-law panel measures. */
  quantSettings: readonly QuantSetting[];
  /** Results by cell (runPlan.cellKeyString) and the fp32 reference by row (rowKeyString). */
  cells: ReadonlyMap<string, ComparedRun>;
  /** Cells whose setting the engine refused (its typed error, shown in the cell), by cellKeyString. */
  refusals: ReadonlyMap<string, RefusedRun>;
  rowResults: ReadonlyMap<string, RowResult>;
  playgroundRun: PlaygroundRun;
  setView(patch: Partial<PlaygroundView>, problems?: readonly UrlProblem[]): void;
  /** Sets column `index` to `setting` (refused, with columnNotice, when another column already shows it). */
  setColumn(index: number, setting: QuantSetting): void;
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

function settingsOf(view: PlaygroundView): QuantSetting[] {
  return view.columns.map((s) => (s.method.kind === 'qat' ? { ...s, method: RTN } : s));
}

export const createPlaygroundSlice: SliceCreator<PlaygroundSlice> = (set, get) => ({
  playground: DEFAULT_VIEW,
  urlProblems: [],
  columnNotice: undefined,
  models: { state: 'loading' },
  modelId: resolveModelId(DEFAULT_VIEW, undefined, []),
  quantSettings: settingsOf(DEFAULT_VIEW),
  cells: new Map(),
  refusals: new Map(),
  rowResults: new Map(),
  playgroundRun: { state: 'idle' },

  setView(patch, problems) {
    const view = { ...get().playground, ...patch };
    const models = get().models;
    set({
      playground: view,
      // Added sources live in the model-sources slice; they call setView({}) when they change.
      modelId: resolveModelId(view, models.state === 'ready' ? models.models : undefined, get().modelSources ?? []),
      quantSettings: settingsOf(view),
      ...(problems ? { urlProblems: problems } : {}),
      // A refusal is about the columns as they were; any change to them or to the active one answers it.
      ...(patch.columns !== undefined || patch.active !== undefined ? { columnNotice: undefined } : {}),
    });
  },

  setColumn(index, setting) {
    const view = get().playground;
    if (sameSetting(view.columns[index], setting)) return;
    const edit = replaceColumn(view.columns, index, setting);
    if (edit.ok) get().setView({ columns: edit.columns });
    else set({ columnNotice: edit.message });
  },

  addColumn() {
    const view = get().playground;
    if (view.columns.length >= MAX_COLUMNS) return;
    const last = view.columns[view.columns.length - 1];
    const format = last.weight?.format;
    // A new column starts one bit below the last one (the question people ask next), else the last one with
    // activations quantised (or not); a trained student's copy is its RTN setting.
    const base = last.method.kind === 'qat' ? { ...last, method: RTN } : last;
    const lower =
      format?.kind === 'int' && format.bits > 2
        ? withField(base, 'weightBits', String(format.bits === 8 ? 6 : format.bits - 1))
        : base;
    const toggled = withField(base, 'activation', base.activation.format.kind === 'none' ? '8' : '32');
    const next = [lower, toggled].find((s) => !view.columns.some((c) => sameSetting(c, s)));
    if (!next) return;
    get().setView({ columns: [...view.columns, next], active: view.columns.length });
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
        const problem = {
          param: 'size',
          value: String(view.size),
          message: `size=${view.size}: there is no ${view.family.toUpperCase()} model of depth ${view.size} (sizes: ${sizes.join(', ')}); using ${fallback} instead.`,
        };
        get().setView({ size: fallback }, [...get().urlProblems, problem]);
      } else get().setView({});
    } catch (error) {
      set({ models: { state: 'failed', error: serializeError(error) } });
    }
  },

  async generate() {
    const idle = () => set({ playgroundRun: { state: 'idle' } });
    // A new request supersedes the one in flight, also when it has nothing to compute.
    await lane.run(
      async (run) => {
        const models = get().models;
        const view = get().playground;
        const modelId = get().modelId;
        const requests = planRequests(
          view,
          modelId,
          models.state === 'ready' ? models.models : [],
          new Map<string, unknown>([...get().cells, ...get().refusals]),
          get().rowResults,
        );
        if (requests.length === 0) return;
        set({ playgroundRun: { state: 'running', fraction: 0, message: 'Queued' } });
        if (!loaded.has(modelId)) {
          await run.call(
            'loadModel',
            { id: modelId },
            {
              onProgress: (f, message) =>
                set({ playgroundRun: { state: 'running', fraction: f, message: `Loading the model: ${message}` } }),
            },
          );
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
              onProgress: (f, message) =>
                set({
                  playgroundRun: {
                    state: 'running',
                    fraction: (i + f) / requests.length,
                    message: `Row ${i + 1} of ${requests.length}: ${message}`,
                  },
                }),
            },
          );
          const cells = new Map(get().cells);
          const refusals = new Map(get().refusals);
          // The engine de-duplicates and answers in request order, one run (or one refusal: the other columns
          // still run) per distinct (setting, student).
          const same = (r: { setting: QuantSetting; modelId?: string }, c: (typeof columns)[number]) =>
            sameSetting(r.setting, c.setting) && r.modelId === c.modelId;
          columns.forEach((c) => {
            const key = cellKeyString(row, c.setting);
            const compared = result.runs.find((r) => same(r, c));
            const refused = result.refused.find((r) => same(r, c));
            if (compared) cells.set(key, compared);
            if (refused) refusals.set(key, refused);
          });
          const rowResults = new Map(get().rowResults);
          rowResults.set(rowKeyString(row), {
            reference: result.reference,
            outputKind: result.outputKind,
            outputShape: result.outputShape,
            notes: result.notes,
            stepCount: result.stepCount,
          });
          set({ cells, refusals, rowResults });
        }
      },
      { done: idle, cancelled: idle, failed: (error) => set({ playgroundRun: { state: 'failed', error } }) },
    );
  },

  cancelGenerate() {
    lane.cancel();
    set({ playgroundRun: { state: 'idle' } });
  },

  dismissUrlProblems() {
    set({ urlProblems: [] });
  },
});
