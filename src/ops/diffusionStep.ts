/**
 * References of the DiT sampler steps on one flat latent batch (f64 math on f32 inputs; coefficients from
 * src/ops/diffusionSchedule.ts, rounded to f32 as the kernels' uniforms and PyTorch's f32 tensors hold them):
 *   x0   = sqrtRecipAlphaCumprod * x_t - sqrtRecipm1AlphaCumprod * eps          (no clipping)
 *   DDPM: frac = (v + 1) / 2, logVar = frac * maxLog + (1 - frac) * minLog,
 *         x_{t-1} = coef1 * x0 + coef2 * x_t + noiseScale * exp(logVar / 2) * noise
 *   DDIM: eps' = (sqrtRecipAlphaCumprod * x_t - x0) / sqrtRecipm1AlphaCumprod,
 *         x_{t-1} = x0 * sqrtAlphaCumprodPrev + directionCoef * eps' + noiseScale * noise
 */
import type { DdimCoefficients, DdpmCoefficients } from './diffusionSchedule';

const f = Math.fround;

export function ddpmStepRef(
  x: ArrayLike<number>,
  eps: ArrayLike<number>,
  v: ArrayLike<number>,
  noise: ArrayLike<number>,
  c: DdpmCoefficients,
): Float64Array {
  return Float64Array.from({ length: x.length }, (_, i) => {
    const x0 = f(c.sqrtRecipAlphaCumprod) * x[i] - f(c.sqrtRecipm1AlphaCumprod) * eps[i];
    const frac = (v[i] + 1) / 2;
    const logVar = frac * f(c.maxLog) + (1 - frac) * f(c.minLog);
    return (
      f(c.posteriorMeanCoef1) * x0 +
      f(c.posteriorMeanCoef2) * x[i] +
      f(c.noiseScale) * Math.exp(0.5 * logVar) * noise[i]
    );
  });
}

export function ddimStepRef(
  x: ArrayLike<number>,
  eps: ArrayLike<number>,
  noise: ArrayLike<number> | undefined,
  c: DdimCoefficients,
): Float64Array {
  return Float64Array.from({ length: x.length }, (_, i) => {
    const a = f(c.sqrtRecipAlphaCumprod);
    const x0 = a * x[i] - f(c.sqrtRecipm1AlphaCumprod) * eps[i];
    const epsAgain = (a * x[i] - x0) / f(c.sqrtRecipm1AlphaCumprod);
    const n = noise && c.noiseScale !== 0 ? f(c.noiseScale) * noise[i] : 0;
    return x0 * f(c.sqrtAlphaCumprodPrev) + f(c.directionCoef) * epsAgain + n;
  });
}
