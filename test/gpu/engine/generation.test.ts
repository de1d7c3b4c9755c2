/**
 * The generation service on real WGSL (Dawn + SwiftShader) with the smallest shipped VAR and DiT bundles:
 * fp32 against itself gives zero error traces and the identical output; W4g32-A8 gives finite, nonzero
 * traces with one entry per step; the weights cache keeps one entry per (model, setting).
 */
import { parseSetting, settingToString } from '../../../src/quant/setting';
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleIds } from '../models/bundles';
import { createHarness, testRun, type Harness } from './harness';
import { copyModelsRoot } from './modelsRoot';
import type { DitStepError, GenerateResult, VarStepError } from '../../../src/engine/generation/types';

const varId = bundleIds('var')[0];
const ditId = bundleIds('dit')[0];
let harness: Harness;
let root: string | undefined;
beforeAll(async () => {
  root = (await copyModelsRoot()).root;
  harness = createHarness(root);
});
afterAll(async () => {
  await harness?.destroy();
  if (root) await rm(root, { recursive: true, force: true });
});

function expectFinitePositive(values: number[]): void {
  for (const v of values) expect(Number.isFinite(v), String(v)).toBe(true);
  expect(Math.max(...values)).toBeGreaterThan(0);
}

function checkCommon(result: GenerateResult, steps: number): void {
  expect(result.runs.map((r) => settingToString(r.setting))).toEqual(['fp32', 'W4g32-A8']);
  const [self, quant] = result.runs;
  // fp32 against fp32: the same draws through the same kernels give the identical output.
  expect(Array.from(self.output)).toEqual(Array.from(result.reference.output));
  expect(self.outputRelL2).toBe(0);
  expect(self.steps).toHaveLength(steps);
  expect(quant.steps).toHaveLength(steps);
  expect(quant.steps.map((s) => s.progress)).toEqual(Array.from({ length: steps }, (_, i) => (i + 1) / steps));
  expect(quant.outputRelL2).toBeGreaterThan(0);
  expect(Number.isFinite(quant.outputRelL2)).toBe(true);
  // Memory: the fp32 reference keeps the bundle's f16 weights, exactly params x 2 bytes; W4g32 packs the block
  // Linears (embeddings and head stay f16 by default), paying f16 group scales on top of the ideal params x bits / 8.
  const ref = result.reference.memory;
  expect([ref.weightBytes, ref.idealWeightBytes, ref.bitsPerWeight]).toEqual([
    ref.linearParams * 2,
    ref.linearParams * 2,
    16,
  ]);
  expect(quant.memory.linearParams).toBe(ref.linearParams);
  expect(quant.memory.weightBytes).toBeLessThan(ref.weightBytes);
  expect(quant.memory.idealWeightBytes).toBeLessThan(quant.memory.weightBytes);
  expect(result.notes.join(' ')).toContain('raw');
}

describe('generation service', () => {
  it.runIf(varId !== undefined)(
    `${varId}: fp32 vs fp32 is exact, W4g32-A8 has finite nonzero per-scale errors`,
    async () => {
      const run = testRun();
      const result = await harness.service.generate(
        {
          modelId: varId,
          settings: [parseSetting('fp32'), parseSetting('W4g32-A8'), parseSetting('W4g32-A8')],
          classLabel: 3,
          seed: 11,
        },
        run,
      );
      const K = 4;
      expect(result.family).toBe('var');
      expect(result.outputKind).toBe('f_hat');
      expect(result.outputShape).toEqual([1, 32, 4, 4]);
      expect(result.reference.output).toHaveLength(32 * 16);
      checkCommon(result, K);
      const self = result.runs[0].steps as VarStepError[];
      const quant = result.runs[1].steps as VarStepError[];
      for (const s of self) expect([s.fHatRelL2, s.softRelL2, s.snappedRelL2, s.tokenAgreement]).toEqual([0, 0, 0, 1]);
      expect(quant.map((s) => s.patchNum)).toEqual([1, 2, 3, 4]);
      expectFinitePositive(quant.map((s) => s.fHatRelL2));
      expectFinitePositive(quant.map((s) => s.softRelL2));
      for (const s of quant) {
        expect(s.tokenAgreement).toBeGreaterThanOrEqual(0);
        expect(s.tokenAgreement).toBeLessThanOrEqual(1);
      }
      // Progress reaches 1 over (1 + 2 settings) x K steps.
      expect(run.messages.at(-1)![0]).toBe(1);
      expect(harness.service.cachedSettings()).toEqual([`${varId}|fp32`, `${varId}|W4g32-A8`]);
      expect(harness.errors).toEqual([]);
    },
  );

  it.runIf(ditId !== undefined)(
    `${ditId}: fp32 vs fp32 is exact, W4g32-A8 has finite nonzero per-step errors (4 DDPM steps)`,
    async () => {
      const result = await harness.service.generate(
        {
          modelId: ditId,
          settings: [parseSetting('fp32'), parseSetting('W4g32-A8')],
          classLabel: 7,
          seed: 5,
          steps: 4,
          sampler: 'ddpm',
          cfg: 2,
        },
        testRun(),
      );
      expect(result.family).toBe('dit');
      expect(result.outputKind).toBe('latent');
      expect(result.outputShape).toEqual([1, 4, 8, 8]);
      checkCommon(result, 4);
      const self = result.runs[0].steps as DitStepError[];
      const quant = result.runs[1].steps as DitStepError[];
      for (const s of self) expect([s.xRelL2, s.epsRelL2]).toEqual([0, 0]);
      expect(quant.map((s) => s.timestep)).toEqual([999, 666, 333, 0]);
      expectFinitePositive(quant.map((s) => s.xRelL2));
      expectFinitePositive(quant.map((s) => s.epsRelL2));
      for (const s of quant) expect(s.epsRelL2).toBeGreaterThan(0);
      expect(harness.errors).toEqual([]);
    },
  );

  it.runIf(ditId !== undefined)(
    `${ditId}: a per-tensor activation setting (W8c-A8t) is calibrated on the fp32 model, runs, and reruns identically`,
    async () => {
      const params = {
        modelId: ditId,
        settings: [parseSetting('W8c-A8t')],
        classLabel: 1,
        seed: 2,
        steps: 3,
        sampler: 'ddim' as const,
      };
      const first = await harness.service.generate(params, testRun());
      const steps = first.runs[0].steps as DitStepError[];
      expect(steps).toHaveLength(3);
      expectFinitePositive(steps.map((s) => s.epsRelL2));
      expectFinitePositive(steps.map((s) => s.xRelL2));
      // 8-bit weights and static 8-bit activations keep each one-step noise prediction close to fp32's (measured
      // 0.09, 0.014, 0.006 on mnist-dit-d1). The latent itself may not stay close: a 3-step DDIM jump from t=999
      // divides the eps error by sqrt(alpha_bar) ~ 0.006, which is the accumulation the paper is about.
      for (const s of steps) expect(s.epsRelL2).toBeLessThan(0.2);
      const again = await harness.service.generate(params, testRun());
      expect(Array.from(again.runs[0].output)).toEqual(Array.from(first.runs[0].output));
      expect(harness.service.cachedSettings()).toContain(`${ditId}|W8c-A8t`);
    },
  );

  it.runIf(varId !== undefined)(
    `${varId}: with a cache of 2, fp32 is evicted mid-run and results stay correct`,
    async () => {
      const small = createHarness(root, 2);
      try {
        const params = {
          modelId: varId,
          settings: [parseSetting('W8c-A8'), parseSetting('W4g32-A8'), parseSetting('W3g32')],
          classLabel: 5,
          seed: 4,
        };
        const first = await small.service.generate(params, testRun());
        expect(small.service.cachedSettings()).toEqual([`${varId}|W4g32-A8`, `${varId}|W3g32`]);
        // The runs share their Gumbel draws, so 8-bit weights may keep every fp32 token (error 0 at every scale);
        // 3-bit weights do not.
        for (const r of first.runs)
          for (const s of r.steps as VarStepError[]) expect(s.fHatRelL2).toBeGreaterThanOrEqual(0);
        expectFinitePositive((first.runs[2].steps as VarStepError[]).map((s) => s.fHatRelL2));
        // Nothing is sampled twice: fp32's run of this (class, seed) is reused from the reference cache (so fp32
        // is not re-uploaded either) and W3g32 is a cache hit; progress counts W3g32's 4 steps only.
        const run = testRun();
        const second = await small.service.generate({ ...params, settings: [parseSetting('W3g32')] }, run);
        expect(small.service.cachedSettings()).toEqual([`${varId}|W4g32-A8`, `${varId}|W3g32`]);
        expect(run.messages.map(([f]) => f)).toEqual([0.25, 0.5, 0.75, 1]);
        expect(Array.from(second.reference.output)).toEqual(Array.from(first.reference.output));
        expect(Array.from(second.runs[0].output)).toEqual(Array.from(first.runs[2].output));
        expect(second.runs[0].steps).toEqual(first.runs[2].steps);
        // A new seed is a new reference: fp32 is sampled (and uploaded) again.
        await small.service.generate({ ...params, seed: 5, settings: [parseSetting('W3g32')] }, testRun());
        expect(small.service.cachedSettings()).toEqual([`${varId}|fp32`, `${varId}|W3g32`]);
        expect(small.errors).toEqual([]);
      } finally {
        await small.destroy();
      }
    },
  );

  it.runIf(varId !== undefined)(
    `a student bundle must have the teacher's architecture (another VAR size under ${varId} is refused)`,
    async () => {
      const { models } = await harness.service.listModels();
      const secondVar = models.find((m) => m.family === 'var' && m.id !== varId && !m.quantTraining)!.id;
      const params = {
        modelId: varId,
        settings: [{ setting: parseSetting('W4g32'), modelId: secondVar }],
        classLabel: 2,
        seed: 1,
      };
      await expect(harness.service.generate(params, testRun())).rejects.toMatchObject({
        code: 'argument-invalid',
        message: expect.stringContaining('architecture'),
      });
      // The same bundle as its own student is just a setting of the model.
      const self = await harness.service.generate(
        { ...params, settings: [{ setting: parseSetting('W4g32'), modelId: varId }] },
        testRun(),
      );
      expect(self.runs.map((r) => [settingToString(r.setting), r.modelId])).toEqual([['W4g32', undefined]]);
    },
  );
});
