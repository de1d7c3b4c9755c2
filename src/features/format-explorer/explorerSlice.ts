import type { SliceCreator } from '../../store/slice';
import { EngineCallLane } from '../../app/engineCall';
import type { QuantProbeResult, SerializedError } from '../../worker/protocol';
import type { FpName, Granularity, IntBits, WeightFormat } from '../../quant/formats';

export type GranularityChoice = 'tensor' | 'channel' | '32' | '64' | '128';

export interface ExplorerSettings {
  family: 'int' | 'fp';
  intBits: IntBits;
  symmetric: boolean;
  fpName: FpName;
  granularity: GranularityChoice;
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
  family: 'int',
  intBits: 4,
  symmetric: true,
  fpName: 'e2m1',
  granularity: '128',
  rows: 256,
  cols: 1024,
  tokens: 1,
  seed: 1,
};

export function toWeightFormat(s: ExplorerSettings): WeightFormat {
  return s.family === 'int' ? { kind: 'int', bits: s.intBits, symmetric: s.symmetric } : { kind: 'fp', name: s.fpName };
}

export function toGranularity(choice: GranularityChoice): Granularity {
  if (choice === 'tensor' || choice === 'channel') return { kind: choice };
  return { kind: 'group', size: Number(choice) as 32 | 64 | 128 };
}

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
          format: toWeightFormat(settings),
          granularity: toGranularity(settings.granularity),
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
