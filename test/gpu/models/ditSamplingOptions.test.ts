/**
 * The official DiT sampling rules as manifest options, on the GPU: guidance on the first G latent channels only
 * (the rest are the cond prediction, bit for bit) and the official "ddimN" timesteps for DDIM.
 */
import { describe, expect, it } from 'vitest';
import { testDevice } from '../device';
import { FULL_PRECISION } from '../../../src/quant/setting';
import { DitModel } from '../../../src/models/dit/ditModel';
import { DitSampler, ditSamplingOptions, guidanceLabel, type DitStepTrace } from '../../../src/models/dit/ditSampler';
import { ModelError } from '../../../src/models/runtime/errors';
import { bundleIds, loadDitBundle } from './bundles';

describe('DiT sampling options', () => {
  const id = bundleIds('dit')[0];
  it.runIf(id !== undefined)(
    `${id}: guidanceChannels 3 guides channels 0-2 and copies the cond eps of channel 3; ddimN spacing`,
    async () => {
      const device = await testDevice();
      const { bundle } = await loadDitBundle(id);
      const model = DitModel.load(device, bundle, FULL_PRECISION);
      const { inChannels: C, inputSize: size } = model.config;
      const hw = size * size;
      const n = C * hw;
      const cfg = 4;
      const official = new DitSampler(model, ditSamplingOptions({ guidanceChannels: 3, ddimSpacing: 'ddimN' }));
      const guidedOnly = new DitSampler(model, { guidanceChannels: 3 });
      const ours = new DitSampler(model);
      try {
        expect(C).toBe(4);
        const traces = async (sampler: DitSampler, steps: number, trace = true) => {
          const seen: DitStepTrace[] = [];
          await sampler.sample({
            labels: [3, 8],
            cfg,
            method: 'ddim',
            steps,
            seed: 5,
            trace: { modelOut: trace },
            onStep: (t) => seen.push(t),
          });
          return seen;
        };
        expect((await traces(official, 25, false)).map((t) => t.timestep)).toEqual(
          Array.from({ length: 25 }, (_, i) => 960 - 40 * i),
        );
        const off = await traces(guidedOnly, 2);
        const all = await traces(ours, 2);
        expect(all.map((t) => t.timestep)).toEqual([999, 0]); // the uniform rule ends at T - 1
        expect((await traces(ours, 25, false))[0].timestep).toBe(999);
        expect(off.map((t) => t.timestep)).toEqual(all.map((t) => t.timestep));

        const { outCond, outUncond, outCfg } = off[0];
        for (let b = 0; b < 2; b++) {
          let maxGuided = 0;
          for (let c = 0; c < C; c++) {
            for (let p = 0; p < hw; p++) {
              const cond = outCond![2 * b * n + c * hw + p];
              const uncond = outUncond![2 * b * n + c * hw + p];
              const got = outCfg![2 * b * n + c * hw + p];
              if (c < 3)
                maxGuided = Math.max(
                  maxGuided,
                  Math.abs(got - (uncond + cfg * (cond - uncond))) / (Math.abs(cond) + 1e-3),
                );
              else expect(got).toBe(cond);
            }
          }
          expect(maxGuided).toBeLessThan(1e-5);
        }
        // Channel 3 differs from the all-channel rule at the same first step (same x_T, same model outputs).
        const ch3 = (t: DitStepTrace) => t.outCfg!.subarray(3 * hw, 4 * hw);
        expect(Array.from(ch3(all[0]))).not.toEqual(Array.from(ch3(off[0])));
        expect(Array.from(all[0].outCfg!.subarray(0, 3 * hw))).toEqual(Array.from(off[0].outCfg!.subarray(0, 3 * hw)));

        await expect(official.sample({ labels: [1], cfg, method: 'ddim', steps: 300, seed: 1 })).rejects.toThrow(
          /250 or 334 steps work/,
        );
        await expect(official.sample({ labels: [1], cfg, method: 'ddim', steps: 300, seed: 1 })).rejects.toBeInstanceOf(
          ModelError,
        );
        expect(() => new DitSampler(model, { guidanceChannels: 5 })).toThrow(/guidanceChannels 5/);
        expect(guidanceLabel({ guidanceChannels: 3 }, 4)).toBe('official guidance: first 3 of 4 latent channels');
        expect(guidanceLabel({}, 4)).toBe('guidance on all 4 latent channels');
      } finally {
        official.destroy();
        guidedOnly.destroy();
        ours.destroy();
        model.destroy();
      }
    },
  );
});
