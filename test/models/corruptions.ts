/**
 * The corruption cases of the validator, written once and run against any var/dit/vqvae bundle in a
 * MemoryBundleSource: the in-test fixture (always) and the shipped bundles (when public/models has them).
 */
import { expect, it } from 'vitest';
import { validateBundle } from '../../src/models/bundle/index.ts';
import { manifestOf, replaceFileStamped, rewriteWeights, weightsPath, withNaN } from './helpers/editBundle.ts';
import { expectBundleError } from './helpers/expectError.ts';
import { randomTensor } from './helpers/fixtureModels.ts';
import type { MemoryBundleSource } from './helpers/sources.ts';
import { makeRng } from '../quant/prng.ts';

export function corruptionTests(load: () => Promise<MemoryBundleSource>, id: string): void {
  const fresh = async (): Promise<MemoryBundleSource> => (await load()).clone();

  it('accepts the untouched bundle', async () => {
    const b = await validateBundle(await fresh(), id);
    expect(b.manifest.id).toBe(id);
    expect(b.checksums).toBe('verified');
  });

  it('missing file -> missing-file naming it', async () => {
    const src = await fresh();
    const listed = manifestOf(src, id).files;
    const victim = `${id}/${listed[listed.length - 1].path}`;
    src.files.delete(victim);
    const err = await expectBundleError(validateBundle(src, id), 'missing-file', victim);
    expect(err.file).toBe(victim);
  });

  it('one flipped byte -> checksum-mismatch naming the weights file', async () => {
    const src = await fresh();
    const path = weightsPath(src, id);
    const bytes = src.files.get(path)!;
    bytes[bytes.byteLength - 3] ^= 0x10;
    const err = await expectBundleError(validateBundle(src, id), 'checksum-mismatch', path, 'sha256');
    expect(err.file).toBe(path);
  });

  it('truncated weights -> truncated, with both sizes', async () => {
    const src = await fresh();
    const path = weightsPath(src, id);
    const bytes = src.files.get(path)!;
    src.files.set(path, bytes.slice(0, bytes.byteLength - 100));
    await expectBundleError(
      validateBundle(src, id),
      'truncated',
      path,
      `${bytes.byteLength - 100} bytes`,
      `${bytes.byteLength}`,
    );
  });

  it('truncated weights with a re-stamped manifest -> truncated, naming the cut tensor', async () => {
    const src = await fresh();
    const path = weightsPath(src, id);
    const bytes = src.files.get(path)!;
    const cut = bytes.byteLength - 100;
    replaceFileStamped(src, id, path, bytes.slice(0, cut));
    const firstCut = manifestOf(src, id).tensors.find((t) => t.byteOffset + t.byteLength > cut)!;
    const err = await expectBundleError(validateBundle(src, id), 'truncated', path, `the file has only ${cut} bytes`);
    expect(err.tensor).toBe(firstCut.name);
  });

  it('a wrong shape in the manifest -> wrong-shape naming the tensor', async () => {
    const src = await fresh();
    const m = manifestOf(src, id);
    const t = m.tensors[1];
    t.shape = [...t.shape, 1].reverse();
    src.setJson(`${id}/manifest.json`, m);
    const err = await expectBundleError(validateBundle(src, id), 'wrong-shape', t.name, 'the manifest says shape');
    expect(err.tensor).toBe(t.name);
  });

  it('weights whose shape does not fit the config -> wrong-shape, expected vs found', async () => {
    const src = await fresh();
    const rng = makeRng(5);
    let name = '';
    rewriteWeights(src, id, (ts) =>
      ts.map((t, i) => {
        if (i !== ts.length - 2) return t;
        name = t.name;
        return randomTensor(rng, t.name, [t.shape[0] + 1, ...t.shape.slice(1)], t.dtype);
      }),
    );
    const err = await expectBundleError(validateBundle(src, id), 'wrong-shape', name, 'from the config');
    expect(err.tensor).toBe(name);
  });

  it('manifest dtype differs from the file -> dtype-mismatch', async () => {
    const src = await fresh();
    const m = manifestOf(src, id);
    const t = m.tensors[0];
    const other = t.dtype === 'F16' ? 'F32' : 'F16';
    t.dtype = other;
    src.setJson(`${id}/manifest.json`, m);
    await expectBundleError(validateBundle(src, id), 'dtype-mismatch', t.name, `the manifest says ${other}`);
  });

  it('a tensor stored in a dtype the family does not use -> dtype-mismatch', async () => {
    const src = await fresh();
    const rng = makeRng(6);
    let name = '';
    rewriteWeights(src, id, (ts) =>
      ts.map((t, i) => {
        if (i !== 0) return t;
        name = t.name;
        return randomTensor(rng, t.name, t.shape, t.dtype === 'F16' ? 'F32' : 'F16');
      }),
    );
    await expectBundleError(validateBundle(src, id), 'dtype-mismatch', name, 'weights must be');
  });

  it('an unknown format version -> unknown-format-version', async () => {
    const src = await fresh();
    const m = manifestOf(src, id);
    m.formatVersion = 2;
    src.setJson(`${id}/manifest.json`, m);
    await expectBundleError(
      validateBundle(src, id),
      'unknown-format-version',
      `${id}/manifest.json`,
      'formatVersion is 2',
    );
  });

  it('a NaN in a weight (checksums re-stamped) -> nan-weights naming tensor and element', async () => {
    const src = await fresh();
    let name = '';
    rewriteWeights(src, id, (ts) =>
      ts.map((t, i) => {
        if (i !== Math.floor(ts.length / 2)) return t;
        name = t.name;
        return withNaN(t, 1);
      }),
    );
    const err = await expectBundleError(validateBundle(src, id), 'nan-weights', name, 'element 1');
    expect(err.tensor).toBe(name);
  });

  it('a required tensor dropped from file and index -> missing-tensor', async () => {
    const src = await fresh();
    let name = '';
    rewriteWeights(src, id, (ts) => {
      name = ts[ts.length - 1].name;
      return ts.slice(0, -1);
    });
    const err = await expectBundleError(validateBundle(src, id), 'missing-tensor', name, 'needs it');
    expect(err.tensor).toBe(name);
  });

  it('an extra tensor (e.g. an official buffer left in) -> bad-manifest naming it', async () => {
    const src = await fresh();
    rewriteWeights(src, id, (ts) => [...ts, randomTensor(makeRng(7), 'lvl_1L', [1, 30], ts[0].dtype)]);
    await expectBundleError(validateBundle(src, id), 'bad-manifest', 'lvl_1L');
  });
}
