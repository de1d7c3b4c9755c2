/**
 * Calibration of a model on the engine: the fp32 model samples class-balanced images (the manifest's guidance;
 * DiT with CALIBRATION.ditSteps DDPM steps) while every Linear input is recorded. This is a fixed calibration
 * set, independent of the request being generated, as static post-training quantisation calibrates once before
 * deployment. Two reductions of the recorded inputs (src/models/runtime/linearInputs.ts):
 *  - static (per-tensor) activation scales for settings such as W8c-A8t: absmax / qmax per Linear, from
 *    CALIBRATION.scaleImages images (one of each class, seed 0; unchanged since the first engine, so that
 *    parity and earlier results of static-scale settings stay as they were);
 *  - per-channel absmax (SmoothQuant) and X^T X (GPTQ) per Linear, from CALIBRATION.ptqImages images (image i of
 *    class i mod 10), sampled in batches of CALIBRATION.ptqBatch (batch b with seed CALIBRATION.seed + b) and
 *    reduced batch by batch. 128 images give VAR 128 x 2 (cfg pair) x 30 tokens = 7,680 rows per Linear and
 *    DiT 128 x 2 x 16 patches x 10 steps = 40,960 (adaLN: 2,560), at least 2x the widest Linear input of every
 *    shipped model (var-d3 fc2: 768), so GPTQ's Hessian has full rank. Until 2026-12-03 this set was the 10
 *    images of the static scales (VAR 600 rows: rank-deficient for fc2); sweep points record the size in their
 *    method ('gptq128'; plain 'gptq' in older files = 10 images).
 */
import {
  calibrateActivationScales,
  calibrateLinearInputsBatched,
  type LinearInputStats,
} from '../../models/runtime/linearInputs';
import type { ActivationFormat } from '../../quant/formats';
import type { ModelEntry } from './deviceModels';
import type { GeneratorBundle } from './bundleStore';

export const CALIBRATION = { seed: 0, ditSteps: 10, scaleImages: 10, ptqImages: 128, ptqBatch: 16 } as const;

/** The method name a sweep point and the chart use for GPTQ with this many calibration images ('gptq128'). */
export function gptqMethodName(images: number = CALIBRATION.ptqImages): string {
  return `gptq${images}`;
}

/** One calibration sampling run of `fp32` (the full-precision entry of the model in `bundle`) over `labels`. */
function calibrationRun(
  fp32: ModelEntry,
  bundle: GeneratorBundle,
  labels: number[],
  seed: number,
  onStep: () => void,
): () => Promise<unknown> {
  const m = bundle.manifest;
  if (fp32.family === 'var' && m.family === 'var') {
    return () =>
      fp32.sampler.sample({ labels, cfg: m.sampling.cfg, topK: m.sampling.topK, topP: m.sampling.topP, seed, onStep });
  }
  if (fp32.family === 'dit' && m.family === 'dit') {
    return () =>
      fp32.sampler.sample({ labels, cfg: m.sampling.cfg, method: 'ddpm', steps: CALIBRATION.ditSteps, seed, onStep });
  }
  throw new Error(`unreachable: entry family ${fp32.family} for bundle family ${m.family}`);
}

/** Scales per Linear name, from `fp32` (the full-precision entry of the model in `bundle`). */
export function calibrateScales(
  fp32: ModelEntry,
  bundle: GeneratorBundle,
  format: ActivationFormat,
  onStep: () => void,
): Promise<Map<string, number>> {
  const classes = bundle.manifest.config.numClasses;
  const labels = Array.from({ length: Math.min(CALIBRATION.scaleImages, classes) }, (_, i) => i);
  return calibrateActivationScales(
    fp32.model.weights,
    format,
    calibrationRun(fp32, bundle, labels, CALIBRATION.seed, onStep),
  );
}

/** Labels of the PTQ calibration batches: image i asks for class i mod classes, `batch` images per run. */
export function ptqCalibrationBatches(images: number, batch: number, classes: number): number[][] {
  const out: number[][] = [];
  for (let first = 0; first < images; first += batch) {
    out.push(Array.from({ length: Math.min(batch, images - first) }, (_, i) => (first + i) % classes));
  }
  return out;
}

/** Per-channel absmax of every Linear's input, with X^T X too when `gram`, over CALIBRATION.ptqImages images. */
export function calibrateInputs(
  fp32: ModelEntry,
  bundle: GeneratorBundle,
  gram: boolean,
  onStep: () => void,
  onBatch?: (done: number, total: number) => void,
): Promise<Map<string, LinearInputStats>> {
  const batches = ptqCalibrationBatches(CALIBRATION.ptqImages, CALIBRATION.ptqBatch, bundle.manifest.config.numClasses);
  const runs = batches.map((labels, b) => calibrationRun(fp32, bundle, labels, CALIBRATION.seed + b, onStep));
  return calibrateLinearInputsBatched(
    fp32.model.weights,
    runs,
    () => gram,
    onBatch ? (b) => onBatch(b + 1, runs.length) : undefined,
  );
}
