/**
 * What one end-to-end bench run covers (generators through the engine code, DiT forward against
 * onnxruntime-web, setting-switch latency), read from the page URL like the kernel bench
 * (`/tools/bench/bench.html?suite=e2e&auto=1&quick=1`), so the Node driver and a person at the page configure it the same way.
 */
import { parseSetting, settingToString } from '../../../../src/quant/setting';

export interface EndToEndConfig {
  readonly quick: boolean;
  /** Generator bundle ids timed per image (VAR and DiT). */
  readonly models: readonly string[];
  /** QuantSetting strings; fp32 is always among them (the ratios' baseline). */
  readonly settings: readonly string[];
  /** Timed batch-1 images per (model, setting), after one untimed warm-up image. */
  readonly reps: number;
  /** Images per batch of the batched case (reported per image); 0 = no batched case. */
  readonly batch: number;
  /** Models that also get the batched case (a DiT batch of 8 costs ~8x a single image on a CPU adapter). */
  readonly batchModels: readonly string[];
  readonly batchReps: number;
  /**
   * DiT sampling steps for the image timings; 0 = the manifest's default (50). The full run uses 10: on
   * SwiftShader 50 steps of DiT d4 take seconds per image even on an idle 2-core machine, and four models x four
   * settings x repetitions would not fit the run; ms per step is reported next to the step count.
   */
  readonly ditSteps: number;
  /** DiT bundles whose one forward is compared with onnxruntime-web on tools/bench/graphs/<id>-forward.onnx. */
  readonly forwardModels: readonly string[];
  /** Settings of our forward in that comparison (the check against onnxruntime uses the fp32 one). */
  readonly forwardSettings: readonly string[];
  readonly forwardReps: number;
  /** Max |ours - onnxruntime| / max |onnxruntime| of the fp32 forward; above it the case fails and is not timed. */
  readonly forwardTolerance: number;
  /** Models of the setting-switch latency (one per family). */
  readonly latencyModels: readonly string[];
  /** Weight settings cycled through, one per repetition, so the new one is never cached yet. */
  readonly latencySettings: readonly string[];
  readonly latencyReps: number;
  /** DiT steps of the latency runs; 0 = the manifest's default (what the app uses). */
  readonly latencyDitSteps: number;
  readonly classLabel: number;
  readonly seed: number;
}

const FULL_MODELS = [
  'mnist-var-d1',
  'mnist-var-d2',
  'mnist-var-d3',
  'mnist-dit-d1',
  'mnist-dit-d2',
  'mnist-dit-d3',
  'mnist-dit-d4',
];
const DIT_MODELS = ['mnist-dit-d1', 'mnist-dit-d2', 'mnist-dit-d3', 'mnist-dit-d4'];
/** fp32, W8A8 (per-channel INT8 weights, per-token INT8 activations), W4A16 and W4A8 at groups of 32. */
const SETTINGS = ['fp32', 'W8c-A8', 'W4g32', 'W4g32-A8'];
const LATENCY_CYCLE = ['W8g32', 'W6g32', 'W4g32', 'W3g32', 'W5g32', 'W2g32', 'W7g32'];

/** A comma-separated list; absent = the default, empty (`latencyModels=`) = none. */
const list = (raw: string | null, fallback: readonly string[]): string[] =>
  raw === null
    ? [...fallback]
    : raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);

/** Reads the config from URL parameters; every parameter is optional. */
export function endToEndConfigFromUrl(search: string): EndToEndConfig {
  const params = new URLSearchParams(search);
  const quick = params.get('quick') === '1';
  const number = (name: string, fallback: number): number => {
    const raw = params.get(name);
    const value = raw === null ? fallback : Number(raw);
    if (!Number.isInteger(value) || value < 0) throw new Error(`${name}=${raw} must be a non-negative integer`);
    return value;
  };
  const canonical = (settings: string[]): string[] => [
    ...new Set(settings.map((s) => settingToString(parseSetting(s)))),
  ];
  const settings = canonical(list(params.get('settings'), quick ? ['fp32', 'W4g32'] : SETTINGS));
  if (!settings.includes('fp32')) settings.unshift('fp32');
  const latencySettings = canonical(list(params.get('latencySettings'), LATENCY_CYCLE));
  const latencyReps = Math.max(1, number('latencyReps', quick ? 1 : 5));
  if (latencySettings.length < latencyReps)
    throw new Error(
      `latencyReps=${latencyReps} needs as many distinct latencySettings (${latencySettings.length} given): a repeated setting would be cached`,
    );
  const tolerance = Number(params.get('forwardTolerance') ?? 1e-3);
  if (!(tolerance > 0)) throw new Error('forwardTolerance must be a positive number');
  return {
    quick,
    models: list(params.get('models'), quick ? ['mnist-var-d1', 'mnist-dit-d1'] : FULL_MODELS),
    settings,
    reps: Math.max(1, number('reps', quick ? 1 : 5)),
    batch: number('batch', quick ? 0 : 8),
    batchModels: list(params.get('batchModels'), ['mnist-var-d2', 'mnist-dit-d2']),
    batchReps: Math.max(1, number('batchReps', quick ? 1 : 2)),
    ditSteps: number('ditSteps', quick ? 4 : 10),
    forwardModels: list(params.get('forwardModels'), quick ? ['mnist-dit-d1'] : DIT_MODELS),
    forwardSettings: canonical(list(params.get('forwardSettings'), ['fp32', 'W4g32'])),
    forwardReps: Math.max(1, number('forwardReps', quick ? 3 : 20)),
    forwardTolerance: tolerance,
    latencyModels: list(
      params.get('latencyModels'),
      quick ? ['mnist-var-d1', 'mnist-dit-d1'] : ['mnist-var-d2', 'mnist-dit-d2'],
    ),
    latencySettings,
    latencyReps,
    latencyDitSteps: number('latencyDitSteps', quick ? 4 : 0),
    classLabel: number('classLabel', 3),
    seed: number('seed', 0),
  };
}
