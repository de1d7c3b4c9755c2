/**
 * The end-to-end bench (`tools/bench/bench.html?suite=e2e`): (1) time per image of every generator at each setting through
 * the samplers and decoders, (2) one DiT forward of ours against onnxruntime-web on the exported graph, (3) the
 * setting-switch latency through GenerationService. One GPUDevice, one page, one run; every ratio comes from
 * measurements of this run. A section that throws (or raises a WebGPU error) is a failure of that case only.
 */
import { GpuContext, adapterLabel } from '../../../../src/gpu/gpuContext';
import { BundleStore } from '../../../../src/engine/generation/bundleStore';
import { GenerationService } from '../../../../src/engine/generation/generationService';
import { onnxHeads } from '../../../../src/engine/generation/onnxHeads';
import { FetchBundleSource } from '../../../../src/models/bundle/source';
import { KernelSet } from '../../../../src/models/runtime/kernelSet';
import { collectEnvironment } from '../environment';
import { GpuErrorWatch } from '../gpuErrorWatch';
import { GpuTimer } from '../gpuTimer';
import type { EndToEndConfig } from './endToEndConfig';
import type {
  EndToEndFailure,
  EndToEndResult,
  ForwardMeasurement,
  ImageMeasurement,
  LatencyMeasurement,
} from './endToEndTypes';
import { summarizeEndToEnd } from './endToEndSummary';
import { loadDecoder } from './generatorUnderTest';
import { timeImages } from './imageTiming';
import { compareDitForward } from './forwardComparison';
import { measureSettingSwitch } from './settingSwitchLatency';

export interface EndToEndProgress {
  readonly message: string;
  /** Cases finished, of `total`. */
  readonly done: number;
  readonly total: number;
}

/**
 * The exported DiT forward graphs (training/export_dit_onnx.py), by model id. Imported as assets of the tools
 * build so that they live beside the bench, not in public/, which the production app copies into dist/.
 */
const FORWARD_GRAPHS: Record<string, string> = Object.fromEntries(
  Object.entries(
    import.meta.glob('../../graphs/*-forward.onnx', { query: '?url', import: 'default', eager: true }) as Record<
      string,
      string
    >,
  ).map(([path, url]) => [path.slice(path.lastIndexOf('/') + 1, -'-forward.onnx'.length), url]),
);

function forwardGraphUrl(id: string): string {
  // A missing graph gets the same 'graph-missing' error as before (the fetch answers 404).
  return new URL(
    FORWARD_GRAPHS[id] ?? `${import.meta.env.BASE_URL}tools/bench/graphs/${id}-forward.onnx`,
    location.href,
  ).href;
}

/** A URL under the site root (Vite's BASE_URL), e.g. `models/`. */
function siteUrl(path: string): string {
  return new URL(`${import.meta.env.BASE_URL}${path}`, location.href).href;
}

export async function runEndToEnd(
  config: EndToEndConfig,
  onProgress: (p: EndToEndProgress) => void,
): Promise<EndToEndResult> {
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const context = await GpuContext.create();
  const { device } = context;
  const gpuErrors = new GpuErrorWatch(context);
  const timer = new GpuTimer(device);
  const kernels = new KernelSet(device);
  const source = new FetchBundleSource(siteUrl('models/'));
  const store = new BundleStore(source);
  const images: ImageMeasurement[] = [];
  const forward: ForwardMeasurement[] = [];
  const latency: LatencyMeasurement[] = [];
  const failures: EndToEndFailure[] = [];
  const total = config.models.length + config.forwardModels.length + config.latencyModels.length;
  let done = 0;
  const log = (message: string): void => onProgress({ message, done, total });

  const attempt = async (id: string, body: () => Promise<void>): Promise<void> => {
    try {
      await gpuErrors.failOnGpuError(body);
    } catch (error) {
      const message =
        error instanceof Error
          ? `${error.name}: ${error.message}${'fix' in error ? ` (fix: ${String(error.fix)})` : ''}`
          : String(error);
      failures.push({ id, message });
      log(`FAILED ${id}: ${message}`);
    }
    done++;
  };

  let service: GenerationService | undefined;
  try {
    const environment = await collectEnvironment(context, adapterLabel(context.adapter));
    log(
      `adapter: ${environment.adapterLabel}; onnxruntime-web ${environment.ortVersion}; end-to-end suite${config.quick ? ' (quick)' : ''}`,
    );
    for (const id of config.models) {
      await attempt(`images/${id}`, async () => {
        const bundles = await store.load(id);
        const decoder = await loadDecoder(device, bundles);
        try {
          images.push(...(await timeImages(device, bundles, kernels, decoder, config, 1, config.reps, log)));
          if (config.batch > 1 && config.batchModels.includes(id))
            images.push(
              ...(await timeImages(device, bundles, kernels, decoder, config, config.batch, config.batchReps, log)),
            );
        } finally {
          await decoder.dispose();
        }
      });
    }
    for (const id of config.forwardModels) {
      await attempt(`forward/${id}`, async () => {
        const bundles = await store.load(id);
        forward.push(...(await compareDitForward(device, bundles, kernels, timer, forwardGraphUrl(id), config, log)));
      });
    }
    service = new GenerationService({ source, gpu: async () => context, heads: onnxHeads });
    for (const id of config.latencyModels) {
      await attempt(`latency/${id}`, async () => {
        latency.push(await measureSettingSwitch(service!, id, config, log));
      });
    }
    return {
      schema: 'quant-gen-playground/e2e-bench@1',
      startedAt,
      durationS: Math.round(performance.now() - t0) / 1e3,
      environment,
      config,
      method: METHOD,
      images,
      forward,
      latency,
      summary: summarizeEndToEnd(images, forward, latency),
      failures,
    };
  } finally {
    gpuErrors.stop();
    await service?.destroy();
    kernels.destroy();
    timer.destroy();
    context.destroy();
  }
}

const METHOD: Record<string, string> = {
  images:
    "per (model, setting, batch): the weights quantised and uploaded once (loadMs), one untimed warm-up image, then `reps` rounds that run every setting of the model once each (round-robin, so load changes hit all settings alike). sample = performance.now() around the real sampler call (VarSampler / DitSampler, no traces: one submission) + queue.onSubmittedWorkDone; decode = the bundle's ONNX decoder (onnxruntime-web/webgpu on our device) on the sampler's GPU output + readback of the images (checked finite and in [-1, 1]); total = sample + decode; all divided by the batch (per image). Medians of the rounds. VAR: cfg/topK/topP from the manifest, PCG32 draws; DiT: the manifest's sampler and cfg, `ditSteps` steps (0 = the manifest's).",
  speedupVsFp32: 'fp32 median / setting median, same model and batch, same run (> 1: faster than fp32)',
  forward:
    "one DiT forward at the CFG batch 2 on the bundle's golden plain-forward inputs (tf.x, tf.t, tf.y): ours = DitModel.encodeForward into one command buffer + submit; onnxruntime = session.run of tools/bench/graphs/<model>-forward.onnx (training/export_dit_onnx.py) with the webgpu EP on our GPUDevice, x/t/y in our GPU buffers, output left on the GPU and disposed. Both timed by wall clock (performance.now() around the issue + queue.onSubmittedWorkDone), after a checked first run and one warm-up, in interleaved rounds. Before timing our fp32 output must match onnxruntime's within forwardTolerance (max abs diff / max |onnxruntime|) or the model fails.",
  speedupVsOrt: 'onnxruntime median / ours median, same model, same run (> 1: ours faster)',
  latency:
    "GenerationService.generate (FetchBundleSource, onnxHeads: what the engine worker runs, called in the page) with settings [new] after a cold first request with [W8c-A8]: the new setting sampled with per-step traces, DiT one-step predictions, compared with the fp32 reference, decoded and classified (the engine keeps fp32 reference runs per model/class/seed/cfg/steps/sampler, so after the cold request the reference is not sampled again: latency[].samples[].referenceSampleMs repeats the cold request's). uncached = a setting whose weights are not in the engine cache (checked), cached = the same request again right after. Wall clock around generate; no worker postMessage.",
};
