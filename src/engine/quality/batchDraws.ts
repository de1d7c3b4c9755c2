/**
 * The random draws of one batch of quality samples: sample i of the measurement uses seed + i, drawn exactly
 * as a single generate request with that seed draws them (sharedDraws.ts), and the batch is their
 * concatenation in sample order. A sample is therefore the same image whatever the batch size, and the same
 * image the playground shows for (class, seed + i).
 */
import { classOfSample } from '../../metrics/jackknife';
import { ditNoise, varUniforms, type DitNoise } from '../generation/sharedDraws';

/** Per scale k: uniforms [B, pn_k^2, vocab] for samples first .. first + B - 1. */
export function batchVarUniforms(
  seed: number,
  first: number,
  batch: number,
  patchNums: readonly number[],
  vocab: number,
): Float32Array[] {
  const out = patchNums.map((pn) => new Float32Array(batch * pn * pn * vocab));
  for (let b = 0; b < batch; b++) {
    varUniforms(seed + first + b, patchNums, vocab).forEach((u, k) => out[k].set(u, b * u.length));
  }
  return out;
}

/** x_T [B, n] and, for DDPM, the noise of every step but the last [B, n] each. */
export function batchDitNoise(
  seed: number,
  first: number,
  batch: number,
  latentElements: number,
  steps: number,
  method: 'ddpm' | 'ddim',
): DitNoise {
  const initial = new Float32Array(batch * latentElements);
  const stepNoise =
    method === 'ddpm' ? Array.from({ length: steps - 1 }, () => new Float32Array(batch * latentElements)) : [];
  for (let b = 0; b < batch; b++) {
    const one = ditNoise(seed + first + b, latentElements, steps, method);
    initial.set(one.initial, b * latentElements);
    one.stepNoise.forEach((n, s) => stepNoise[s].set(n, b * latentElements));
  }
  return { initial, stepNoise };
}

/**
 * Class-balanced labels: sample i asks for class i mod numClasses (metrics' classOfSample, the same rule the
 * jackknife groups are built on: group floor(i / numClasses) mod g holds every class).
 */
export function batchLabels(first: number, batch: number, numClasses: number): number[] {
  return Array.from({ length: batch }, (_, b) => classOfSample(first + b, numClasses));
}
