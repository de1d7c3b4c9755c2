/**
 * The user's own bundles: sources added from a folder or a URL (validated in the engine worker, listed beside the
 * shipped models), the download in flight (bytes, rate, cancel), the bytes kept in Cache Storage, and one fp32
 * preview sample per brought generator.
 */
import type { SliceCreator } from '../../store/slice';
import { engine } from '../../app/engine';
import { EngineCallLane } from '../../app/engineCall';
import {
  serializeError,
  type AddSourceParams,
  type AddSourceResult,
  type SerializedError,
} from '../../worker/protocol';
import { browserCaches, downloadUsage, freeDownloads, type CacheUsage } from './downloadCache';
import { previewImage, type PreviewImage } from './previewImage';

export type SourceDownload =
  | { state: 'idle' }
  | {
      state: 'running';
      what: string;
      received: number;
      total: number;
      startedAt: number;
      bytesPerSecond: number;
      message: string;
    }
  | { state: 'failed'; what: string; error: SerializedError };

export type SourcePreview =
  | { state: 'running'; message: string }
  | { state: 'done'; image: PreviewImage; note?: string }
  | { state: 'failed'; error: SerializedError };

/** An added source as the engine answered, with what the user gave (the ?models= value, kept to remove it again). */
export type AddedSource = AddSourceResult & { readonly requestedAs: string };

export interface ModelSourcesSlice {
  /** Added sources in the order they were added (each with its bundles, ids `<source>:<id>`). */
  modelSources: readonly AddedSource[];
  sourceDownload: SourceDownload;
  /** What Cache Storage holds (undefined until read, or where there is no Cache Storage). */
  downloadCache: CacheUsage | undefined;
  /** What "Clear downloaded models" freed last. */
  clearedDownloads: CacheUsage | undefined;
  sourcePreviews: ReadonlyMap<string, SourcePreview>;
  addSource(params: AddSourceParams, what: string): Promise<void>;
  cancelSourceDownload(): void;
  removeSource(sourceId: string): Promise<void>;
  refreshDownloadCache(): Promise<void>;
  clearDownloadCache(): Promise<void>;
  previewModel(modelId: string): Promise<void>;
}

const lane = new EngineCallLane();

export const createModelSourcesSlice: SliceCreator<ModelSourcesSlice> = (set, get) => ({
  modelSources: [],
  sourceDownload: { state: 'idle' },
  downloadCache: undefined,
  clearedDownloads: undefined,
  sourcePreviews: new Map(),

  async addSource(params, what) {
    const startedAt = performance.now();
    const running = () =>
      get().sourceDownload.state === 'running'
        ? (get().sourceDownload as Extract<SourceDownload, { state: 'running' }>)
        : undefined;
    let added = false;
    await lane.run(
      (run) => {
        set({
          sourceDownload: {
            state: 'running',
            what,
            received: 0,
            total: 0,
            startedAt,
            bytesPerSecond: 0,
            message: 'Starting',
          },
        });
        return run.call('addModelSource', params, {
          onProgress: (_f, message) => {
            const now = running();
            if (now) set({ sourceDownload: { ...now, message } });
          },
          onPartial: ({ received, total }) => {
            const now = running();
            const seconds = (performance.now() - startedAt) / 1000;
            if (now)
              set({
                sourceDownload: { ...now, received, total, bytesPerSecond: seconds > 0 ? received / seconds : 0 },
              });
          },
        });
      },
      {
        done: (result) => {
          // The same URL added again replaces its earlier entry.
          const others = get().modelSources.filter(
            (s) => !(s.source.kind === 'url' && s.source.label === result.source.label),
          );
          set({
            modelSources: [...others, { ...result, requestedAs: params.kind === 'url' ? params.url : what }],
            sourceDownload: { state: 'idle' },
          });
          // The playground's picker lists the new models, and a ?model= link waiting for them resolves now.
          get().setView({});
          added = true;
        },
        cancelled: () => set({ sourceDownload: { state: 'idle' } }),
        failed: (error) => set({ sourceDownload: { state: 'failed', what, error } }),
      },
    );
    if (added) await get().refreshDownloadCache();
  },

  cancelSourceDownload() {
    lane.cancel();
    set({ sourceDownload: { state: 'idle' } });
  },

  async removeSource(sourceId) {
    await engine().call('removeModelSource', { sourceId });
    set({ modelSources: get().modelSources.filter((s) => s.source.id !== sourceId) });
    // The playground goes back to the shipped model when it showed one of the removed source's.
    const shown = get().playground.model;
    get().setView(shown?.startsWith(`${sourceId}:`) ? { model: undefined } : {});
  },

  async refreshDownloadCache() {
    const caches = browserCaches();
    set({ downloadCache: caches ? await downloadUsage(caches) : undefined });
  },

  async clearDownloadCache() {
    const caches = browserCaches();
    if (!caches) return;
    const freed = await freeDownloads(caches);
    // The engine keeps validated bundles in memory; forgetting the URL sources makes a later use download again.
    for (const s of get().modelSources.filter((m) => m.source.kind === 'url')) await get().removeSource(s.source.id);
    set({ clearedDownloads: freed, downloadCache: { files: 0, bytes: 0 } });
  },

  async previewModel(modelId) {
    const previews = (p: SourcePreview) => set({ sourcePreviews: new Map(get().sourcePreviews).set(modelId, p) });
    previews({ state: 'running', message: 'Loading' });
    try {
      const info = await engine().call(
        'loadModel',
        { id: modelId },
        { onProgress: (_f, message) => previews({ state: 'running', message }) },
      );
      const result = await engine().call(
        'generate',
        { modelId, settings: [], classLabel: Math.min(7, info.numClasses - 1), seed: 1 },
        { onProgress: (_f, message) => previews({ state: 'running', message }) },
      );
      const rule =
        info.family === 'dit'
          ? `${info.defaults.steps} ${info.defaults.sampler ?? 'ddpm'} steps, cfg ${info.defaults.cfg}, ${info.guidance ?? 'guidance on all latent channels'}`
          : `cfg ${info.defaults.cfg}, top-k ${info.defaults.topK || 'off'}, top-p ${info.defaults.topP || 'off'}`;
      previews({
        state: 'done',
        image: previewImage(result.reference.output, result.outputShape, result.outputKind),
        note: [rule, ...result.notes].join('. '),
      });
    } catch (error) {
      previews({ state: 'failed', error: serializeError(error) });
    }
  },
});
