import { describe, expect, it } from 'vitest';
import {
  ddimCoefficients,
  ddpmCoefficients,
  linearBetas,
  respacedSchedule,
  roundHalfEven,
  spaceTimesteps,
} from '../../src/ops/diffusionSchedule';
import { ddimStepRef, ddpmStepRef } from '../../src/ops/diffusionStep';
import { expectClose } from './closeness';
import { torchReference } from './fixtures/torchReference';

describe('diffusion schedule against the PyTorch/numpy implementation (fixtures)', () => {
  it('respacing follows the official repeated-stride rule', () => {
    for (const [steps, expected] of Object.entries(torchReference().respacing)) {
      expect(spaceTimesteps(1000, Number(steps)), `S = ${steps}`).toEqual(expected);
    }
  });

  it('respaced betas, cumulative products, posterior terms agree to 1e-12 relative (S = 50, 250)', () => {
    for (const [steps, arrays] of Object.entries(torchReference().schedules)) {
      const s = respacedSchedule(Number(steps));
      const mine: Record<string, Float64Array> = {
        betas: s.betas,
        alphas_cumprod: s.alphasCumprod,
        alphas_cumprod_prev: s.alphasCumprodPrev,
        sqrt_recip_alphas_cumprod: s.sqrtRecipAlphasCumprod,
        sqrt_recipm1_alphas_cumprod: s.sqrtRecipm1AlphasCumprod,
        posterior_variance: s.posteriorVariance,
        posterior_log_variance_clipped: s.posteriorLogVarianceClipped,
        posterior_mean_coef1: s.posteriorMeanCoef1,
        posterior_mean_coef2: s.posteriorMeanCoef2,
      };
      for (const [name, values] of Object.entries(arrays))
        expectClose(mine[name], values, { atol: 0, rtol: 1e-12 }, `S=${steps} ${name}`);
    }
  });

  it('DDPM (learned range) and DDIM steps reproduce training/diffusion.py', () => {
    const f = torchReference().steps;
    const [B, C, H, W] = f.shape;
    const size = C * H * W;
    const eps: number[] = [];
    const v: number[] = [];
    for (let b = 0; b < B; b++) {
      eps.push(...f.modelOut.slice(b * 2 * size, b * 2 * size + size));
      v.push(...f.modelOut.slice(b * 2 * size + size, (b + 1) * 2 * size));
    }
    const s = respacedSchedule(f.steps);
    for (const c of f.cases) {
      // PyTorch runs the step in f32: a few roundings of O(1..10) values.
      const tol = { atol: 1e-5, rtol: 1e-5 };
      expectClose(ddpmStepRef(f.xt, eps, v, f.noise, ddpmCoefficients(s, c.i)), c.ddpm, tol, `DDPM i=${c.i}`);
      expectClose(ddimStepRef(f.xt, eps, undefined, ddimCoefficients(s, c.i)), c.ddim, tol, `DDIM i=${c.i}`);
    }
  });
});

describe('diffusion schedule, properties', () => {
  it('linear betas run from 1e-4 to 0.02; round() halves to even like Python', () => {
    const betas = linearBetas(1000);
    expect([betas[0], betas[999], betas.length]).toEqual([1e-4, 0.02, 1000]);
    expect([0.5, 1.5, 2.5, -0.5, 2.4999, 2.5001].map(roundHalfEven)).toEqual([0, 2, 2, 0, 2, 3]);
  });

  it('the unrespaced schedule is the base one, and the last step adds no noise', () => {
    const s = respacedSchedule(1000);
    expectClose(s.betas, linearBetas(1000), { atol: 1e-15, rtol: 1e-9 }, 'betas');
    expect(ddpmCoefficients(s, 0).noiseScale).toBe(0);
    expect(ddpmCoefficients(s, 5).noiseScale).toBe(1);
    expect(ddimCoefficients(s, 5, 1).noiseScale).toBeGreaterThan(0);
    expect(() => spaceTimesteps(1000, 1001)).toThrow(RangeError);
  });

  it('a one-step DDPM schedule has finite coefficients (its only step is the last, noise-free one)', () => {
    const c = ddpmCoefficients(respacedSchedule(1), 0);
    for (const [k, v] of Object.entries(c)) if (typeof v === 'number') expect(Number.isFinite(v), k).toBe(true);
    expect(c.noiseScale).toBe(0);
  });
});
