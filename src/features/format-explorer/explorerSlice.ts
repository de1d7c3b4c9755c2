import type { SliceCreator } from '../../store/slice';
import { EngineCallLane } from '../../app/engineCall';
import type { QuantProbeResult, SerializedError } from '../../worker/protocol';
import { parseSetting, type QuantSetting } from '../../quant/setting';

export interface ExplorerSettings {
  /** The weight part is what the probe quantises (edited with the SettingPicker, scope 'weights'). */
  setting: QuantSetting;
  rows: number;
  cols: number;
  tokens: number;
  seed: number;
}

export type ExplorerRun =
  | { state: 'idle' }
  | { state: 'running'; progress: string }
  | { state: 'done'; result: QuantProbeResult; settings: ExplorerSettings }
  | { state: 'failed'; error: SerializedError };

export interface ExplorerSlice {
  explorer: ExplorerSettings;
  explorerRun: ExplorerRun;
  setExplorer(patch: Partial<ExplorerSettings>): void;
  runExplorer(): Promise<void>;
  cancelExplorer(): void;
}

export const DEFAULT_EXPLORER: ExplorerSettings = {
  setting: parseSetting('W4g128'),
  rows: 256,
  cols: 1024,
  tokens: 1,
  seed: 1,
};

const lane = new EngineCallLane();

export const createExplorerSlice: SliceCreator<ExplorerSlice> = (set, get) => ({
  explorer: DEFAULT_EXPLORER,
  explorerRun: { state: 'idle' },
  setExplorer(patch) {
    set({ explorer: { ...get().explorer, ...patch } });
  },
  async runExplorer() {
    const settings = get().explorer;
    await lane.run(
      (run) => {
        set({ explorerRun: { state: 'running', progress: 'Queued' } });
        return run.call(
          'quantProbe',
          {
            format: settings.setting.weight!.format,
            granularity: settings.setting.weight!.granularity,
            rows: settings.rows,
            cols: settings.cols,
            tokens: settings.tokens,
            seed: settings.seed,
          },
          { onProgress: (_f, message) => set({ explorerRun: { state: 'running', progress: message } }) },
        );
      },
      {
        done: (result) => set({ explorerRun: { state: 'done', result, settings } }),
        cancelled: () => set({ explorerRun: { state: 'idle' } }),
        failed: (error) => set({ explorerRun: { state: 'failed', error } }),
      },
    );
  },
  cancelExplorer() {
    lane.cancel();
  },
});
