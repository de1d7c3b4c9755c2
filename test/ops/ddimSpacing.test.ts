/**
 * The official "ddimN" spacing (DiT's respace.py: the smallest integer stride with exactly N timesteps) against
 * numbers worked out by hand and, for the respaced schedule, printed by training/diffusion.py's Diffusion class
 * restricted to range(0, 1000, 20) (the same SpacedDiffusion rule the engine follows).
 */
import { describe, expect, it } from 'vitest';
import {
  ddimStrideTimesteps,
  respacedSchedule,
  spaceTimesteps,
  spacedTimesteps,
} from '../../src/ops/diffusionSchedule';

describe('ddimN timestep spacing', () => {
  it('takes the smallest integer stride with exactly N timesteps', () => {
    expect(ddimStrideTimesteps(1000, 50)).toEqual(Array.from({ length: 50 }, (_, i) => 20 * i));
    expect(ddimStrideTimesteps(1000, 250)).toEqual(Array.from({ length: 250 }, (_, i) => 4 * i));
    // ceil(1000 / 143) = 7 and 142 would give 8: the first stride that fits wins.
    expect(ddimStrideTimesteps(1000, 7)).toEqual([0, 143, 286, 429, 572, 715, 858]);
    expect(ddimStrideTimesteps(1000, 1000)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });

  it('differs from the uniform rule (which ends at T - 1)', () => {
    expect(spaceTimesteps(1000, 50).slice(0, 4)).toEqual([0, 20, 41, 61]); // training/diffusion.py space_timesteps(1000, 50)
    expect(spacedTimesteps(1000, 50, 'ddimN').slice(0, 4)).toEqual([0, 20, 40, 60]);
    expect(spacedTimesteps(1000, 50)).toEqual(spaceTimesteps(1000, 50));
  });

  it('refuses counts no integer stride reaches, naming the nearest that work', () => {
    expect(() => ddimStrideTimesteps(1000, 300)).toThrow(/exactly 300 DDIM steps.*250 or 334 steps work/);
    expect(() => ddimStrideTimesteps(1000, 1)).toThrow(/exactly 1 DDIM steps/);
    expect(() => ddimStrideTimesteps(1000, 1001)).toThrow(/pick 1..1000/);
  });

  it('respaces the schedule on those timesteps as SpacedDiffusion does (numbers from training/diffusion.py)', () => {
    const s = respacedSchedule(50, 1000, 'ddimN');
    expect(s.timestepMap).toEqual(Array.from({ length: 50 }, (_, i) => 20 * i));
    const close = (a: number, b: number) => expect(Math.abs(a - b) / Math.abs(b)).toBeLessThan(1e-12);
    close(s.betas[0], 9.999999999998899e-5);
    close(s.betas[1], 0.006165187946595374);
    close(s.betas[49], 0.3246144475291255);
    close(s.posteriorMeanCoef1[10], 0.18404061969921615);
    close(s.sqrtRecipm1AlphasCumprod[49], 130.1437001378652);
  });
});
