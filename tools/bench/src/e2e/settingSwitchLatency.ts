/**
 * Issue 5's latency: from a changed weight setting to the updated image and traces, through the real engine
 * path the worker runs (GenerationService.generate with FetchBundleSource and onnxHeads: the new setting sampled
 * with per-step traces, one-step DiT predictions, comparison with the fp32 reference, which the engine caches per
 * model/class/seed/cfg/steps/sampler after the first request, decoding and classification). After a cold
 * first request with the old setting, each repetition asks for a setting whose weights are not cached yet (checked
 * with cachedSettings()), then asks for it again (now cached), so quantisation + upload show as the difference.
 * Runs in the page, not behind the worker's postMessage (a structured clone of a few KB per result).
 */
import { parseSetting } from '../../../../src/quant/setting';
import { GenerationService } from '../../../../src/engine/generation/generationService';
import type { GenerateParams, GenerateResult } from '../../../../src/engine/generation/types';
import type { RunContext } from '../../../../src/engine/runContext';
import { summarize } from '../stats';
import { BenchError } from './benchError';
import type { EndToEndConfig } from './endToEndConfig';
import type { LatencyMeasurement, LatencySample } from './endToEndTypes';

/** The worker's RunContext without a caller: progress goes nowhere, nothing is ever cancelled. */
const UNCANCELLED: RunContext = { progress: () => undefined, checkpoint: () => undefined, cancelled: false };

export async function measureSettingSwitch(
  service: GenerationService,
  modelId: string,
  config: EndToEndConfig,
  log: (message: string) => void,
): Promise<LatencyMeasurement> {
  const info = (await service.listModels()).models.find((m) => m.id === modelId);
  if (!info || (info.family !== 'var' && info.family !== 'dit')) {
    throw new BenchError(
      'setting-unsupported',
      `${modelId} is not a generator in models/index.json.`,
      'List one VAR and one DiT bundle in latencyModels=.',
    );
  }
  const family = info.family;
  const request = (setting: string): GenerateParams => ({
    modelId,
    settings: [parseSetting(setting)],
    classLabel: config.classLabel,
    seed: config.seed,
    ...(family === 'dit' && config.latencyDitSteps > 0 ? { steps: config.latencyDitSteps } : {}),
  });
  const timed = async (setting: string): Promise<{ ms: number; result: GenerateResult }> => {
    const t0 = performance.now();
    const result = await service.generate(request(setting), UNCANCELLED);
    return { ms: performance.now() - t0, result };
  };
  const cacheKey = (setting: string) => `${modelId}|${setting}`;
  const old = 'W8c-A8';
  const cold = await timed(old);
  requireImage(cold.result, modelId);
  log(`${modelId} latency: cold first generate (${old}) ${cold.ms.toFixed(0)} ms`);
  const samples: LatencySample[] = [];
  let from = old;
  for (const to of config.latencySettings.slice(0, config.latencyReps)) {
    if (service.cachedSettings().includes(cacheKey(to))) {
      throw new BenchError(
        'cache-state',
        `${to} is already cached for ${modelId}; its latency would not include quantisation.`,
        'Give latencySettings= distinct settings that differ from W8c-A8.',
      );
    }
    const uncached = await timed(to);
    requireImage(uncached.result, modelId);
    const cached = await timed(to);
    samples.push({
      from,
      to,
      uncachedMs: uncached.ms,
      cachedMs: cached.ms,
      referenceSampleMs: uncached.result.reference.ms,
      settingSampleMs: uncached.result.runs[0].ms,
    });
    log(`${modelId} latency: ${from} -> ${to} ${uncached.ms.toFixed(0)} ms (cached again: ${cached.ms.toFixed(0)} ms)`);
    from = to;
  }
  return {
    model: modelId,
    family,
    steps: cold.result.stepCount,
    coldMs: cold.ms,
    samples,
    uncached: summarize(samples.map((s) => s.uncachedMs)),
    cached: summarize(samples.map((s) => s.cachedMs)),
  };
}

/** The latency is to an updated IMAGE: a run that fell back to raw outputs (no decoder) would time less work. */
function requireImage(result: GenerateResult, modelId: string): void {
  if (result.outputKind !== 'image' || result.runs.length !== 1 || result.runs[0].steps.length !== result.stepCount) {
    throw new BenchError(
      'output-invalid',
      `${modelId}: generate returned ${result.outputKind} with ${result.runs.length} run(s) (notes: ${result.notes.join(' ') || 'none'}).`,
      'Check that the decoder bundles load (npm run test:e2e, modules project).',
    );
  }
}
