/**
 * Static (per-tensor) activation scales for settings such as W8c-A8t: the fp32 model samples one image of
 * every class (seed 0, the manifest's guidance; DiT with CALIBRATION.ditSteps DDPM steps) while every Linear
 * input is recorded, and each Linear's scale is absmax / qmax (src/models/runtime/calibration.ts). This is a
 * fixed calibration set, independent of the request being generated, as static post-training quantisation
 * calibrates once before deployment.
 */
import { calibrateActivationScales } from '../../models/runtime/calibration';
import type { ActivationFormat } from '../../quant/formats';
import type { ModelEntry } from './deviceModels';
import type { GeneratorBundle } from './bundleStore';

export const CALIBRATION = { seed: 0, ditSteps: 10 } as const;

/** Scales per Linear name, from `fp32` (the full-precision entry of the model in `bundle`). */
export async function calibrateScales(fp32: ModelEntry, bundle: GeneratorBundle, format: ActivationFormat, onStep: () => void): Promise<Map<string, number>> {
  const m = bundle.manifest;
  const labels = Array.from({ length: m.config.numClasses }, (_, i) => i);
  if (fp32.family === 'var' && m.family === 'var') {
    return calibrateActivationScales(fp32.model.weights, format, () =>
      fp32.sampler.sample({ labels, cfg: m.sampling.cfg, topK: m.sampling.topK, topP: m.sampling.topP, seed: CALIBRATION.seed, onStep }),
    );
  }
  if (fp32.family === 'dit' && m.family === 'dit') {
    return calibrateActivationScales(fp32.model.weights, format, () =>
      fp32.sampler.sample({ labels, cfg: m.sampling.cfg, method: 'ddpm', steps: CALIBRATION.ditSteps, seed: CALIBRATION.seed, onStep }),
    );
  }
  throw new Error(`unreachable: entry family ${fp32.family} for bundle family ${m.family}`);
}
