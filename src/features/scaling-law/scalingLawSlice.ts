/**
 * State of the scaling-law panel: the shipped sweep, which bits axis is shown, the (model, setting) picked
 * for a live measurement, the live point as it moves, and the points measured so far in this browser. With
 * "Measure as I change" on (scalingFollow), a store subscription re-measures the playground's active column
 * after each change (liveFollow.ts): it lives in the store, not in a component, so it keeps following while
 * the panel is scrolled away or unmounted.
 */
import { FULL_PRECISION, parseSetting, sameSetting, type QuantSetting } from '../../quant/setting';
import type { SliceCreator } from '../../store/slice';
import { engine } from '../../app/engine';
import { EngineCallLane } from '../../app/engineCall';
import { serializeError, type QualityPoint, type SerializedError } from '../../worker/protocol';
import { loadSweep, type SweepLoad } from './sweepFile';
import type { QualityMetric } from './metric';
import type { BitsAxis } from './series';
import { decoderBits, type DecoderBits } from './bitsAxis';
import { activeTarget, type ColumnTarget } from './playgroundLink';
import { LiveFollower } from './liveFollow';

export type ScalingSweep = { state: 'loading' } | SweepLoad | { state: 'failed'; error: SerializedError };

export type LiveMeasurement =
  | { state: 'idle' }
  /** `point` is the latest streamed partial (undefined until the first one arrives). */
  | {
      state: 'running';
      modelId: string;
      setting: QuantSetting;
      samples: number;
      fraction: number;
      message: string;
      point?: QualityPoint;
      /** The playground column (0-based) this run follows ("Measure as I change"); absent for a Measure click. */
      column?: number;
    }
  | { state: 'failed'; modelId: string; setting: QuantSetting; error: SerializedError };

/** null follows the playground's pick (its model and first quantised column) until the user picks here. */
export interface LivePick {
  modelId: string | null;
  setting: QuantSetting | null;
  samples: number;
}

/**
 * The (model, setting) a Measure click measures: while following, the playground's active column; else the
 * panel's own pick, else the playground's model and first quantised column.
 */
export function effectivePick(
  state: Pick<ScalingLawSlice, 'scalingPick'> &
    Partial<Pick<ScalingLawSlice, 'scalingFollow'>> & {
      modelId: string;
      quantSettings: readonly QuantSetting[];
      following?: ColumnTarget;
    },
) {
  const { scalingPick: pick, following } = state;
  if (state.scalingFollow && following?.modelId !== undefined)
    return { modelId: following.modelId, setting: following.setting, samples: pick.samples, column: following.column };
  return {
    modelId: pick.modelId ?? state.modelId,
    setting: pick.setting ?? state.quantSettings.find((s) => !sameSetting(s, FULL_PRECISION)) ?? DEFAULT_SETTING,
    samples: pick.samples,
  };
}

export interface ScalingLawSlice {
  scalingSweep: ScalingSweep;
  scalingAxis: BitsAxis;
  /** Log FD spreads the low-FD curves apart when one precision (W2) blows up (KID is always linear). */
  scalingFdScale: 'linear' | 'log';
  /** The metric the charts plot (metric.ts chooseMetric falls back to FD when no point has it). */
  scalingMetric: QualityMetric;
  scalingPick: LivePick;
  scalingLive: LiveMeasurement;
  /** "Measure as I change": re-measure the playground's active column after each change (off by default). */
  scalingFollow: boolean;
  /** Finished live measurements, newest last; exported with the sweep. */
  scalingMeasured: readonly QualityPoint[];
  /** Tokenizer / VAE decoder bundles and their bits, reported apart from the x axes (null until listed). */
  scalingDecoders: readonly DecoderBits[] | null;
  loadScalingSweep(): Promise<void>;
  loadScalingDecoders(): Promise<void>;
  setScalingAxis(axis: BitsAxis): void;
  setScalingFdScale(scale: 'linear' | 'log'): void;
  setScalingMetric(metric: QualityMetric): void;
  setScalingPick(patch: Partial<LivePick>): void;
  setScalingFollow(on: boolean): void;
  /** Measures the effective pick, or `target` (a playground column) when given. */
  measureScalingPoint(target?: ColumnTarget): Promise<void>;
  cancelScalingMeasure(): void;
}

export const SWEEP_URL = `${import.meta.env.BASE_URL}sweeps/mnist-sweep.json`;
const DEFAULT_SETTING = parseSetting('W4g128');
export const SAMPLE_CHOICES = [10, 25, 50, 100, 200, 500] as const;

const lane = new EngineCallLane();

export const createScalingLawSlice: SliceCreator<ScalingLawSlice> = (set, get, store) => {
  const follower = new LiveFollower({
    measure: (target) => void get().measureScalingPoint(target),
    cancel: () => lane.cancel(),
  });
  store.subscribe((state) => follower.update(state.scalingFollow, activeTarget(state)));
  return {
    scalingSweep: { state: 'loading' },
    scalingAxis: 'transformerBits',
    scalingFdScale: 'linear',
    scalingMetric: 'fd',
    scalingPick: { modelId: null, setting: null, samples: 50 },
    scalingLive: { state: 'idle' },
    scalingFollow: false,
    scalingMeasured: [],
    scalingDecoders: null,
    async loadScalingDecoders() {
      try {
        const { models } = await engine().call('listModels', {});
        set({ scalingDecoders: decoderBits(models) });
      } catch {
        set({ scalingDecoders: [] }); // the note then says the decoders' bits are not known
      }
    },
    async loadScalingSweep() {
      set({ scalingSweep: { state: 'loading' } });
      try {
        set({ scalingSweep: await loadSweep(SWEEP_URL) });
      } catch (error) {
        set({ scalingSweep: { state: 'failed', error: serializeError(error) } });
      }
    },
    setScalingAxis(axis) {
      set({ scalingAxis: axis });
    },
    setScalingFdScale(scale) {
      set({ scalingFdScale: scale });
    },
    setScalingMetric(metric) {
      set({ scalingMetric: metric });
    },
    setScalingPick(patch) {
      set({ scalingPick: { ...get().scalingPick, ...patch } });
    },
    setScalingFollow(on) {
      set({ scalingFollow: on });
    },
    async measureScalingPoint(target) {
      const state = get();
      const pick = target?.modelId
        ? {
            modelId: target.modelId,
            setting: target.setting,
            samples: state.scalingPick.samples,
            column: target.column,
          }
        : effectivePick({ ...state, following: activeTarget(state) });
      const { modelId, setting, samples } = pick;
      const running = {
        state: 'running' as const,
        modelId,
        setting,
        samples,
        fraction: 0,
        message: 'Queued',
        ...('column' in pick ? { column: pick.column } : {}),
      };
      const update = (patch: Partial<typeof running & { point: QualityPoint }>) => {
        const live = get().scalingLive;
        if (live.state === 'running') set({ scalingLive: { ...live, ...patch } });
      };
      await lane.run(
        (run) => {
          set({ scalingLive: running });
          return run.call(
            'measureQuality',
            // paired: fp32's samples on the same draws too, for PSNR / label / token agreement with their errors.
            { modelId, setting, samples, paired: true },
            {
              onProgress: (fraction, message) => update({ fraction, message }),
              onPartial: (partial) => update({ point: partial }),
            },
          );
        },
        {
          done: (point) => set({ scalingLive: { state: 'idle' }, scalingMeasured: [...get().scalingMeasured, point] }),
          cancelled: () => set({ scalingLive: { state: 'idle' } }),
          failed: (error) => set({ scalingLive: { state: 'failed', modelId, setting, error } }),
        },
      );
    },
    cancelScalingMeasure() {
      lane.cancel();
    },
  };
};
