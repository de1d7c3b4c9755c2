/**
 * Calibration of a model on the engine: the fp32 model samples one image of every class (seed 0, the
 * manifest's guidance; DiT with CALIBRATION.ditSteps DDPM steps) while every Linear input is recorded. This is
 * a fixed calibration set, independent of the request being generated, as static post-training quantisation
 * calibrates once before deployment. Two reductions of the recorded inputs (src/models/runtime/calibration.ts):
 *  - static (per-tensor) activation scales for settings such as W8c-A8t: absmax / qmax per Linear;
 *  - per-channel absmax (SmoothQuant) and X^T X (GPTQ) per Linear.
 */
import { calibrateActivationScales, calibrateLinearInputs, type LinearInputStats } from '../../models/runtime/calibration';
import type { ActivationFormat } from '../../quant/formats';
import type { ModelEntry } from './deviceModels';
import type { GeneratorBundle } from './bundleStore';

export const CALIBRATION = { seed: 0, ditSteps: 10 } as const;

/** The calibration sampling run of `fp32` (the full-precision entry of the model in `bundle`). */
function calibrationRun(fp32: ModelEntry, bundle: GeneratorBundle, onStep: () => void): () => Promise<unknown> {
  const m = bundle.manifest;
  const labels = Array.from({ length: m.config.numClasses }, (_, i) => i);
  if (fp32.family === 'var' && m.family === 'var') {
    return () => fp32.sampler.sample({ labels, cfg: m.sampling.cfg, topK: m.sampling.topK, topP: m.sampling.topP, seed: CALIBRATION.seed, onStep });
  }
  if (fp32.family === 'dit' && m.family === 'dit') {
    return () => fp32.sampler.sample({ labels, cfg: m.sampling.cfg, method: 'ddpm', steps: CALIBRATION.ditSteps, seed: CALIBRATION.seed, onStep });
  }
  throw new Error(`unreachable: entry family ${fp32.family} for bundle family ${m.family}`);
}

/** Scales per Linear name, from `fp32` (the full-precision entry of the model in `bundle`). */
export function calibrateScales(fp32: ModelEntry, bundle: GeneratorBundle, format: ActivationFormat, onStep: () => void): Promise<Map<string, number>> {
  return calibrateActivationScales(fp32.model.weights, format, calibrationRun(fp32, bundle, onStep));
}

/** Per-channel absmax of every Linear's input, with X^T X too when `gram` (GPTQ). */
export function calibrateInputs(fp32: ModelEntry, bundle: GeneratorBundle, gram: boolean, onStep: () => void): Promise<Map<string, LinearInputStats>> {
  return calibrateLinearInputs(fp32.model.weights, calibrationRun(fp32, bundle, onStep), () => gram);
}
