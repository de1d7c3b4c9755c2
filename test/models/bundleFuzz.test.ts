/**
 * Fuzz of the bundle validator: random byte flips and truncations of every file of the smallest shipped VAR and
 * DiT bundles and the tokenizer/VAE they require (plus index.json), raw and with the manifest's size and sha256
 * re-stamped (so the parsers behind the checksum see the damage), and random hostile values in the manifests and
 * safetensors headers. Whatever the input, the validator must
 *   - resolve, or reject with a BundleError that names a file and has a fix (never a TypeError, RangeError, ...),
 *   - finish quickly (no case may take seconds: nothing loops over a count the files do not hold),
 *   - never allocate much more than the files' size (heap + array buffers measured right after each case,
 *     before the garbage is collected, against a baseline taken after a collection).
 *
 * Seeded: the seed is printed; BUNDLE_FUZZ_SEED=<n> replays a run, BUNDLE_FUZZ_CASES=<n> changes its length
 * (default 300). Every failure message carries the seed and the case's description.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { BundleError, validateBundle } from '../../src/models/bundle/index.ts';
import { manifestOf, replaceFileStamped } from './helpers/editBundle.ts';
import { buildFixtureModels } from './helpers/fixtureModels.ts';
import { replaceWeights, withHeader, type Header } from './helpers/safetensorsHeader.ts';
import { MemoryBundleSource } from './helpers/sources.ts';
import { makeRng, type Rng } from '../quant/prng.ts';

const SEED = Number(process.env.BUNDLE_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const CASES = Number(process.env.BUNDLE_FUZZ_CASES ?? 300);
/** No case may take this long (typical: tens of ms, ~1 s on a loaded 2-core machine; the unbounded depth loop took minutes). */
const CASE_MS = 10_000;

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const ROOT = join(import.meta.dirname, '../../public/models');
/** Bundle -> the bundles it requires, smallest shipped VAR and DiT (checked by size in public/models). */
const SHIPPED: Record<string, string[]> = {
  'mnist-var-d1': ['mnist-vqvae'],
  'mnist-dit-d1': ['mnist-vae'],
  'mnist-vqvae': [],
  'mnist-vae': [],
};
const FIXTURE: Record<string, string[]> = {
  'fx-var': ['fx-vqvae'],
  'fx-dit': ['fx-vae'],
  'fx-vqvae': [],
  'fx-vae': [],
};

async function loadBase(): Promise<{ src: MemoryBundleSource; deps: Record<string, string[]>; label: string }> {
  if (Object.keys(SHIPPED).every((id) => existsSync(join(ROOT, id, 'manifest.json')))) {
    return { src: await MemoryBundleSource.copyOf(ROOT, Object.keys(SHIPPED)), deps: SHIPPED, label: 'public/models' };
  }
  return {
    src: buildFixtureModels(),
    deps: FIXTURE,
    label: 'the in-test fixture (public/models lacks the shipped bundles)',
  };
}

const HOSTILE: readonly unknown[] = [
  1e6,
  1e9,
  2 ** 31,
  2 ** 53 - 1,
  2 ** 53 + 2,
  1e308,
  -1,
  0,
  0.5,
  -0,
  null,
  true,
  '',
  'x',
  'F16',
  '../../x',
  '/etc/passwd',
  [],
  {},
  [1e6],
  [0, 2 ** 40],
  [-1, 3],
  [[1]],
  'A'.repeat(5000),
  { dtype: 'F16' },
];

type Json = Record<string, unknown> | unknown[];

/** Every [container, key] in a JSON value, for picking a random place to damage. */
function places(root: Json): [Json, string | number][] {
  const out: [Json, string | number][] = [];
  const walk = (node: Json): void => {
    const entries: [string | number, unknown][] = Array.isArray(node)
      ? node.map((v, i) => [i, v])
      : Object.entries(node);
    for (const [k, v] of entries) {
      out.push([node, k]);
      if (typeof v === 'object' && v !== null) walk(v as Json);
    }
  };
  walk(root);
  return out;
}

function damageJson(rng: Rng, root: Json): string {
  const all = places(root);
  if (all.length === 0) return 'nothing to damage';
  const [node, key] = all[rng.int(0, all.length - 1)];
  const value = HOSTILE[rng.int(0, HOSTILE.length - 1)];
  if (!Array.isArray(node) && rng.next() < 0.15) {
    delete node[key as string];
    return `deleted ${String(key)}`;
  }
  (node as Record<string | number, unknown>)[key] = value;
  const shown = JSON.stringify(value) ?? String(value);
  return `${String(key)} = ${shown.length > 30 ? `${shown.slice(0, 30)}...` : shown}`;
}

function flipBytes(rng: Rng, bytes: Uint8Array): { bytes: Uint8Array; what: string } {
  const out = bytes.slice();
  const n = rng.int(1, 8);
  const at: number[] = [];
  for (let i = 0; i < n && out.length > 0; i++) {
    // Half of the flips land in the first 512 bytes, where headers (and their lengths) live.
    const pos = rng.next() < 0.5 ? rng.int(0, Math.min(511, out.length - 1)) : rng.int(0, out.length - 1);
    out[pos] ^= rng.int(1, 255);
    at.push(pos);
  }
  return { bytes: out, what: `flipped bytes at ${at.join(',')}` };
}

function truncate(rng: Rng, bytes: Uint8Array): { bytes: Uint8Array; what: string } {
  const keep = rng.next() < 0.3 ? rng.int(0, Math.min(64, bytes.length)) : rng.int(0, Math.max(0, bytes.length - 1));
  return { bytes: bytes.slice(0, keep), what: `truncated to ${keep} of ${bytes.length} bytes` };
}

/** One random case: damages `src` in place, returns what it did and which bundle ids to validate. */
function mutate(rng: Rng, src: MemoryBundleSource, deps: Record<string, string[]>): { what: string; ids: string[] } {
  const ids = Object.keys(deps);
  const id = ids[rng.int(0, ids.length - 1)];
  // The bundles that read this one's manifest (a VAR reads its tokenizer's) are validated too.
  const check = [id, ...ids.filter((other) => deps[other].includes(id))];
  const files = [...src.files.keys()].filter((p) => p.startsWith(`${id}/`));
  const kind = rng.int(0, 5);
  if (kind === 0 || kind === 1) {
    // Raw damage of any file of the bundle, or of index.json: size / sha256 catch most, the JSON parsers the rest.
    const path = rng.next() < 0.1 ? 'index.json' : files[rng.int(0, files.length - 1)];
    const { bytes, what } = kind === 0 ? flipBytes(rng, src.files.get(path)!) : truncate(rng, src.files.get(path)!);
    src.files.set(path, bytes);
    return { what: `${path}: ${what}`, ids: path === 'index.json' ? ids : check };
  }
  if (kind === 2 || kind === 3) {
    // The same, re-stamped in the manifest: the safetensors / ONNX / PNG parsers see the damage.
    const listed = manifestOf(src, id).files;
    const entry = listed[rng.int(0, listed.length - 1)];
    const path = `${id}/${entry.path}`;
    const { bytes, what } = kind === 2 ? flipBytes(rng, src.files.get(path)!) : truncate(rng, src.files.get(path)!);
    replaceFileStamped(src, id, path, bytes);
    return { what: `${path} (re-stamped): ${what}`, ids: check };
  }
  if (kind === 4) {
    const m = manifestOf(src, id) as unknown as Json;
    const what = damageJson(rng, m);
    src.setJson(`${id}/manifest.json`, m);
    return { what: `${id}/manifest.json: ${what}`, ids: check };
  }
  // A hostile value in a safetensors header, re-stamped; for the weights, half the time with the index agreeing.
  const safetensors = manifestOf(src, id).files.filter((f) => f.path.endsWith('.safetensors'));
  if (safetensors.length === 0) return mutate(rng, src, deps);
  const entry = safetensors[rng.int(0, safetensors.length - 1)];
  const path = `${id}/${entry.path}`;
  let what = '';
  const bytes = withHeader(src.files.get(path)!, (h: Header) => {
    what = damageJson(rng, h);
  });
  if (entry.role === 'weights' && rng.next() < 0.5) replaceWeights(src, id, bytes);
  else replaceFileStamped(src, id, path, bytes);
  return { what: `${path} header (re-stamped): ${what}`, ids: check };
}

const liveBytes = (): number => {
  const u = process.memoryUsage();
  return u.heapUsed + u.arrayBuffers;
};

describe('bundle validator fuzz', () => {
  it(
    `${CASES} random damaged bundles: BundleError or success, fast, bounded memory (seed printed)`,
    { timeout: 600_000 },
    async () => {
      const { src: base, deps, label } = await loadBase();
      const totalBytes = [...base.files.values()].reduce((a, b) => a + b.byteLength, 0);
      console.info(
        `[bundleFuzz] seed ${SEED} (replay: BUNDLE_FUZZ_SEED=${SEED}), ${CASES} cases on ${label}, ${(totalBytes / 1e6).toFixed(2)} MB of files`,
      );
      const rng = makeRng(SEED);
      // Allowed growth per case: the validator holds every file of a bundle (plus decoded JSON and strings): a few
      // times the files' size. The unbounded depth loop grew by gigabytes.
      const bound = 4 * totalBytes + 32 * 2 ** 20;
      const outcomes = new Map<string, number>();
      let worstMs = 0;
      let worstGrowth = 0;
      for (let c = 0; c < CASES; c++) {
        const src = base.clone();
        const { what, ids } = mutate(rng, src, deps);
        const tag = `seed ${SEED} case ${c}: ${what}`;
        gc();
        const before = liveBytes();
        const t0 = performance.now();
        for (const id of ids) {
          let outcome = 'ok';
          try {
            await validateBundle(src, id);
          } catch (e) {
            if (!(e instanceof BundleError))
              throw new Error(
                `${tag}: validating ${id} threw ${e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e)}`,
                { cause: e },
              );
            expect(e.file.length, `${tag}: ${e.message}`).toBeGreaterThan(0);
            expect(e.message, tag).toContain(e.file);
            expect(e.fix.length, `${tag}: ${e.message}`).toBeGreaterThan(10);
            outcome = e.code;
          }
          outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
        }
        const ms = performance.now() - t0;
        const growth = liveBytes() - before;
        worstMs = Math.max(worstMs, ms);
        worstGrowth = Math.max(worstGrowth, growth);
        expect(ms, `${tag}: took ${ms.toFixed(0)} ms`).toBeLessThan(CASE_MS);
        expect(growth, `${tag}: memory grew by ${(growth / 1e6).toFixed(1)} MB`).toBeLessThan(bound);
      }
      const summary = [...outcomes]
        .sort((a, b) => b[1] - a[1])
        .map(([k, n]) => `${k} ${n}`)
        .join(', ');
      console.info(
        `[bundleFuzz] seed ${SEED}: ${summary}; slowest case ${worstMs.toFixed(0)} ms, largest growth ${(worstGrowth / 1e6).toFixed(1)} MB (bound ${(bound / 1e6).toFixed(0)} MB)`,
      );
      // The cases must reach past the checksum: re-stamped damage has to be caught by the parsers behind it.
      expect(outcomes.size, summary).toBeGreaterThan(4);
    },
  );
});
