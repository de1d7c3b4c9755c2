/**
 * The model entry for any setting, including the calibration-based methods: per-tensor activation settings get
 * their static scales; SmoothQuant (-sq<alpha>) and GPTQ (-gptq) settings get weights prepared from the fp32
 * model's calibration inputs (per-channel absmax; X^T X) by src/models/runtime/methodWeights.ts, and so do -lr<r>
 * settings (smoothing from the absmax when activations are quantised, then an SVD per Linear). GPTQ reports
 * "GPTQ layer i/N" and yields to the event loop between layers, so a cancel arriving meanwhile stops it there
 * (nothing is cached then). The result is cached like any other setting's weights (DeviceModels' LRU).
 */
import { tensorAsF32 } from '../../models/bundle/index.ts';
import {
  lowRankNeedsCalibration,
  prepareMethodWeights,
  requireLowRankFits,
  requireMethodSupported,
  requireTransformsSupported,
} from '../../models/runtime/methodWeights';
import type { LinearSpec } from '../../models/runtime/layers';
import { varLinearSpecs } from '../../models/var/varConfig';
import { ditLinearSpecs } from '../../models/dit/ditConfig';
import type { QuantSetting } from '../../quant/setting';
import type { LoadedBundles } from './bundleStore';
import type { DeviceModels, ModelEntry } from './deviceModels';
import { CALIBRATION } from './calibration';

export interface SettingHooks {
  /** Throws on cancel or a lost device (between calibration steps and between GPTQ layers). */
  check(): void;
  progress(message: string): void;
}

export async function modelForSetting(
  state: DeviceModels,
  bundles: LoadedBundles,
  setting: QuantSetting,
  hooks: SettingHooks,
): Promise<ModelEntry> {
  if (state.hasModel(bundles, setting)) return state.model(bundles, setting);
  const method = setting.method.kind;
  const format = setting.activation.format;
  const lowRank = setting.transforms?.lowRank !== undefined;
  if (lowRank) {
    // Refused before any calibration: a modifier combination the engine does not run, or a rank too large.
    requireTransformsSupported(setting, bundles.model.manifest.family);
    requireLowRankFits(setting, linearSpecs(bundles));
  }
  // SmoothQuant's and -lr's static scales are those of the smoothed inputs (prepared with their weights).
  const scales =
    setting.activation.perTensor && format.kind !== 'none' && method !== 'smoothquant' && !lowRank
      ? await state.calibrationScales(bundles, format, hooks.check)
      : undefined;
  if (method !== 'smoothquant' && method !== 'gptq' && !lowRank) return state.model(bundles, setting, scales);
  requireMethodSupported(setting);
  const what = `${method === 'gptq' ? 'X^T X' : 'channel absmax'} of every Linear input, ${CALIBRATION.ptqImages} images`;
  const stats =
    !lowRank || lowRankNeedsCalibration(setting)
      ? (hooks.progress(`calibrating (${what})`),
        await state.linearInputStats(bundles, method === 'gptq', hooks.check, (done, total) =>
          hooks.progress(`calibrating (${what}): batch ${done}/${total}`),
        ))
      : new Map();
  const file = bundles.model.weights!;
  const step = lowRank ? `low-rank split (rank ${setting.transforms!.lowRank})` : 'GPTQ layer';
  const prepared = await prepareMethodWeights(setting, linearSpecs(bundles), (name) => tensorAsF32(file, name), stats, {
    progress: (done, total, name) => hooks.progress(`${step} ${done}/${total} (${name})`),
    checkpoint: async () => {
      await new Promise((resolve) => setTimeout(resolve, 0)); // let a cancel message in
      hooks.check();
    },
  });
  return state.model(bundles, setting, scales, prepared);
}

function linearSpecs(bundles: LoadedBundles): LinearSpec[] {
  const m = bundles.model.manifest;
  return m.family === 'var' ? varLinearSpecs(m.config) : ditLinearSpecs(m.config);
}
