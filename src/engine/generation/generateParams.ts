/**
 * Checks a generate request against the loaded model before any GPU work: settings are well-formed QuantSetting
 * objects and supported, class, seed, cfg, steps and sampler are in range. Settings are canonicalised and
 * de-duplicated. A trained method runs its student bundle with RTN weights at the setting.
 */
import { RTN, checkSetting, sameSetting, settingToString, type QuantSetting } from '../../quant/setting';
import type { DitManifest, VarManifest } from '../../models/bundle/types.ts';
import { GenerationError } from './errors';
import type { DitSamplerName, GenerateParams, RefusedRun } from './types';

export interface ResolvedSetting {
  /** As requested (canonical): what the run reports. */
  readonly setting: QuantSetting;
  /** What the weights are quantised with: the setting, with RTN for a trained method (its student's own weights). */
  readonly weights: QuantSetting;
  /** Another bundle of the same architecture that runs this setting (a trained student). */
  readonly modelId?: string;
}

export interface ResolvedRequest {
  readonly settings: ResolvedSetting[];
  /** Well-formed settings refused already here (their cells show why; the other settings still run). */
  readonly refused: RefusedRun[];
  readonly label: number;
  readonly seed: number;
  readonly cfg: number;
  readonly steps: number;
  readonly sampler?: DitSamplerName;
}

export function resolveRequest(params: GenerateParams, manifest: VarManifest | DitManifest): ResolvedRequest {
  const fail = (problem: string, fix: string): never => {
    throw new GenerationError('argument-invalid', problem, fix);
  };
  if (!Array.isArray(params.settings))
    fail('settings must be a list of QuantSetting objects.', "Pass e.g. [parseSetting('W4g32-A8')].");
  const settings: ResolvedRequest['settings'] = [];
  const refused: RefusedRun[] = [];
  for (const raw of params.settings) {
    const onModel = typeof raw === 'object' && raw !== null && 'modelId' in raw ? raw : undefined;
    if (onModel && typeof onModel.modelId !== 'string')
      fail(
        'a setting on another model needs a modelId string.',
        "Pass e.g. { setting: parseSetting('W4g32-A8~qat-topkld'), modelId: 'mnist-var-d2-qat-w4g32-a8-topkld' }.",
      );
    const setting = checkSetting(onModel ? onModel.setting : raw);
    const text = settingToString(setting);
    const modelId = onModel && onModel.modelId !== manifest.id ? onModel.modelId : undefined;
    if (setting.method.kind === 'smoothquant' && setting.activation.format.kind === 'none') {
      if (!refused.some((r) => sameSetting(r.setting, setting) && r.modelId === modelId))
        refused.push({
          setting,
          ...(modelId ? { modelId } : {}),
          code: 'setting-unsupported',
          message: `${text}: SmoothQuant moves activation outliers into the weights so that activations quantise better; without activation quantisation nothing is quantised that it could help.`,
          fix: 'Add an activation format (e.g. W8c-A8-sq0.5) or drop the sq method.',
        });
      continue;
    }
    if (setting.method.kind === 'qat' && !modelId)
      fail(
        `${text} is a trained method: it runs the student bundle trained for it, not ${manifest.id}.`,
        'Pass { setting, modelId } with the id of the student (the model list marks students with quantTraining).',
      );
    const weights = setting.method.kind === 'qat' ? { ...setting, method: RTN } : setting;
    if (!settings.some((s) => sameSetting(s.setting, setting) && s.modelId === modelId))
      settings.push({ setting, weights, modelId });
  }
  const numClasses = manifest.config.numClasses;
  const label = params.classLabel;
  if (!Number.isInteger(label) || label < 0 || label >= numClasses)
    fail(`class ${label} is not a digit class 0..${numClasses - 1}.`, 'Pick a class from 0 to 9.');
  if (!Number.isInteger(params.seed) || params.seed < 0 || params.seed > Number.MAX_SAFE_INTEGER)
    fail(`seed ${params.seed} is not a non-negative integer.`, 'Pass a whole number seed such as 0 or 1234.');
  const cfg = params.cfg ?? manifest.sampling.cfg;
  if (!Number.isFinite(cfg) || cfg < 0 || cfg > 50)
    fail(`cfg ${cfg} is outside 0..50.`, 'Use a guidance scale such as 1.5 (VAR) or 4 (DiT).');
  if (manifest.family === 'var') {
    if (params.steps !== undefined || params.sampler !== undefined)
      fail(
        'steps and sampler apply to DiT only; VAR always runs one step per scale.',
        'Leave steps and sampler out for a VAR model.',
      );
    return { settings, refused, label, seed: params.seed, cfg, steps: manifest.config.patchNums.length };
  }
  const steps = params.steps ?? manifest.sampling.steps;
  const trainSteps = manifest.config.diffusion.trainSteps;
  if (!Number.isInteger(steps) || steps < 1 || steps > trainSteps)
    fail(`steps ${steps} is outside 1..${trainSteps}.`, 'Use e.g. 50 sampling steps (fewer is faster).');
  const sampler = params.sampler ?? manifest.sampling.method;
  if (sampler !== 'ddpm' && sampler !== 'ddim')
    fail(`sampler '${String(sampler)}' is unknown.`, "Use 'ddpm' or 'ddim'.");
  return { settings, refused, label, seed: params.seed, cfg, steps, sampler };
}
