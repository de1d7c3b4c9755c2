/**
 * The memory planner against what the runtime really allocates: device.createBuffer is wrapped and every size
 * is summed (1) during VarModel.load / DitModel.load (weights and the other tensors: the plan's modelLoadBytes),
 * (2) during the sampler's first run (its Workspace, labelled `VarSampler.*` / `DitSampler.*`: activations + KV
 * cache), (3) during VarTokenizer.load. Tolerance: 1% of each measured total (the planner mirrors the runtime's
 * rounding, so today they agree to the byte; 1% leaves room for small scratch buffers added later).
 */
import { describe, expect, it } from 'vitest';
import { testDevice } from '../device';
import { FULL_PRECISION, parseSetting, settingToString, type QuantSetting } from '../../../src/quant/setting';
import { VarModel } from '../../../src/models/var/varModel';
import { VarTokenizer } from '../../../src/models/var/varTokenizer';
import { VarSampler } from '../../../src/models/var/varSampler';
import { DitModel } from '../../../src/models/dit/ditModel';
import { DitSampler } from '../../../src/models/dit/ditSampler';
import { KernelSet } from '../../../src/models/runtime/kernelSet';
import { planDitMemory, planVarMemory } from '../../../src/models/runtime/memoryPlan';
import { loadDitBundle, loadVarBundle, MODELS_DIR } from './bundles';
import { dawnGpu } from '../device';
import { GpuSession } from '../../../src/worker/gpuSession';
import { BundleStore } from '../../../src/engine/generation/bundleStore';
import { DeviceModels } from '../../../src/engine/generation/deviceModels';
import { GenerationService } from '../../../src/engine/generation/generationService';
import { ModelError } from '../../../src/models/runtime/errors';
import { serializeError } from '../../../src/worker/protocol';
import { FsBundleSource } from '../../models/helpers/sources';
import { rejection, testRun } from '../engine/harness';

const TOLERANCE = 0.01;

/** Bytes of every buffer created while `fn` runs (whose label passes `filter`). */
async function measure<T>(
  device: GPUDevice,
  fn: () => T | Promise<T>,
  filter?: (label: string) => boolean,
): Promise<{ bytes: number; result: T }> {
  const original = device.createBuffer;
  let bytes = 0;
  device.createBuffer = function (descriptor: GPUBufferDescriptor) {
    if (!filter || filter(descriptor.label ?? '')) bytes += descriptor.size;
    return original.call(this, descriptor);
  };
  try {
    const result = await fn();
    return { bytes, result };
  } finally {
    device.createBuffer = original;
  }
}

const within = (estimate: number, measured: number) => Math.abs(estimate - measured) <= TOLERANCE * measured;
const SETTINGS: readonly [string, QuantSetting][] = [
  ['fp32', FULL_PRECISION],
  ['W4g32', parseSetting('W4g32')],
];

describe('memory plan vs allocations', () => {
  it('mnist-var-d1 at fp32 and W4g32 (f16 KV), W4g32 (q8 KV): model load, sampler workspace (KV cache included), tokenizer', async () => {
    const device = await testDevice();
    const { bundle, tokenizer: tokBundle } = await loadVarBundle('mnist-var-d1');
    const kernels = new KernelSet(device);
    const tok = await measure(device, () => VarTokenizer.load(device, tokBundle));
    try {
      const cases = [
        ...SETTINGS.map(([n, s]) => [n, s, 'f16'] as const),
        ['W4g32 q8 KV', SETTINGS[1][1], 'q8'] as const,
      ];
      for (const [name, setting, kvFormat] of cases) {
        const plan = planVarMemory(bundle.manifest.id, bundle.manifest.config, setting, {
          batch: 1,
          tokenizer: tokBundle.manifest.config,
          alignment: device.limits.minStorageBufferOffsetAlignment,
          kvFormat,
        });
        const load = await measure(device, () => VarModel.load(device, bundle, setting, { kernels, kvFormat }));
        const model = load.result;
        const sampler = new VarSampler(model, tok.result);
        try {
          const run = await measure(
            device,
            () => sampler.sample({ labels: [3], cfg: 1.5, topK: 0, topP: 0, seed: 1 }),
            (label) => label.startsWith('VarSampler.') && label !== 'VarSampler.encoder',
          );
          const planned = plan.bytes;
          console.log(
            `${bundle.manifest.id} ${name}: load measured ${load.bytes} planned ${plan.modelLoadBytes}; workspace measured ${run.bytes} planned ${planned.activations + planned.kvCache}; tokenizer measured ${tok.bytes} planned ${planned.tokenizer}`,
          );
          expect(within(plan.modelLoadBytes, load.bytes), `${name} model load`).toBe(true);
          expect(within(planned.activations + planned.kvCache, run.bytes), `${name} sampler workspace`).toBe(true);
          expect(within(planned.tokenizer, tok.bytes), 'tokenizer').toBe(true);
        } finally {
          sampler.destroy();
          model.destroy();
        }
      }
    } finally {
      tok.result.destroy();
      kernels.destroy();
    }
  }, 300_000);

  it('mnist-dit-d1 at fp32 and W4g32: model load and sampler workspace', async () => {
    const device = await testDevice();
    const { bundle } = await loadDitBundle('mnist-dit-d1');
    const kernels = new KernelSet(device);
    try {
      for (const [name, setting] of SETTINGS) {
        const plan = planDitMemory(bundle.manifest.id, bundle.manifest.config, setting, {
          batch: 1,
          steps: 2,
          alignment: device.limits.minStorageBufferOffsetAlignment,
        });
        const load = await measure(device, () => DitModel.load(device, bundle, setting, { kernels }));
        const model = load.result;
        const sampler = new DitSampler(model);
        try {
          const run = await measure(
            device,
            () => sampler.sample({ labels: [3], cfg: 1.5, method: 'ddim', steps: 2, seed: 1 }),
            (label) => label.startsWith('DitSampler.') && label !== 'DitSampler.encoder',
          );
          console.log(
            `${bundle.manifest.id} ${name}: load measured ${load.bytes} planned ${plan.modelLoadBytes}; workspace measured ${run.bytes} planned ${plan.bytes.activations}`,
          );
          expect(within(plan.modelLoadBytes, load.bytes), `${name} model load`).toBe(true);
          expect(within(plan.bytes.activations, run.bytes), `${name} sampler workspace`).toBe(true);
        } finally {
          sampler.destroy();
          model.destroy();
        }
      }
    } finally {
      kernels.destroy();
    }
  }, 300_000);
});

describe('memory plan in the engine', () => {
  it('DeviceModels refuses a (model, setting) over the budget before creating any buffer, names a lower setting that fits, and loads it', async () => {
    const session = new GpuSession({ gpu: dawnGpu(), forceFallbackAdapter: true }, () => undefined);
    const ctx = await session.get();
    const bundles = await new BundleStore(new FsBundleSource(MODELS_DIR)).load('mnist-dit-d1');
    const state = new DeviceModels(ctx, undefined, 4);
    try {
      const w8 = parseSetting('W8g128');
      const fp = state.memoryPlan(bundles, FULL_PRECISION);
      // The decoder and classifier ONNX files count too.
      expect(fp.bytes.decoder).toBeGreaterThan(0);
      state.memoryBudgetBytes = state.memoryPlan(bundles, w8).bytes.total;
      expect(fp.bytes.total).toBeGreaterThan(state.memoryBudgetBytes);
      let error: unknown;
      const refused = await measure(ctx.device, () => {
        try {
          state.model(bundles, FULL_PRECISION);
        } catch (e) {
          error = e;
        }
      });
      expect(refused.bytes).toBe(0);
      expect(error).toBeInstanceOf(ModelError);
      expect(error).toMatchObject({
        code: 'memory-over-budget',
        message: expect.stringContaining(
          `mnist-dit-d1 at fp32 does not fit this adapter: it needs an estimated ${(fp.bytes.total / 1e6).toFixed(1)} MB`,
        ),
        fix: expect.stringContaining('Pick W8g128'),
      });
      expect(state.cachedKeys()).toEqual([]);
      // The suggested setting loads, and so does fp32 once the budget is the default again.
      expect(settingToString(state.model(bundles, w8).model.report.setting)).toBe('W8g128');
      state.memoryBudgetBytes = undefined;
      expect(state.model(bundles, FULL_PRECISION).family).toBe('dit');
    } finally {
      await state.destroy();
      await session.destroy();
    }
  }, 300_000);

  it('a VAR model keeps the f16 KV cache when it fits and switches to q8 only when f16 is over the budget', async () => {
    const session = new GpuSession({ gpu: dawnGpu(), forceFallbackAdapter: true }, () => undefined);
    const ctx = await session.get();
    const bundles = await new BundleStore(new FsBundleSource(MODELS_DIR)).load('mnist-var-d1');
    const state = new DeviceModels(ctx, undefined, 4);
    try {
      const f16 = state.memoryPlan(bundles, FULL_PRECISION, 'f16');
      const q8 = state.memoryPlan(bundles, FULL_PRECISION, 'q8');
      expect(q8.bytes.kvCache).toBeLessThan(f16.bytes.kvCache * 0.6);
      const entry = state.model(bundles, FULL_PRECISION);
      expect(entry.family === 'var' && entry.model.kvFormat).toBe('f16');
      await state.destroy();
      const tight = new DeviceModels(ctx, undefined, 4);
      try {
        tight.memoryBudgetBytes = q8.bytes.total;
        expect(tight.varKvFormat(bundles, FULL_PRECISION)).toBe('q8');
        const squeezed = tight.model(bundles, FULL_PRECISION);
        expect(squeezed.family === 'var' && squeezed.model.kvFormat).toBe('q8');
      } finally {
        await tight.destroy();
      }
      // Below the q8 plan too: refused with the q8 estimate (the smallest this engine can do at that setting).
      const tooTight = new DeviceModels(ctx, undefined, 4);
      try {
        tooTight.memoryBudgetBytes = q8.bytes.total - 1;
        expect(() => tooTight.model(bundles, FULL_PRECISION)).toThrow(
          `it needs an estimated ${(q8.bytes.total / 1e6).toFixed(1)} MB`,
        );
      } finally {
        await tooTight.destroy();
      }
    } finally {
      await state.destroy();
      await session.destroy();
    }
  }, 300_000);

  it('the generation service rejects with the typed error (message and fix for the UI) and the device stays usable', async () => {
    const session = new GpuSession({ gpu: dawnGpu(), forceFallbackAdapter: true }, () => undefined);
    const service = new GenerationService({
      source: new FsBundleSource(MODELS_DIR),
      gpu: () => session.get(),
      memoryBudgetBytes: 100_000,
    });
    const ok = new GenerationService({ source: new FsBundleSource(MODELS_DIR), gpu: () => session.get() });
    try {
      const request = {
        modelId: 'mnist-dit-d1',
        settings: [parseSetting('W4g32')],
        classLabel: 2,
        seed: 9,
        steps: 2,
        sampler: 'ddim' as const,
      };
      const error = serializeError(await rejection(service.generate(request, testRun())));
      expect(error.code).toBe('memory-over-budget');
      expect(error.message).toContain('mnist-dit-d1 at fp32 does not fit this adapter');
      expect(error.message).toContain('0.1 MB');
      expect(error.fix).toMatch(/fits either|Pick /);
      expect((await ok.generate(request, testRun())).runs).toHaveLength(1);
    } finally {
      await service.destroy();
      await ok.destroy();
      await session.destroy();
    }
  }, 300_000);
});
