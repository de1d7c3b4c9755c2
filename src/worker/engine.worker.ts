/// <reference lib="webworker" />
/**
 * The engine worker: owns the GPU device and runs every model and kernel request, one at a time.
 */
import { EngineHost, type Handlers } from './engineHost';
import { GpuSession } from './gpuSession';
import { serializeError, type RequestMessage, type ResponseMessage } from './protocol';
import { quantProbe } from '../engine/quantProbe';
import { GenerationService } from '../engine/generation/generationService';
import { onnxHeads } from '../engine/generation/onnxHeads';
import { FetchBundleSource } from '../models/bundle/source';
import { AnalysisService } from '../engine/analysis/analysisService';
import { ModelSources } from '../engine/generation/modelSources';
import { pointSize } from '../engine/quality/pointSize';

declare const self: DedicatedWorkerGlobalScope;

const post = (message: ResponseMessage) => self.postMessage(message);

const gpu = new GpuSession({}, (error, lost) =>
  host.emit({ type: lost ? 'device-lost' : 'gpu-error', error: serializeError(error) }),
);

const generation = new GenerationService({
  source: new FetchBundleSource(new URL(`${import.meta.env.BASE_URL}models/`, self.location.origin).href),
  gpu: () => gpu.get(),
  heads: onnxHeads,
});

const analysis = new AnalysisService(generation);

const sources = new ModelSources(generation.store, {
  baseUrl: self.location.href,
  // Cache Storage exists only in secure contexts (https, localhost).
  caches: typeof self.caches === 'undefined' ? undefined : self.caches,
});

const handlers: Handlers = {
  async init() {
    const ctx = await gpu.get();
    return { adapter: ctx.adapter, hasShaderF16: ctx.hasShaderF16, hasSubgroups: ctx.hasSubgroups };
  },
  async quantProbe(params, run) {
    return quantProbe(await gpu.get(), params, run);
  },
  listModels: () => generation.listModels(),
  addModelSource: (params, run) => sources.add(params, run),
  async removeModelSource({ sourceId }) {
    sources.remove(sourceId);
    return { removed: sourceId };
  },
  loadModel: (params, run) => generation.loadModel(params, run),
  generate: (params, run) => generation.generate(params, run),
  activationStats: (params, run) => analysis.activationStats(params, run),
  weightHistogram: (params) => analysis.weightHistogram(params),
  mixedPrecision: (params) => analysis.mixedPrecision(params),
  snrExperiment: (params, run) => analysis.snrExperiment(params, run),
  measureQuality: (params, run) => generation.measureQuality(params, run),
  pointSize: (params, run) => pointSize(generation, params, run),
};

const host = new EngineHost(post, handlers);
self.addEventListener('message', (event: MessageEvent<RequestMessage>) => host.receive(event.data));
