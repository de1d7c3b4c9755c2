/** BundleStore and the service's request checks in Node (fixture bundles in memory, no GPU). */
import { parseSetting } from '../../src/quant/setting';
import { beforeAll, describe, expect, it } from 'vitest';
import { BundleStore } from '../../src/engine/generation/bundleStore';
import type { GenerationService } from '../../src/engine/generation/generationService';
import { BundleError } from '../../src/models/bundle/errors';
import { buildFixtureModels } from '../models/helpers/fixtureModels';
import { weightsPath } from '../models/helpers/editBundle';
import type { RunContext } from '../../src/engine/runContext';
import type { GenerateParams } from '../../src/engine/generation/types';

const run = (messages: string[] = []): RunContext => ({
  progress: (_f, m) => messages.push(m),
  checkpoint: () => undefined,
  cancelled: false,
});

describe('BundleStore', () => {
  it('lists the validated index and loads a generator with every bundle it requires', async () => {
    const store = new BundleStore(buildFixtureModels());
    const list = await store.list();
    expect(
      list
        .filter((m) => m.generator)
        .map((m) => m.id)
        .sort(),
    ).toEqual(['fx-dit', 'fx-var']);
    const progress: string[] = [];
    const loaded = await store.load('fx-var', (_f, m) => progress.push(m));
    expect(loaded.model.manifest.id).toBe('fx-var');
    expect([...loaded.required.keys()].sort()).toEqual(['fx-classifier', 'fx-vqvae']);
    expect(progress).toEqual([
      'Validating fx-var',
      'Validating fx-vqvae (needed by fx-var)',
      'Validating fx-classifier (needed by fx-var)',
      'fx-var validated',
    ]);
    expect(store.isLoaded('fx-var')).toBe(true);
    expect(store.isLoaded('fx-dit')).toBe(false);
  });

  it('rejects unknown ids and non-generators with typed errors', async () => {
    const store = new BundleStore(buildFixtureModels());
    await expect(store.load('nope')).rejects.toMatchObject({
      code: 'model-not-found',
      message: expect.stringContaining('fx-var'),
    });
    await expect(store.load('fx-vae')).rejects.toMatchObject({ code: 'not-a-generator' });
  });

  it('a corrupt bundle rejects with the BundleError, is not kept, and loads once repaired', async () => {
    const src = buildFixtureModels().clone();
    const path = weightsPath(src, 'fx-dit');
    const good = src.files.get(path)!.slice();
    const bad = good.slice();
    bad[bad.length - 1] ^= 0xff;
    src.files.set(path, bad);
    const store = new BundleStore(src);
    const error = await store.load('fx-dit').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BundleError);
    expect(error).toMatchObject({ code: 'checksum-mismatch', file: path });
    expect(store.isLoaded('fx-dit')).toBe(false);
    expect((await store.load('fx-var')).model.manifest.id).toBe('fx-var');
    src.files.set(path, good);
    expect((await store.load('fx-dit')).model.manifest.id).toBe('fx-dit');
  });
});

describe('GenerationService request checks (before any GPU work)', () => {
  const noGpu = () => Promise.reject(new Error('the GPU must not be touched for a bad request'));
  let service: GenerationService;
  beforeAll(async () => {
    // The engine's modules read WebGPU's constants (GPUBufferUsage, ...) at import; Dawn's globals provide them
    // without any device.
    Object.assign(globalThis, (await import('webgpu')).globals);
    const { GenerationService } = await import('../../src/engine/generation/generationService');
    service = new GenerationService({ source: buildFixtureModels(), gpu: noGpu });
    // Importing the engine (and Dawn's module) takes seconds on a loaded 2-core machine: more than the 10 s default.
  }, 120_000);
  const ok: GenerateParams = {
    modelId: 'fx-dit',
    settings: [parseSetting('W4g32-A8')],
    classLabel: 3,
    seed: 1,
    steps: 4,
  };
  const cases: [string, Partial<GenerateParams>, string][] = [
    [
      'a malformed setting object',
      {
        settings: [
          {
            ...parseSetting('W4g32'),
            weight: { format: { kind: 'int', bits: 4, symmetric: true }, granularity: { kind: 'group', size: 33 } },
          } as never,
        ],
      },
      'invalid-setting',
    ],
    // SmoothQuant without activation quantisation is refused per setting (GenerateResult.refused), not for the whole
    // request: test/engine/settingRefusal.test.ts.
    ['a class out of range', { classLabel: 10 }, 'argument-invalid'],
    ['a negative seed', { seed: -2 }, 'argument-invalid'],
    ['a non-finite cfg', { cfg: Number.NaN }, 'argument-invalid'],
    ['zero steps', { steps: 0 }, 'argument-invalid'],
    ['an unknown sampler', { sampler: 'euler' as never }, 'argument-invalid'],
    ['steps for a VAR model', { modelId: 'fx-var', steps: 4 }, 'argument-invalid'],
    ['an unknown model', { modelId: 'fx-nope' }, 'model-not-found'],
  ];
  for (const [what, change, code] of cases) {
    it(`${what} -> ${code}, with a fix`, async () => {
      const error = (await service.generate({ ...ok, ...change }, run()).catch((e: unknown) => e)) as {
        code: string;
        fix: string;
      };
      expect(error).toMatchObject({ code });
      expect(error.fix.length).toBeGreaterThan(10);
    });
  }
});
