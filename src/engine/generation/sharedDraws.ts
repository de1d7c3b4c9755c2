/**
 * The random draws of one generate request, made ONCE from its seed and handed to every setting's sampler,
 * so fp32 and each quantised run see the same uniforms (VAR token draws) or the same noise (DiT x_T and the
 * DDPM step noise): any difference between the runs is then the quantisation's, not the dice's. The order
 * matches the samplers' own PCG32 defaults (VAR: scale by scale; DiT: x_T, then each DDPM step but the last),
 * so a seeded run gives the same sample whether or not it went through this service.
 */
import { Pcg32 } from '../../models/runtime/prng';
import { GenerationError } from './errors';

/**
 * Per scale k: uniforms [pn_k^2, vocab] for a batch of one: one per token and code, for the Gumbel-max draw
 * (docs/sampling.md), so runs whose logits differ a little still draw the same tokens where they can.
 */
export function varUniforms(seed: number, patchNums: readonly number[], vocab: number): Float32Array[] {
  const rng = new Pcg32(checkedSeed(seed));
  return patchNums.map((pn) => rng.uniforms(pn * pn * vocab));
}

export interface DitNoise {
  readonly initial: Float32Array;
  /** stepNoise[n] for DDPM steps n = 0 .. S-2 (the last step adds none); empty for DDIM. */
  readonly stepNoise: Float32Array[];
}

export function ditNoise(seed: number, latentElements: number, steps: number, method: 'ddpm' | 'ddim'): DitNoise {
  const rng = new Pcg32(checkedSeed(seed));
  const initial = rng.normals(latentElements);
  const stepNoise = method === 'ddpm' ? Array.from({ length: steps - 1 }, () => rng.normals(latentElements)) : [];
  return { initial, stepNoise };
}

function checkedSeed(seed: number): number {
  if (!Number.isInteger(seed) || seed < 0 || seed > Number.MAX_SAFE_INTEGER) {
    throw new GenerationError(
      'argument-invalid',
      `seed ${seed} is not a non-negative integer.`,
      'Pass a whole number seed such as 0 or 1234.',
    );
  }
  return seed;
}
