/**
 * Bundles from a URL or a folder are untrusted input. Each case here was accepted, crashed the tab or was
 * reported unclearly before (issue 13, "Hostile and broken bundles"): each now gets a BundleError naming the
 * file, the field or tensor, what was expected and found, and the fix.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createHash } from 'node:crypto';
import { phiIndexPerScale, phiTicks, validateBundle } from '../../src/models/bundle/index.ts';
import { sha256Hex } from '../../src/models/bundle/fileChecks.ts';
import { checkPngFile } from '../../src/models/bundle/fileTypes.ts';
import { manifestOf, replaceFileStamped, weightsPath } from './helpers/editBundle.ts';
import { replaceWeights, withHeader } from './helpers/safetensorsHeader.ts';
import { expectBundleError } from './helpers/expectError.ts';
import { buildFixtureModels } from './helpers/fixtureModels.ts';
import { onnxStub } from './helpers/onnxStub.ts';
import type { MemoryBundleSource } from './helpers/sources.ts';
import { makeRng } from '../quant/prng.ts';

const fixture = buildFixtureModels();
const fresh = (): MemoryBundleSource => fixture.clone();

describe('counts in the config are bounded by the weights before anything is built from them', () => {
  it.each([1e6, 1e9, 2 ** 53 - 1])(
    'config.depth %d -> bad-manifest naming config.depth, fast and without allocating',
    async (depth) => {
      const src = fresh();
      const m = manifestOf(src, 'fx-var');
      m.config.depth = depth;
      src.setJson('fx-var/manifest.json', m);
      const heapBefore = process.memoryUsage().heapUsed;
      const t0 = performance.now();
      const err = await expectBundleError(
        validateBundle(src, 'fx-var'),
        'bad-manifest',
        "'config.depth'",
        `is ${depth}`,
        'fx-var/weights.safetensors holds 2 blocks',
      );
      // Before the bound, depth 1e6 built 15 million expected-tensor objects (~2 GB) before the first comparison.
      expect(performance.now() - t0).toBeLessThan(2000);
      expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(64 * 2 ** 20);
      expect(err.file).toBe('fx-var/manifest.json');
      expect(err.fix).toContain('config.depth');
    },
  );

  it('a manifest depth one larger than the weights blames the manifest field, not a tensor of the weights', async () => {
    const src = fresh();
    const m = manifestOf(src, 'fx-dit');
    m.config.depth = 3;
    src.setJson('fx-dit/manifest.json', m);
    const err = await expectBundleError(
      validateBundle(src, 'fx-dit'),
      'bad-manifest',
      "field 'config.depth' is 3",
      'holds 2 blocks (blocks.0 .. blocks.1)',
    );
    expect(err.file).toBe('fx-dit/manifest.json');
    expect(err.tensor).toBeUndefined();
    expect(err.fix).toContain('(2)');
  });

  it('a manifest depth smaller than the weights is also the manifest field', async () => {
    const src = fresh();
    const m = manifestOf(src, 'fx-var');
    m.config.depth = 1;
    src.setJson('fx-var/manifest.json', m);
    await expectBundleError(
      validateBundle(src, 'fx-var'),
      'bad-manifest',
      "field 'config.depth' is 1",
      'holds 2 blocks',
    );
  });

  it.each([
    ['imageSize', 1e6, 'at most 4096'],
    ['channels', 1000, 'at most 4'],
    ['numClasses', 1e9, 'at most 100000'],
  ] as const)(
    'dataset.%s %d, which no file bounds but the engine allocates from -> bad-manifest',
    async (field, value, expected) => {
      const src = fresh();
      const m = manifestOf(src, 'fx-vae');
      (m.dataset as Record<string, unknown>)[field] = value;
      src.setJson('fx-vae/manifest.json', m);
      await expectBundleError(
        validateBundle(src, 'fx-vae'),
        'bad-manifest',
        'fx-vae/manifest.json',
        `'dataset.${field}'`,
        expected,
        `found ${value}`,
      );
    },
  );

  it('config.phiCount that the tokenizer weights do not hold -> bad-manifest naming phiCount', async () => {
    const src = fresh();
    const m = manifestOf(src, 'fx-vqvae');
    m.config.phiCount = 5;
    m.config.phiTicks = phiTicks(5);
    m.config.phiIndexPerScale = phiIndexPerScale(4, 5);
    src.setJson('fx-vqvae/manifest.json', m);
    await expectBundleError(
      validateBundle(src, 'fx-vqvae'),
      'bad-manifest',
      "field 'config.phiCount' is 5",
      '4 Phi convs',
    );
  });
});

describe('safetensors layout', () => {
  it('overlapping data_offsets, with the manifest agreeing -> bad-safetensors naming both tensors', async () => {
    const src = fresh();
    const path = weightsPath(src, 'fx-var');
    // v_bias reads q_bias's bytes: same size, so shape and span agree and only the overlap is wrong.
    replaceWeights(
      src,
      'fx-var',
      withHeader(src.files.get(path)!, (h) => {
        (h['blocks.0.attn.v_bias'] as { data_offsets: number[] }).data_offsets = [
          ...(h['blocks.0.attn.q_bias'] as { data_offsets: number[] }).data_offsets,
        ];
      }),
    );
    const err = await expectBundleError(
      validateBundle(src, 'fx-var'),
      'bad-safetensors',
      path,
      'overlap tensor',
      'reference reader',
    );
    expect(['blocks.0.attn.v_bias', 'blocks.0.attn.q_bias']).toContain(err.tensor);
    expect(err.message).toMatch(/blocks\.0\.attn\.[qv]_bias/);
  });

  it('bytes that belong to no tensor (beyond alignment padding) -> bad-safetensors', async () => {
    const src = fresh();
    const path = weightsPath(src, 'fx-var');
    const bytes = src.files.get(path)!;
    const longer = new Uint8Array(bytes.byteLength + 64);
    longer.set(bytes);
    replaceWeights(src, 'fx-var', longer);
    await expectBundleError(validateBundle(src, 'fx-var'), 'bad-safetensors', path, '64 bytes belong to no tensor');
  });

  it('a gap between two tensors -> bad-safetensors naming the tensor after it', async () => {
    const src = fresh();
    const path = weightsPath(src, 'fx-var');
    let last = '';
    const grown = withHeader(src.files.get(path)!, (h) => {
      const names = Object.keys(h).filter((k) => k !== '__metadata__');
      last = names.reduce((a, b) =>
        (h[a] as { data_offsets: number[] }).data_offsets[0] > (h[b] as { data_offsets: number[] }).data_offsets[0]
          ? a
          : b,
      );
      const offs = (h[last] as { data_offsets: number[] }).data_offsets;
      (h[last] as { data_offsets: number[] }).data_offsets = [offs[0] + 16, offs[1] + 16];
    });
    const bytes = new Uint8Array(grown.byteLength + 16);
    bytes.set(grown);
    replaceWeights(src, 'fx-var', bytes);
    const err = await expectBundleError(validateBundle(src, 'fx-var'), 'bad-safetensors', path, '16 unused bytes');
    expect(err.tensor).toBe(last);
  });

  it('a header entry that is a string says what was expected and found, not "dtype undefined"', async () => {
    const src = fresh();
    const path = weightsPath(src, 'fx-var');
    replaceFileStamped(
      src,
      'fx-var',
      path,
      withHeader(src.files.get(path)!, (h) => {
        h['head.bias'] = 'F16';
      }),
    );
    const err = await expectBundleError(
      validateBundle(src, 'fx-var'),
      'bad-safetensors',
      path,
      'should be an object {"dtype", "shape", "data_offsets"}',
      'found a string "F16"',
    );
    expect(err.message).not.toContain('undefined');
    expect(err.tensor).toBe('head.bias');
  });

  it('a dtype that is not one of ours names the field and the value found', async () => {
    const src = fresh();
    const path = weightsPath(src, 'fx-var');
    replaceFileStamped(
      src,
      'fx-var',
      path,
      withHeader(src.files.get(path)!, (h) => {
        delete (h['head.bias'] as Record<string, unknown>).dtype;
      }),
    );
    await expectBundleError(
      validateBundle(src, 'fx-var'),
      'dtype-mismatch',
      "header field 'dtype' should be one of F16, F32, F64, I32, found nothing",
    );
  });

  it('__metadata__ that is not a map of strings -> bad-safetensors naming the key', async () => {
    const src = fresh();
    const path = 'fx-var/goldens.safetensors';
    replaceFileStamped(
      src,
      'fx-var',
      path,
      withHeader(src.files.get(path)!, (h) => {
        h.__metadata__ = { class: 3 };
      }),
    );
    await expectBundleError(
      validateBundle(src, 'fx-var'),
      'bad-safetensors',
      path,
      "'__metadata__.class' should be a string",
      'found a number 3',
    );
  });
});

describe('ONNX and PNG files are what their role says', () => {
  const html = new TextEncoder().encode(
    '<!doctype html>\n<html><head><title>Not Found</title></head><body>404</body></html>\n',
  );

  it('an HTML page saved as decoder.onnx (size and hash re-stamped) -> wrong-file-type saying so', async () => {
    const src = fresh();
    replaceFileStamped(src, 'fx-vae', 'fx-vae/decoder.onnx', html);
    const err = await expectBundleError(
      validateBundle(src, 'fx-vae'),
      'wrong-file-type',
      'fx-vae/decoder.onnx',
      'not an ONNX model',
      '<!doctype html>',
      'HTML or error page',
    );
    expect(err.fix).toContain('Download or copy this file again');
  });

  it('a truncated ONNX graph (re-stamped) -> wrong-file-type, runs past the end', async () => {
    const src = fresh();
    const bytes = src.files.get('fx-vqvae/decoder.onnx')!;
    replaceFileStamped(src, 'fx-vqvae', 'fx-vqvae/decoder.onnx', bytes.slice(0, bytes.byteLength - 3));
    await expectBundleError(
      validateBundle(src, 'fx-vqvae'),
      'wrong-file-type',
      'fx-vqvae/decoder.onnx',
      'runs past the end',
    );
  });

  it('random bytes as classifier.onnx -> wrong-file-type', async () => {
    const src = fresh();
    const rng = makeRng(11);
    replaceFileStamped(
      src,
      'fx-classifier',
      'fx-classifier/classifier.onnx',
      Uint8Array.from({ length: 256 }, () => rng.int(0, 255)),
    );
    await expectBundleError(
      validateBundle(src, 'fx-classifier'),
      'wrong-file-type',
      'fx-classifier/classifier.onnx',
      'not an ONNX model',
    );
  });

  it('an ONNX graph whose input is not the port the manifest declares -> wrong-shape naming both', async () => {
    const src = fresh();
    replaceFileStamped(src, 'fx-vae', 'fx-vae/decoder.onnx', onnxStub(['z'], ['image']));
    await expectBundleError(
      validateBundle(src, 'fx-vae'),
      'wrong-shape',
      'fx-vae/decoder.onnx',
      "onnx.inputs[0] is 'latent'",
      '["z"]',
    );
  });

  it('a PNG check that tells a PNG from a web page', () => {
    const png = Uint8Array.from([
      0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1,
    ]);
    expect(() => checkPngFile(png, 'm/samples.png')).not.toThrow();
    expect(() => checkPngFile(html, 'm/samples.png')).toThrow(
      /m\/samples\.png: the file is not a PNG image.*<!doctype html>/,
    );
  });
});

describe('checksums without WebCrypto (plain http on a LAN)', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('the pure-JS sha256 gives the same digests as node:crypto', async () => {
    const rng = makeRng(3);
    vi.stubGlobal('crypto', undefined);
    expect(globalThis.crypto).toBeUndefined();
    for (const n of [0, 1, 55, 56, 63, 64, 65, 1000, 100_003]) {
      const bytes = Uint8Array.from({ length: n }, () => rng.int(0, 255));
      expect(await sha256Hex(bytes), `${n} bytes`).toBe(createHash('sha256').update(bytes).digest('hex'));
    }
  });

  it('still verifies every file: the untouched bundle is verified, a flipped byte is a checksum-mismatch', async () => {
    vi.stubGlobal('crypto', undefined);
    const ok = await validateBundle(fresh(), 'fx-var');
    expect(ok.checksums).toBe('verified');
    const src = fresh();
    const path = weightsPath(src, 'fx-var');
    src.files.get(path)![100] ^= 1;
    await expectBundleError(validateBundle(src, 'fx-var'), 'checksum-mismatch', path, 'sha256 is');
  });
});
