/**
 * The mixed-precision view (issue 15, `-mp<B>`): a generator's per-Linear sensitivity table (shipped in its
 * manifest, measured offline by training/mixed_precision.py) and the bit allocation the engine makes from it for
 * a `-mp` setting, with the uniform settings' predicted errors beside it so the view can say what the mixed
 * allocation buys. The allocation is the one generation uses (mixedPrecisionPlan), not a second implementation.
 * Needs no GPU: it reads the validated manifest only.
 */
import { checkSetting, settingToString } from '../../quant/setting';
import { mixedPrecisionPlan } from '../generation/mixedPrecisionSettings';
import type { GeneratorBundle } from '../generation/bundleStore';
import { AnalysisError } from './errors';
import type { MixedPrecisionParams, MixedPrecisionResult, UniformPrediction } from './types';

export function mixedPrecisionReport(bundle: GeneratorBundle, p: MixedPrecisionParams): MixedPrecisionResult {
  const setting = checkSetting(p.setting);
  if (setting.transforms?.mixedBits === undefined)
    throw new AnalysisError(
      'setting-unsupported',
      `${settingToString(setting)} has no -mp<B> modifier, so there is no allocation to show.`,
      'Add a budget of average weight bits, e.g. W4g32-mp3.',
    );
  const plan = mixedPrecisionPlan(bundle.manifest, setting)!;
  const table = bundle.manifest.sensitivity!;
  const format = setting.weight?.format; // INT: mixedPrecisionPlan refused any other
  const widest = format?.kind === 'int' ? format.bits : 0;
  const widths = [...new Set(table.layers.flatMap((l) => Object.keys(l.errorByBits).map(Number)))]
    .filter((b) => b <= widest)
    .sort((a, b) => a - b);
  const layers = table.layers.map((l) => ({
    name: l.name,
    params: l.params,
    errorByBits: widths.map((b) => l.errorByBits[String(b)]!),
    bits: plan.allocation.bitsByLayer.get(l.name)!,
  }));
  const uniform: UniformPrediction[] = widths.map((bits, i) => ({
    bits,
    predictedError: layers.reduce((sum, l) => sum + l.errorByBits[i]!, 0),
  }));
  return {
    modelId: bundle.manifest.id,
    setting,
    metric: table.metric,
    granularity: table.granularity,
    widths,
    layers,
    averageBits: plan.allocation.averageBits,
    predictedError: plan.allocation.predictedError,
    uniform,
  };
}
