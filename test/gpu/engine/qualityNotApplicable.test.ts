/**
 * FD, KID and accuracy are MNIST measures (the classifier's features and labels): a generator that names no
 * classifier (an official ImageNet model, or any bundle brought without one) is refused with `not-applicable`
 * and a fix, before anything is uploaded, instead of failing inside the measurement. The bundle here is a copy of
 * the smallest shipped VAR with `requires.classifier` removed from its manifest, in a temp models folder.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { parseSetting } from '../../../src/quant/setting';
import { MODELS_DIR, bundleIds } from '../models/bundles';
import { createHarness, rejection, testRun } from './harness';

const id = bundleIds('var')[0];
let root: string | undefined;

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

it.runIf(id !== undefined && existsSync(join(MODELS_DIR, 'index.json')))(
  'a VAR that names no classifier: sample quality does not apply, said with a fix',
  async () => {
    root = await mkdtemp(join(tmpdir(), 'no-classifier-'));
    const manifest = JSON.parse(await readFile(join(MODELS_DIR, id, 'manifest.json'), 'utf8'));
    const tokenizer: string = manifest.requires.tokenizer;
    for (const bundle of [id, tokenizer]) await cp(join(MODELS_DIR, bundle), join(root, bundle), { recursive: true });
    delete manifest.requires.classifier;
    await writeFile(join(root, id, 'manifest.json'), JSON.stringify(manifest, null, 2));
    const index = JSON.parse(await readFile(join(MODELS_DIR, 'index.json'), 'utf8'));
    index.models = index.models.filter((m: { id: string }) => m.id === id || m.id === tokenizer);
    await writeFile(join(root, 'index.json'), JSON.stringify(index, null, 2));

    const harness = createHarness(root);
    try {
      const e = await rejection(
        harness.service.measureQuality({ modelId: id, setting: parseSetting('W4g32'), samples: 3 }, testRun()),
      );
      expect([e.name, e.code]).toEqual(['QualityError', 'not-applicable']);
      expect(e.message).toContain(`do not apply to ${id}`);
      expect(e.fix).toContain('playground');
      // Refused before the GPU was asked for: no device work, no GPU errors.
      expect(harness.errors).toEqual([]);
      // The model itself still generates (the playground's side by side needs no classifier).
      const generated = await harness.service.generate(
        { modelId: id, settings: [parseSetting('W4g32')], classLabel: 3, seed: 1 },
        testRun(),
      );
      expect(generated.runs).toHaveLength(1);
      expect(generated.reference.prediction).toBeUndefined();
    } finally {
      await harness.destroy();
    }
  },
  300_000,
);
