/**
 * The generation service's failure paths on Dawn: a corrupt bundle rejects with checksum-mismatch and the
 * engine goes on loading good bundles; a cancel between steps rejects with CancelledError and the next run
 * gives the same sample as before; a device destroyed mid-run rejects with 'device-lost' and the next run
 * works on a new device, again with the same sample.
 */
import { parseSetting } from '../../../src/quant/setting';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleIds } from '../models/bundles';
import { createHarness, rejection, testRun, type Harness } from './harness';
import { copyModelsRoot } from './modelsRoot';
import { BundleError } from '../../../src/models/bundle/errors';
import { CancelledError } from '../../../src/engine/runContext';
import { GpuError } from '../../../src/gpu/errors';
import type { GenerateParams, GenerateResult } from '../../../src/engine/generation/types';

const varId = bundleIds('var')[0];
const ditId = bundleIds('dit')[0];
let root: string;
let harness: Harness;
beforeAll(async () => {
  root = (await copyModelsRoot()).root;
  harness = createHarness(root);
});
afterAll(async () => {
  await harness?.destroy();
  if (root) await rm(root, { recursive: true, force: true });
});

const ditRequest = (): GenerateParams => ({
  modelId: ditId,
  settings: [parseSetting('W4g32-A8')],
  classLabel: 2,
  seed: 9,
  steps: 4,
  sampler: 'ddpm',
});
const outputs = (r: GenerateResult) => [Array.from(r.reference.output), Array.from(r.runs[0].output)];

describe.runIf(varId !== undefined && ditId !== undefined)('generation service failures', () => {
  it('a flipped byte rejects loadModel with checksum-mismatch; good bundles still load, and the same one once its file is good again', async () => {
    const path = join(root, varId, 'weights.safetensors');
    const good = await readFile(path);
    const bad = Buffer.from(good);
    bad[bad.length - 3] ^= 0x01;
    await writeFile(path, bad);
    const error = await rejection(harness.service.loadModel({ id: varId }, testRun()));
    expect(error).toBeInstanceOf(BundleError);
    expect(error.code).toBe('checksum-mismatch');
    expect(error.message).toContain(`${varId}/weights.safetensors`);
    expect(error.fix!.length).toBeGreaterThan(10);
    // The engine is still usable: another bundle loads, and the same one once its file is good again.
    const dit = await harness.service.loadModel({ id: ditId }, testRun());
    expect(dit).toMatchObject({ id: ditId, family: 'dit', checksums: 'verified' });
    await writeFile(path, good);
    const run = testRun();
    const info = await harness.service.loadModel({ id: varId }, run);
    expect(info).toMatchObject({ id: varId, family: 'var', defaults: { steps: 4 } });
    expect(run.messages.at(-1)).toEqual([1, `${varId} loaded`]);
    expect((await harness.service.listModels()).models.filter((m) => m.generator).map((m) => m.id)).toEqual(
      expect.arrayContaining([varId, ditId]),
    );
  });

  it('an unknown model, a bad setting string and a bad class reject with typed errors', async () => {
    expect(await rejection(harness.service.loadModel({ id: 'no-such-model' }, testRun()))).toMatchObject({
      code: 'model-not-found',
    });
    expect(
      await rejection(
        harness.service.generate(
          {
            ...ditRequest(),
            settings: [
              {
                ...parseSetting('W4g32'),
                weight: { format: { kind: 'int', bits: 9, symmetric: true }, granularity: { kind: 'group', size: 32 } },
              } as never,
            ],
          },
          testRun(),
        ),
      ),
    ).toMatchObject({ code: 'invalid-setting' });
    expect(await rejection(harness.service.generate({ ...ditRequest(), classLabel: 10 }, testRun()))).toMatchObject({
      code: 'argument-invalid',
    });
    // A setting the engine refuses is answered in the result (its cell shows the error), not by failing the request.
    const refused = await harness.service.generate(
      { ...ditRequest(), settings: [parseSetting('W4g32-sq0.5')] },
      testRun(),
    );
    expect(refused.runs).toEqual([]);
    expect(refused.refused).toEqual([
      expect.objectContaining({ setting: parseSetting('W4g32-sq0.5'), code: 'setting-unsupported' }),
    ]);
  });

  it('one refused setting does not fail the request: it gets its typed error and the other settings run', async () => {
    const tg = parseSetting('W4g32-A8-tg4');
    const run = testRun();
    const result = await harness.service.generate(
      { modelId: varId, settings: [tg, parseSetting('W4g32')], classLabel: 1, seed: 3 },
      run,
    );
    expect(result.runs.map((r) => r.setting)).toEqual([parseSetting('W4g32')]);
    expect(result.runs[0].steps).toHaveLength(4);
    expect(result.refused).toHaveLength(1);
    const [refusal] = result.refused;
    expect(refusal.setting).toEqual(tg);
    expect(refusal.code).toBe('setting-unsupported');
    expect(refusal.message).toContain('-tg');
    expect(refusal.fix).toMatch(/Drop -tg/);
    // Progress still reaches the end: the refused setting samples nothing and is not counted.
    expect(run.messages.at(-1)?.[0]).toBe(1);
  });

  it('cancel between steps rejects with CancelledError and the next run gives the same sample', async () => {
    const before = await harness.service.generate(ditRequest(), testRun());
    const cancelled = testRun((count, run) => count === 3 && run.cancel());
    expect(await rejection(harness.service.generate(ditRequest(), cancelled))).toBeInstanceOf(CancelledError);
    expect(cancelled.messages).toHaveLength(3);
    const after = await harness.service.generate(ditRequest(), testRun());
    expect(outputs(after)).toEqual(outputs(before));
    expect(after.runs[0].steps).toEqual(before.runs[0].steps);
  });

  it('a device destroyed mid-run rejects with device-lost; the next run works on a new device', async () => {
    const before = await harness.service.generate(ditRequest(), testRun());
    const ctx = await harness.session.get();
    const lostRun = testRun((count) => count === 2 && ctx.device.destroy());
    const error = await rejection(harness.service.generate(ditRequest(), lostRun));
    expect(error).toBeInstanceOf(GpuError);
    expect(error.code).toBe('device-lost');
    expect(error.fix).toContain('Restart GPU');
    expect(harness.errors.map((e) => e.code)).toEqual(['device-lost']);
    const after = await harness.service.generate(ditRequest(), testRun());
    expect(await harness.session.get()).not.toBe(ctx);
    expect(outputs(after)).toEqual(outputs(before));
    // VAR loads and runs on the new device too.
    const v = await harness.service.generate(
      { modelId: varId, settings: [parseSetting('W4g32-A8')], classLabel: 1, seed: 3 },
      testRun(),
    );
    expect(v.runs[0].steps).toHaveLength(4);
  });
});
