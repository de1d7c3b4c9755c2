/** No manifest records an absolute local path: the shipped ones are clean, and the validator rejects one that does. */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkNoLocalPaths, localPathsIn } from '../../src/models/bundle/localPaths.ts';
import { validateBundle } from '../../src/models/bundle/index.ts';
import { expectBundleError } from './helpers/expectError.ts';
import { buildFixtureModels } from './helpers/fixtureModels.ts';

describe('local paths in manifests', () => {
  it('finds absolute paths (POSIX, home, Windows) in values and keys, not URLs or bundle-relative paths', () => {
    const doc = {
      training: {
        command: 'python3 training/convert_official.py var --var /home/me/var_d16.pth --out=C:\\models',
        log: 'training/logs/var.log',
      },
      notes: ['see https://github.com/FoundationVision/VAR/blob/main/models/var.py', 'weights.safetensors'],
      '~/odd/key': 1,
    };
    expect(localPathsIn(doc)).toEqual([
      ['training.command', doc.training.command],
      ['~/odd/key', '~/odd/key'],
    ]);
    expect(localPathsIn({ a: 'mnist-var-d1/weights.safetensors', b: 'x = /tmp' })).toEqual([]);
  });

  it('every shipped manifest and index.json is free of them', () => {
    const ids = readdirSync('public/models', { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
    expect(ids.length).toBeGreaterThan(5);
    for (const file of ['index.json', ...ids.map((id) => `${id}/manifest.json`)]) {
      expect(() => checkNoLocalPaths(JSON.parse(readFileSync(`public/models/${file}`, 'utf8')), file)).not.toThrow();
    }
  });

  it('the validator rejects a manifest that records one, naming the field', async () => {
    const src = buildFixtureModels();
    const path = 'fx-var/manifest.json';
    const m = JSON.parse(new TextDecoder().decode(src.files.get(path)));
    m.training = { ...(m.training ?? {}), command: 'python3 training/export_bundle.py --out /home/alice/models' };
    src.files.set(path, new TextEncoder().encode(JSON.stringify(m)));
    await expectBundleError(
      validateBundle(src, 'fx-var'),
      'bad-manifest',
      path,
      'training.command',
      '/home/alice/models',
      'file names only',
    );
  });
});
