/**
 * State of the analysis panel (the paper's analysis views): the generators to pick from, and for each view its
 * controls and its run (idle, running with progress, done, failed). Runs go to the engine worker
 * (activationStats, weightHistogram, mixedPrecision, snrExperiment); a new run of a view cancels that view's previous one.
 */
import { checkSetting, parseSetting, type QuantSetting } from '../../quant/setting';
import type { SliceCreator } from '../../store/slice';
import { engine } from '../../app/engine';
import { EngineCallLane, type RunOutcome } from '../../app/engineCall';
import { serializeError, type SerializedError } from '../../worker/protocol';
import type {
  ActivationStatsResult,
  MixedPrecisionResult,
  SnrExperimentResult,
  WeightHistogramResult,
  WeightLayer,
} from '../../engine/analysis/types';
import { parseSnrList, SnrListError } from './snrList';

export type ViewRun<T> =
  | { state: 'idle' }
  /** `partial`: the latest streamed result (the SNR curves as they grow). */
  | { state: 'running'; fraction: number; message: string; partial?: T }
  | { state: 'done'; result: T }
  | { state: 'failed'; error: SerializedError };

export interface GeneratorLists {
  readonly var: readonly string[];
  readonly dit: readonly string[];
}

export interface ActivationControls {
  modelId: string;
  samples: number;
  seed: number;
  /** The block whose charts are shown (the run measures every block). */
  block: number;
}

export interface WeightControls {
  modelId: string;
  block: number;
  layer: WeightLayer;
  /** A setting with weights (its weight part is what the view quantises), e.g. W4g32, W3ac, Wfp4g32. */
  setting: QuantSetting;
  scope: 'layer' | 'group';
  group: number;
}

export interface MixedPrecisionControls {
  modelId: string;
  /** INT weights (e.g. W4g32): the widest width a Linear may get, and the granularity. */
  weights: QuantSetting;
  /** Average weight bits the allocation may spend (the B of -mp<B>). */
  budget: number;
}

/** The -mp<B> setting of the controls (checked by the grammar: a budget outside 2..width is a SettingParseError). */
export function mixedSetting(c: MixedPrecisionControls): QuantSetting {
  return checkSetting({ ...c.weights, transforms: { ...c.weights.transforms, mixedBits: c.budget } });
}

export interface SnrControls {
  varModel: string;
  ditModel: string;
  /** Comma-separated input SNRs in dB. */
  snrList: string;
  samples: number;
  seed: number;
  ditSteps: number;
}

export interface AnalysisSlice {
  analysisModels:
    { state: 'loading' } | { state: 'ready'; lists: GeneratorLists } | { state: 'failed'; error: SerializedError };
  analysisActivation: ActivationControls;
  analysisActivationRun: ViewRun<ActivationStatsResult>;
  analysisWeights: WeightControls;
  analysisWeightsRun: ViewRun<WeightHistogramResult>;
  analysisMixed: MixedPrecisionControls;
  analysisMixedRun: ViewRun<MixedPrecisionResult>;
  analysisSnr: SnrControls;
  analysisSnrRun: ViewRun<SnrExperimentResult>;
  loadAnalysisModels(): Promise<void>;
  setAnalysisActivation(patch: Partial<ActivationControls>): void;
  runAnalysisActivation(): Promise<void>;
  setAnalysisWeights(patch: Partial<WeightControls>): void;
  runAnalysisWeights(): Promise<void>;
  setAnalysisMixed(patch: Partial<MixedPrecisionControls>): void;
  runAnalysisMixed(): Promise<void>;
  setAnalysisSnr(patch: Partial<SnrControls>): void;
  runAnalysisSnr(): Promise<void>;
  cancelAnalysis(view: AnalysisView): void;
}

export type AnalysisView = 'activation' | 'weights' | 'mixed' | 'snr';

export const DEFAULT_ACTIVATION: ActivationControls = { modelId: 'mnist-var-d2', samples: 4, seed: 0, block: 0 };
export const DEFAULT_WEIGHTS: WeightControls = {
  modelId: 'mnist-var-d2',
  block: 0,
  layer: 'fc1',
  setting: parseSetting('W4g32'),
  scope: 'layer',
  group: 0,
};
export const DEFAULT_MIXED: MixedPrecisionControls = {
  modelId: 'mnist-var-d2',
  weights: parseSetting('W4g32'),
  budget: 3,
};
export const DEFAULT_SNR: SnrControls = {
  varModel: 'mnist-var-d2',
  ditModel: 'mnist-dit-d3',
  snrList: '0, 10, 20, 30, 40',
  samples: 4,
  seed: 0,
  ditSteps: 25,
};

/** One lane per view: a new run of a view supersedes that view's previous one, not the other views'. */
const lanes: Record<AnalysisView, EngineCallLane> = {
  activation: new EngineCallLane(),
  weights: new EngineCallLane(),
  mixed: new EngineCallLane(),
  snr: new EngineCallLane(),
};

/** How a view's run ends: done with its result, idle after a cancel, failed with message and fix. */
function ending<T>(show: (run: ViewRun<T>) => void): RunOutcome<T> {
  return {
    done: (result) => show({ state: 'done', result }),
    cancelled: () => show({ state: 'idle' }),
    failed: (error) => show({ state: 'failed', error }),
  };
}

export const createAnalysisSlice: SliceCreator<AnalysisSlice> = (set, get) => ({
  analysisModels: { state: 'loading' },
  analysisActivation: DEFAULT_ACTIVATION,
  analysisActivationRun: { state: 'idle' },
  analysisWeights: DEFAULT_WEIGHTS,
  analysisWeightsRun: { state: 'idle' },
  analysisMixed: DEFAULT_MIXED,
  analysisMixedRun: { state: 'idle' },
  analysisSnr: DEFAULT_SNR,
  analysisSnrRun: { state: 'idle' },

  async loadAnalysisModels() {
    try {
      const { models } = await engine().call('listModels', {});
      const lists = {
        var: models.filter((m) => m.family === 'var').map((m) => m.id),
        dit: models.filter((m) => m.family === 'dit').map((m) => m.id),
      };
      set({ analysisModels: { state: 'ready', lists } });
      // Defaults that the shipped index does not have fall back to its first generator of the family.
      const pick = (id: string, list: readonly string[]) => (list.includes(id) ? id : (list[0] ?? id));
      const all = [...lists.var, ...lists.dit];
      const a = get().analysisActivation;
      const w = get().analysisWeights;
      const mx = get().analysisMixed;
      const s = get().analysisSnr;
      set({
        analysisActivation: { ...a, modelId: pick(a.modelId, all) },
        analysisWeights: { ...w, modelId: pick(w.modelId, all) },
        analysisMixed: { ...mx, modelId: pick(mx.modelId, all) },
        analysisSnr: { ...s, varModel: pick(s.varModel, lists.var), ditModel: pick(s.ditModel, lists.dit) },
      });
    } catch (error) {
      set({ analysisModels: { state: 'failed', error: serializeError(error) } });
    }
  },

  setAnalysisActivation(patch) {
    set({ analysisActivation: { ...get().analysisActivation, ...patch } });
  },

  async runAnalysisActivation() {
    const c = get().analysisActivation;
    await lanes.activation.run(
      (run) => {
        set({
          analysisActivationRun: { state: 'running', fraction: 0, message: 'Queued' },
          analysisActivation: { ...c, block: 0 },
        });
        return run.call(
          'activationStats',
          { modelId: c.modelId, samples: c.samples, seed: c.seed },
          {
            onProgress: (fraction, message) => set({ analysisActivationRun: { state: 'running', fraction, message } }),
          },
        );
      },
      ending<ActivationStatsResult>((analysisActivationRun) => set({ analysisActivationRun })),
    );
  },

  setAnalysisWeights(patch) {
    set({ analysisWeights: { ...get().analysisWeights, ...patch } });
  },

  async runAnalysisWeights() {
    const c = get().analysisWeights;
    const scope = c.scope === 'group' ? { kind: 'group' as const, index: c.group } : { kind: 'layer' as const };
    await lanes.weights.run(
      (run) => {
        set({ analysisWeightsRun: { state: 'running', fraction: 0, message: 'Quantising' } });
        return run.call('weightHistogram', {
          modelId: c.modelId,
          block: c.block,
          layer: c.layer,
          setting: c.setting,
          scope,
          bins: 64,
        });
      },
      ending<WeightHistogramResult>((analysisWeightsRun) => set({ analysisWeightsRun })),
    );
  },

  setAnalysisMixed(patch) {
    set({ analysisMixed: { ...get().analysisMixed, ...patch } });
  },

  async runAnalysisMixed() {
    const c = get().analysisMixed;
    await lanes.mixed.run(
      (run) => {
        const setting = mixedSetting(c);
        set({ analysisMixedRun: { state: 'running', fraction: 0, message: 'Allocating' } });
        return run.call('mixedPrecision', { modelId: c.modelId, setting });
      },
      ending<MixedPrecisionResult>((analysisMixedRun) => set({ analysisMixedRun })),
    );
  },

  setAnalysisSnr(patch) {
    set({ analysisSnr: { ...get().analysisSnr, ...patch } });
  },

  async runAnalysisSnr() {
    const c = get().analysisSnr;
    await lanes.snr.run(
      (run) => {
        // Checked inside the run: a bad list also supersedes the run in flight, as before.
        const parsed = parseSnrList(c.snrList);
        if ('error' in parsed) throw new SnrListError(parsed.error);
        set({ analysisSnrRun: { state: 'running', fraction: 0, message: 'Queued' } });
        return run.call(
          'snrExperiment',
          {
            modelIds: [c.varModel, c.ditModel].filter(Boolean),
            snrDb: parsed.values,
            samples: c.samples,
            seed: c.seed,
            ditSteps: c.ditSteps,
          },
          {
            onProgress: (fraction, message) => {
              const now = get().analysisSnrRun;
              set({
                analysisSnrRun: {
                  state: 'running',
                  fraction,
                  message,
                  partial: now.state === 'running' ? now.partial : undefined,
                },
              });
            },
            onPartial: (partial) => {
              const now = get().analysisSnrRun;
              if (now.state === 'running') set({ analysisSnrRun: { ...now, partial } });
            },
          },
        );
      },
      ending<SnrExperimentResult>((analysisSnrRun) => set({ analysisSnrRun })),
    );
  },

  cancelAnalysis(view) {
    lanes[view].cancel();
  },
});
