import type { SliceCreator } from '../../store/slice';
import { engine, onEngineEvent, restartEngine } from '../../app/engine';
import { serializeError, type EngineInfo, type SerializedError } from '../../worker/protocol';

export type GpuStatus =
  { state: 'starting' } | { state: 'ready'; info: EngineInfo } | { state: 'failed'; error: SerializedError };

export interface GpuSlice {
  gpuStatus: GpuStatus;
  /** Starts (or restarts) the engine worker and its GPU device. */
  startGpu(restart?: boolean): Promise<void>;
}

export const createGpuSlice: SliceCreator<GpuSlice> = (set) => {
  onEngineEvent((event) => {
    if (event.type === 'device-lost') set({ gpuStatus: { state: 'failed', error: event.error } });
  });
  return {
    gpuStatus: { state: 'starting' },
    async startGpu(restart = false) {
      set({ gpuStatus: { state: 'starting' } });
      try {
        const info = await (restart ? restartEngine() : engine()).call('init', {});
        set({ gpuStatus: { state: 'ready', info } });
      } catch (error) {
        set({ gpuStatus: { state: 'failed', error: serializeError(error) } });
      }
    },
  };
};
