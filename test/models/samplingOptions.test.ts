/** The official-model sampling options of a DiT manifest: optional, checked when present. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkManifest } from '../../src/models/bundle/manifest.ts';
import { BundleError } from '../../src/models/bundle/errors.ts';

const FILE = 'mnist-dit-d1/manifest.json';
const shipped = () =>
  JSON.parse(readFileSync(`public/models/${FILE}`, 'utf8')) as {
    sampling: Record<string, unknown>;
    config: { inChannels: number };
  };

function check(edit: (s: Record<string, unknown>) => void): unknown {
  const m = shipped();
  edit(m.sampling);
  try {
    return checkManifest(m, FILE, 'mnist-dit-d1');
  } catch (e) {
    return e;
  }
}

describe('DiT sampling options in the manifest', () => {
  it('accepts the official ones and leaves our bundles without them', () => {
    expect(shipped().sampling.guidanceChannels).toBeUndefined();
    const m = check((s) => Object.assign(s, { guidanceChannels: 3, ddimSpacing: 'ddimN' }));
    expect(m).not.toBeInstanceOf(Error);
    expect((m as { sampling: unknown }).sampling).toMatchObject({ guidanceChannels: 3, ddimSpacing: 'ddimN' });
  });

  it.each([
    [{ guidanceChannels: 5 }, 'sampling.guidanceChannels', 'at most inChannels (4)'],
    [{ guidanceChannels: 0 }, 'sampling.guidanceChannels', ''],
    [{ guidanceChannels: 2.5 }, 'sampling.guidanceChannels', ''],
    [{ ddimSpacing: 'ddim50' }, 'sampling.ddimSpacing', 'ddimN'],
  ])('rejects %j naming the field', (fields, field, expected) => {
    const e = check((s) => Object.assign(s, fields));
    expect(e).toBeInstanceOf(BundleError);
    expect((e as BundleError).file).toBe(FILE);
    expect((e as BundleError).message).toContain(field);
    expect((e as BundleError).message).toContain(expected);
  });
});
