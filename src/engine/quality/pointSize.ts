/**
 * The size of a sweep point without measuring its quality: the model loaded at the setting (calibrated and
 * prepared as a measurement would be), and the bit accounting of what the GPU stores. A sweep measured by the
 * PyTorch reference (training/sweep_torch.py) takes its size axes from here (`npm run sweep -- --sizes-only`,
 * then `npm run sweep:merge -- --sizes`), so every point's x values come from this engine's one accounting.
 */
import { checkSetting } from '../../quant/setting';
import type { RunContext } from '../runContext';
import type { GenerationService } from '../generation/generationService';
import { modelForSetting } from '../generation/methodSettings';
import { bitAccounting } from './bitAccounting';
import { methodOf } from './qualityRun';
import type { PointSize, PointSizeParams } from './types';

export async function pointSize(
  generation: GenerationService,
  params: PointSizeParams,
  run: RunContext,
): Promise<PointSize> {
  const bundles = await generation.bundles(String(params?.modelId));
  const setting = checkSetting(params.setting);
  const manifest = bundles.model.manifest;
  run.checkpoint();
  return generation.withDeviceModels(async (state) => {
    const check = () => {
      run.checkpoint();
      state.throwIfLost();
    };
    const entry = await modelForSetting(state, bundles, setting, { check, progress: (m) => run.progress(0, m) });
    return {
      modelId: manifest.id,
      setting,
      method: methodOf(manifest, setting),
      ...bitAccounting(entry.model.report, setting, manifest.params.total),
    };
  });
}
