/**
 * SmoothQuant (-sq0.5) and GPTQ (-gptq) settings through the generation service on real WGSL (Dawn +
 * SwiftShader), with the smallest shipped VAR and DiT: they calibrate on the fp32 model, report GPTQ progress
 * per layer, generate finite outputs that differ from plain RTN's (the prepared weights are really used), are
 * cached, and a GPTQ cancelled between layers leaves the engine usable and caches nothing half-made.
 */
import { parseSetting, settingToString } from '../../../src/quant/setting';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleIds } from '../models/bundles';
import { createHarness, rejection, testRun, type Harness } from './harness';
import { CancelledError } from '../../../src/engine/runContext';
import type { DitStepError, GenerateResult, VarStepError } from '../../../src/engine/generation/types';

const varId = bundleIds('var')[0];
const ditId = bundleIds('dit')[0];
let harness: Harness;
beforeAll(() => {
  harness = createHarness();
});
afterAll(async () => {
  await harness?.destroy();
});

function run(result: GenerateResult, setting: string) {
  const r = result.runs.find((x) => settingToString(x.setting) === setting);
  if (!r) throw new Error(`no run for ${setting} in ${result.runs.map((x) => settingToString(x.setting)).join(', ')}`);
  return r;
}

function expectFinite(values: Iterable<number>): void {
  for (const v of values) expect(Number.isFinite(v), String(v)).toBe(true);
}

/** GPTQ progress messages ("GPTQ layer i/N (name)") in order, as [i, N]. */
function gptqLayers(messages: [number, string][]): [number, number][] {
  return messages.flatMap(([, m]) => {
    const match = /GPTQ layer (\d+)\/(\d+)/.exec(m);
    return match ? [[Number(match[1]), Number(match[2])] as [number, number]] : [];
  });
}

describe('calibration-based methods in the engine', () => {
  it.runIf(varId !== undefined)(
    `${varId}: W4g32-A8-sq0.5 and W3g32-gptq generate finite outputs, GPTQ reports each layer, both differ from RTN`,
    async () => {
      const r = testRun();
      const t0 = performance.now();
      const params = { modelId: varId, classLabel: 3, seed: 11 };
      const result = await harness.service.generate(
        { ...params, settings: [parseSetting('W4g32-A8-sq0.5'), parseSetting('W3g32-gptq')] },
        r,
      );
      const ms = performance.now() - t0;
      for (const setting of ['W4g32-A8-sq0.5', 'W3g32-gptq']) {
        const x = run(result, setting);
        expectFinite(x.output);
        expect(x.steps).toHaveLength(4);
        expectFinite((x.steps as VarStepError[]).map((s) => s.fHatRelL2));
        expect(x.outputRelL2).toBeGreaterThan(0);
      }
      // The 5 Linears of the one block (qkv, proj, fc1, fc2, adaLN) are GPTQ-quantised, one progress message each.
      expect(gptqLayers(r.messages)).toEqual([1, 2, 3, 4, 5].map((i) => [i, 5]));
      expect(r.messages.some(([, m]) => m.includes('W3g32-gptq: calibrating'))).toBe(true);
      // 128 calibration images in batches of 16, reported batch by batch (once: SmoothQuant's absmax pass and GPTQ's
      // X^T X pass are separate calibrations only when the absmax one ran first).
      expect(r.messages.some(([, m]) => /calibrating \(.*128 images\): batch 8\/8/.test(m))).toBe(true);
      expect(r.messages.at(-1)![0]).toBe(1);
      const fractions = r.messages.map(([f]) => f);
      expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
      // Same draws with plain RTN: the prepared weights change the result (GPTQ packs the same bits as RTN).
      const rtn = await harness.service.generate(
        { ...params, settings: [parseSetting('W4g32-A8'), parseSetting('W3g32')] },
        testRun(),
      );
      expect(Array.from(run(result, 'W4g32-A8-sq0.5').output)).not.toEqual(Array.from(run(rtn, 'W4g32-A8').output));
      expect(Array.from(run(result, 'W3g32-gptq').output)).not.toEqual(Array.from(run(rtn, 'W3g32').output));
      expect(run(result, 'W3g32-gptq').memory).toEqual(run(rtn, 'W3g32').memory);
      expect(harness.service.cachedSettings()).toEqual(
        expect.arrayContaining([`${varId}|W4g32-A8-sq0.5`, `${varId}|W3g32-gptq`]),
      );
      // Cached: no calibration or GPTQ the second time, and the identical output.
      const again = testRun();
      const second = await harness.service.generate({ ...params, settings: [parseSetting('W3g32-gptq')] }, again);
      expect(gptqLayers(again.messages)).toEqual([]);
      expect(Array.from(run(second, 'W3g32-gptq').output)).toEqual(Array.from(run(result, 'W3g32-gptq').output));
      expect(harness.errors).toEqual([]);
      console.info(
        `${varId}: fp32 + sq0.5 + gptq (calibration: 128 images x cfg pair, batches of 16) took ${ms.toFixed(0)} ms`,
      );
    },
  );

  it.runIf(ditId !== undefined)(
    `${ditId}: W8c-A8t-sq0.5 (static smoothed scales) and W4g32-A8-gptq generate finite outputs`,
    async () => {
      const r = testRun();
      const t0 = performance.now();
      const result = await harness.service.generate(
        {
          modelId: ditId,
          settings: [parseSetting('W8c-A8t-sq0.5'), parseSetting('W4g32-A8-gptq')],
          classLabel: 7,
          seed: 5,
          steps: 4,
          sampler: 'ddim',
        },
        r,
      );
      for (const x of result.runs) {
        expectFinite(x.output);
        const steps = x.steps as DitStepError[];
        expect(steps).toHaveLength(4);
        expectFinite(steps.map((s) => s.epsRelL2));
        // 8-bit smoothed / 4-bit GPTQ keep the one-step noise prediction near fp32's (loose: a broken method is off by O(1)).
        for (const s of steps) expect(s.epsRelL2).toBeLessThan(0.5);
      }
      expect(gptqLayers(r.messages).map(([i]) => i)).toEqual([1, 2, 3, 4, 5]);
      expect(harness.errors).toEqual([]);
      console.info(
        `${ditId}: fp32 + sq0.5 + gptq (calibration: 128 images x cfg pair x 10 DDPM steps, batches of 16) took ${(performance.now() - t0).toFixed(0)} ms`,
      );
    },
  );

  it.runIf(varId !== undefined)(
    `${varId}: GPTQ cancelled during calibration or between layers rejects with CancelledError, caches nothing, and the engine still runs it`,
    async () => {
      const fresh = createHarness();
      try {
        const params = { modelId: varId, settings: [parseSetting('W4g32-gptq')], classLabel: 2, seed: 7 };
        const duringCalibration = testRun((_, r) => {
          if (r.messages.at(-1)![1].includes('calibrating')) r.cancel();
        });
        expect(await rejection(fresh.service.generate(params, duringCalibration))).toBeInstanceOf(CancelledError);
        expect(gptqLayers(duringCalibration.messages)).toEqual([]);
        const cancelled = testRun((_, r) => {
          if (r.messages.at(-1)![1].includes('GPTQ layer 2/')) r.cancel();
        });
        expect(await rejection(fresh.service.generate(params, cancelled))).toBeInstanceOf(CancelledError);
        expect(gptqLayers(cancelled.messages).map(([i]) => i)).toEqual([1, 2]);
        expect(fresh.service.cachedSettings()).not.toContain(`${varId}|W4g32-gptq`);
        const ok = testRun();
        const result = await fresh.service.generate(params, ok);
        expect(gptqLayers(ok.messages).map(([i]) => i)).toEqual([1, 2, 3, 4, 5]);
        expectFinite(run(result, 'W4g32-gptq').output);
        expect(fresh.service.cachedSettings()).toContain(`${varId}|W4g32-gptq`);
        // The same weights as an uncancelled run on another engine.
        const other = await harness.service.generate(params, testRun());
        expect(Array.from(run(result, 'W4g32-gptq').output)).toEqual(Array.from(run(other, 'W4g32-gptq').output));
        expect(fresh.errors).toEqual([]);
      } finally {
        await fresh.destroy();
      }
    },
  );
});
