/**
 * Checks a measureQuality request before any GPU work. The setting, seed, cfg, steps and sampler go through
 * the generate request's own checks (resolveRequest), so both methods accept and reject the same values;
 * the sample count and batch size are checked here.
 */
import type { DitManifest, VarManifest } from '../../models/bundle/types.ts';
import { settingToString, type QuantSetting } from '../../quant/setting';
import { GenerationError } from '../generation/errors';
import { resolveRequest } from '../generation/generateParams';
import type { DitSamplerName } from '../generation/types';
import type { MeasureQualityParams } from './types';

/** Most samples one request may ask for (a 10,000-sample FD is the usual full-test-set figure). */
export const MAX_SAMPLES = 10_000;
export const MAX_BATCH = 64;
/**
 * Images per sampler call when the request names none. Measured on Dawn + SwiftShader under load ~26 on 2
 * cores (docs/sweep.md): var-d3 W4g32 took 6.4-8.1 s per image at batch 1, 4.2-4.4 at 5, 3.4-4.2 at 10 and
 * 3.2-3.3 at 20; dit-d4 (10 steps) 19.5 at 1 and 17.3 at 5. 10 is within ~15% of 20 while the UI gets a
 * moving point twice as often, and keeps the classes balanced within every batch.
 */
export const DEFAULT_BATCH = 10;

export interface ResolvedQuality {
  readonly setting: { readonly text: string; readonly value: QuantSetting };
  readonly samples: number;
  readonly batch: number;
  readonly seed: number;
  readonly cfg: number;
  readonly steps: number;
  readonly sampler?: DitSamplerName;
  /** Also measure the paired per-sample metrics against fp32 on the same draws (the live point; not fp32 itself). */
  readonly paired: boolean;
}

export function resolveQuality(params: MeasureQualityParams, manifest: VarManifest | DitManifest): ResolvedQuality {
  const fail = (problem: string, fix: string): never => {
    throw new GenerationError('argument-invalid', problem, fix);
  };
  if (typeof params.setting !== 'object' || params.setting === null)
    fail('setting must be one QuantSetting object.', "Pass e.g. parseSetting('W4g32-A8') or FULL_PRECISION.");
  const seed = params.seed ?? 0;
  const base = resolveRequest(
    {
      modelId: params.modelId,
      settings: [params.setting],
      classLabel: 0,
      seed,
      steps: params.steps,
      sampler: params.sampler,
      cfg: params.cfg,
    },
    manifest,
  );
  const samples = params.samples;
  if (!Number.isInteger(samples) || samples < 1 || samples > MAX_SAMPLES)
    fail(`samples ${samples} is outside 1..${MAX_SAMPLES}.`, 'Ask for e.g. 100 samples (FD needs 3 or more).');
  const batch = params.batch ?? DEFAULT_BATCH;
  if (!Number.isInteger(batch) || batch < 1 || batch > MAX_BATCH)
    fail(
      `batch ${batch} is outside 1..${MAX_BATCH}.`,
      `Leave batch out (default ${DEFAULT_BATCH}) or pass 1..${MAX_BATCH}.`,
    );
  if (params.paired !== undefined && typeof params.paired !== 'boolean')
    fail(
      `paired ${String(params.paired)} is not true or false.`,
      'Pass paired: true for the live point, or leave it out.',
    );
  if (seed + samples - 1 > Number.MAX_SAFE_INTEGER)
    fail(`seed ${seed} + ${samples} samples runs past the largest safe integer.`, 'Use a smaller seed.');
  const [setting] = base.settings;
  const text = settingToString(setting.setting);
  return {
    setting: { text, value: setting.setting },
    samples,
    batch: Math.min(batch, samples),
    seed,
    cfg: base.cfg,
    steps: base.steps,
    sampler: base.sampler,
    paired: params.paired === true && text !== 'fp32',
  };
}
