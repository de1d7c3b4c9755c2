/** The validator on a small models root built from docs/bundle-format.md: accepts it, and rejects each corruption. */
import { describe, expect, it } from 'vitest';
import {
  expectedDitTensors,
  f16ArrayToF32,
  tensorF16Bits,
  validateAllBundles,
  validateBundle,
  validateIndex,
  type VarManifest,
} from '../../src/models/bundle/index.ts';
import { corruptionTests } from './corruptions.ts';
import { manifestOf, rewriteSafetensorsFile, withNaN } from './helpers/editBundle.ts';
import { expectBundleError } from './helpers/expectError.ts';
import { readRawTensors } from './helpers/safetensorsWriter.ts';
import { buildFixtureModels } from './helpers/fixtureModels.ts';

const fixture = buildFixtureModels();
const load = async () => fixture;

describe('validateBundle on the fixture models', () => {
  it('accepts every fixture bundle and returns manifest + tensor table', async () => {
    const { index, results } = await validateAllBundles(fixture);
    expect(index.models.map((m) => m.id)).toEqual(['fx-vqvae', 'fx-var', 'fx-vae', 'fx-dit', 'fx-classifier']);
    for (const r of results) expect(r.ok, r.ok ? r.id : r.error.message).toBe(true);
    const v = await validateBundle(fixture, 'fx-var');
    const m = v.manifest as VarManifest;
    expect(m.config.patchNums).toEqual([1, 2, 3, 4]);
    expect(v.weights!.tensors.get('head.weight')!.shape).toEqual([16, 32]);
    // The tensor table reads back exactly the values that were written.
    const raw = readRawTensors(fixture.files.get('fx-var/weights.safetensors')!).tensors.find(
      (t) => t.name === 'head.weight',
    )!;
    expect(Array.from(tensorF16Bits(v.weights!, 'head.weight'))).toEqual(Array.from(new Uint16Array(raw.data.buffer)));
    expect(f16ArrayToF32(tensorF16Bits(v.weights!, 'head.weight')).some((x) => x !== 0)).toBe(true);
    expect(v.goldens!.tensors.has('tf.logits')).toBe(true);
  });

  it('derives the DiT final linear shape [p*p*2Cin, D] from the config', () => {
    const m = manifestOf(fixture, 'fx-dit');
    const fin = expectedDitTensors(m.config as unknown as Parameters<typeof expectedDitTensors>[0]).tensors.find(
      (t) => t.name === 'final_layer.linear.weight',
    )!;
    expect(fin.shape).toEqual([2 * 2 * 8, 32]);
  });

  describe('corruptions of the VAR bundle', () => corruptionTests(load, 'fx-var'));
  describe('corruptions of the DiT bundle', () => corruptionTests(load, 'fx-dit'));

  it('a manifest that is not JSON -> bad-json', async () => {
    const src = fixture.clone();
    src.files.set('fx-var/manifest.json', new TextEncoder().encode('{"formatVersion": 1,'));
    await expectBundleError(validateBundle(src, 'fx-var'), 'bad-json', 'fx-var/manifest.json');
  });

  it('a missing index.json -> missing-file', async () => {
    const src = fixture.clone();
    src.files.delete('index.json');
    await expectBundleError(validateIndex(src), 'missing-file', 'index.json');
  });

  it('requires naming a bundle that is not in the index -> bad-manifest', async () => {
    const src = fixture.clone();
    const m = manifestOf(src, 'fx-var');
    m.requires = { tokenizer: 'mnist-vqvae-old' };
    src.setJson('fx-var/manifest.json', m);
    await expectBundleError(
      validateBundle(src, 'fx-var'),
      'bad-manifest',
      "requires.tokenizer is 'mnist-vqvae-old'",
      'not in index.json',
    );
  });

  it('a VAR whose vocabulary does not fit its tokenizer -> wrong-shape naming both', async () => {
    const src = fixture.clone();
    const m = manifestOf(src, 'fx-vqvae');
    m.config.vocabSize = 32;
    src.setJson('fx-vqvae/manifest.json', m);
    await expectBundleError(
      validateBundle(src, 'fx-var'),
      'wrong-shape',
      'vocabSize 16',
      "tokenizer 'fx-vqvae'",
      'vocabSize 32',
    );
  });

  it('inconsistent config fields -> bad-manifest naming the field', async () => {
    const src = fixture.clone();
    const m = manifestOf(src, 'fx-var');
    m.config.numTokens = 31;
    src.setJson('fx-var/manifest.json', m);
    await expectBundleError(validateBundle(src, 'fx-var'), 'bad-manifest', "'config.numTokens'", '(30)', 'found 31');
  });

  it('params that disagree with the tensors -> bad-manifest', async () => {
    const src = fixture.clone();
    const m = manifestOf(src, 'fx-dit');
    m.params.total += 1;
    src.setJson('fx-dit/manifest.json', m);
    await expectBundleError(validateBundle(src, 'fx-dit'), 'bad-manifest', 'index.json', "'fx-dit' params differ");
    const index = src.json('index.json') as { models: { id: string; params: unknown }[] };
    index.models.find((e) => e.id === 'fx-dit')!.params = m.params;
    src.setJson('index.json', index);
    await expectBundleError(
      validateBundle(src, 'fx-dit'),
      'bad-manifest',
      'fx-dit/manifest.json',
      'params says total 51169',
    );
  });

  it('ONNX ports that do not fit the config -> wrong-shape', async () => {
    const src = fixture.clone();
    const m = manifestOf(src, 'fx-vae');
    m.onnx!.inputs[0].shape = ['B', 4, 8, 8];
    src.setJson('fx-vae/manifest.json', m);
    await expectBundleError(validateBundle(src, 'fx-vae'), 'wrong-shape', 'onnx.inputs', 'latent [B, 4, 4, 4]');
  });

  it('non-finite FD statistics -> nan-weights naming sigma', async () => {
    const src = fixture.clone();
    rewriteSafetensorsFile(src, 'fx-classifier', 'fx-classifier/fd-stats.safetensors', (ts) =>
      ts.map((t) => (t.name === 'sigma' ? withNaN(t, 3) : t)),
    );
    await expectBundleError(
      validateBundle(src, 'fx-classifier'),
      'nan-weights',
      'fx-classifier/fd-stats.safetensors',
      "'sigma'",
    );
  });
});
