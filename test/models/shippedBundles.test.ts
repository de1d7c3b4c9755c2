/**
 * The bundles shipped in public/models, exactly as they are on disk: the index, every bundle in it, and the
 * corruption cases on a copy of the first VAR and DiT. While public/models has no bundles yet (training still
 * running), the doc-built fixture goes through the same fs path instead, and the test says so in its output.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateAllBundles, validateBundle, type BundleIndex } from '../../src/models/bundle/index.ts';
import { corruptionTests } from './corruptions.ts';
import { buildFixtureModels } from './helpers/fixtureModels.ts';
import { FsBundleSource, MemoryBundleSource, writeToDir } from './helpers/sources.ts';

const ROOT = join(import.meta.dirname, '../../public/models');
const INDEX = join(ROOT, 'index.json');
const shipped: BundleIndex | undefined = existsSync(INDEX)
  ? (JSON.parse(readFileSync(INDEX, 'utf8')) as BundleIndex)
  : undefined;
const ids = shipped?.models?.map((m) => m.id) ?? [];

if (ids.length > 0) {
  describe('shipped bundles in public/models', () => {
    const source = new FsBundleSource(ROOT);
    it.each(ids)('%s validates', async (id) => {
      const b = await validateBundle(source, id);
      expect(b.checksums).toBe('verified');
      expect(b.manifest.id).toBe(id);
    });
    it('validateAllBundles reports every bundle ok', async () => {
      const { results } = await validateAllBundles(source);
      expect(results.filter((r) => !r.ok).map((r) => (r.ok ? '' : r.error.message))).toEqual([]);
    });
    for (const family of ['var', 'dit'] as const) {
      const entry = shipped!.models.find((m) => m.family === family);
      if (!entry) continue;
      const needs = Object.values(
        (JSON.parse(readFileSync(join(ROOT, entry.manifest), 'utf8')) as { requires: Record<string, string> }).requires,
      );
      let copy: Promise<MemoryBundleSource> | undefined;
      describe(`corruptions of a copy of ${entry.id}`, () =>
        corruptionTests(() => (copy ??= MemoryBundleSource.copyOf(ROOT, [entry.id], needs)), entry.id));
    }
  });
} else {
  describe('public/models has no bundles yet', () => {
    it('validates the doc-built fixture through the fs source instead', async () => {
      console.info(
        `[shippedBundles] ${INDEX} ${shipped ? 'lists no models' : 'does not exist'}: validating the in-test fixture from disk instead.`,
      );
      const dir = await mkdtemp(join(tmpdir(), 'bundles-'));
      try {
        await writeToDir(buildFixtureModels(), dir);
        const { results } = await validateAllBundles(new FsBundleSource(dir));
        expect(results.length).toBe(5);
        expect(results.filter((r) => !r.ok).map((r) => (r.ok ? '' : r.error.message))).toEqual([]);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });
}
