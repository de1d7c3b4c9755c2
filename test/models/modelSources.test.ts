/**
 * Bring-your-own bundles without a browser: a folder of File objects, a URL served by a fake fetch, downloads
 * kept in a Map-backed fake Cache Storage, and the engine's catalog that lists them as `<source>:<id>`.
 */
import { describe, expect, it } from 'vitest';
import { BundleError } from '../../src/models/bundle/errors.ts';
import {
  CachedBundleSource,
  cacheUsage,
  clearDownloads,
  MODEL_CACHE_NAME,
  type CacheLike,
  type CacheStorageLike,
} from '../../src/models/bundle/cachedSource.ts';
import { FolderBundleSource } from '../../src/models/bundle/folderSource.ts';
import { FetchBundleSource } from '../../src/models/bundle/source.ts';
import { BundleCatalog, qualifiedId, splitId } from '../../src/engine/generation/bundleCatalog.ts';
import { BundleStore } from '../../src/engine/generation/bundleStore.ts';
import { ModelSources, modelsBaseUrl, type DownloadProgress } from '../../src/engine/generation/modelSources.ts';
import { CancelledError } from '../../src/worker/protocol.ts';
import type { RunContext } from '../../src/engine/runContext';
import { expectBundleError } from './helpers/expectError.ts';
import { buildFixtureModels } from './helpers/fixtureModels.ts';

const fixture = buildFixtureModels();
const BASE = 'https://models.example.org/zoo/';
const WEIGHTS = 'fx-var/weights.safetensors';

/** A static server over `files`; records every URL asked for. `edit` may change what one path answers. */
function server(
  files: ReadonlyMap<string, Uint8Array>,
  requested: string[],
  edit?: (path: string, bytes: Uint8Array) => Response | undefined,
): typeof fetch {
  return (async (input: RequestInfo | URL, init?: RequestInit) => {
    if (init?.signal?.aborted) throw new DOMException('aborted', 'AbortError');
    const url = String(input);
    requested.push(url);
    const path = url.slice(BASE.length);
    const bytes = files.get(path);
    if (!bytes) return new Response('not found', { status: 404 });
    return (
      edit?.(path, bytes) ??
      new Response(bytes.slice(), { status: 200, headers: { 'content-length': String(bytes.byteLength) } })
    );
  }) as typeof fetch;
}

class FakeCache implements CacheLike {
  readonly entries = new Map<string, { body: Uint8Array; headers: Headers }>();
  async match(url: string) {
    const e = this.entries.get(url);
    return e ? new Response(e.body.slice(), { headers: e.headers }) : undefined;
  }
  async put(url: string, res: Response) {
    this.entries.set(url, { body: new Uint8Array(await res.arrayBuffer()), headers: res.headers });
  }
  async delete(url: string) {
    return this.entries.delete(url);
  }
  async keys() {
    return [...this.entries.keys()].map((url) => ({ url }));
  }
}

class FakeCaches implements CacheStorageLike {
  readonly caches = new Map<string, FakeCache>();
  async open(name: string) {
    if (!this.caches.has(name)) this.caches.set(name, new FakeCache());
    return this.caches.get(name)!;
  }
  async delete(name: string) {
    return this.caches.delete(name);
  }
}

function runContext(progress: DownloadProgress[] = [], cancelAfter?: () => boolean): RunContext {
  return {
    progress: (_f, _m, partial) => partial && progress.push(partial as DownloadProgress),
    checkpoint: () => undefined,
    get cancelled() {
      return cancelAfter?.() ?? false;
    },
  };
}

const folderFiles = (prefix: string) =>
  [...fixture.files].map(([path, bytes]) => ({ path: `${prefix}${path}`, file: new Blob([bytes.slice()]) }));

describe('FolderBundleSource', () => {
  it('validates every bundle of a picked folder, rooted at the shallowest index.json', async () => {
    const source = FolderBundleSource.fromFiles(folderFiles('my-zoo/models/'), 'my-zoo');
    expect(source.label).toBe('folder my-zoo (my-zoo/models)');
    const catalog = new BundleCatalog(new BundleStore(fixture));
    const models = await catalog.add('folder-1', source);
    expect(models.map((m) => m.id)).toEqual(
      JSON.parse(new TextDecoder().decode(fixture.files.get('index.json'))).models.map(
        (m: { id: string }) => `folder-1:${m.id}`,
      ),
    );
  });

  it('a folder without index.json names the file and says which folder to pick', () => {
    const files = folderFiles('stuff/').filter((f) => !f.path.endsWith('index.json'));
    let error: unknown;
    try {
      FolderBundleSource.fromFiles(files, 'stuff');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BundleError);
    expect(error).toMatchObject({ code: 'missing-file', file: 'index.json' });
    expect((error as BundleError).message).toContain('folder stuff has no index.json');
    expect((error as BundleError).fix).toContain('folder that holds index.json');
  });

  it('a bundle file missing from the folder is reported with its path and the folder', async () => {
    const files = folderFiles('').filter((f) => f.path !== WEIGHTS);
    const catalog = new BundleCatalog(new BundleStore(fixture));
    await expectBundleError(
      catalog.add('folder-1', FolderBundleSource.fromFiles(files, 'copy')),
      'missing-file',
      WEIGHTS,
      'folder copy',
    );
    // Nothing of a failed source is listed.
    await expect(catalog.load('folder-1:fx-var')).rejects.toMatchObject({ code: 'model-not-found' });
  });
});

describe('BundleCatalog', () => {
  it('keeps a brought copy apart from the shipped bundle of the same id (ids and requires qualified)', async () => {
    const catalog = new BundleCatalog(new BundleStore(fixture));
    await catalog.add('folder-2', FolderBundleSource.fromFiles(folderFiles(''), 'copy'));
    const shipped = await catalog.load('fx-var');
    const brought = await catalog.load('folder-2:fx-var');
    expect(shipped.model.manifest.id).toBe('fx-var');
    expect(brought.model.manifest.id).toBe('folder-2:fx-var');
    const tokenizer = brought.model.manifest.requires.tokenizer;
    expect(tokenizer).toBe(`folder-2:${shipped.model.manifest.requires.tokenizer}`);
    expect(brought.required.get(tokenizer)?.manifest.id).toBe(tokenizer);
    // The same objects on every load, so the engine's caches see one bundle.
    expect((await catalog.load('folder-2:fx-var')).model).toBe(brought.model);
    expect(splitId(qualifiedId('url-3', 'a-b'))).toEqual(['url-3', 'a-b']);
    expect(splitId('fx-var')).toEqual([undefined, 'fx-var']);
  });
});

describe('CachedBundleSource and the download cache', () => {
  it('stores downloads only when kept, then serves them without a request; usage and clear count the bytes', async () => {
    const requested: string[] = [];
    const caches = new FakeCaches();
    const cache = await caches.open(MODEL_CACHE_NAME);
    const first = new CachedBundleSource(new FetchBundleSource(BASE, server(fixture.files, requested)), cache);
    const bytes = await first.readBytes(WEIGHTS);
    await first.readBytes(WEIGHTS); // read twice, requested once
    expect(requested).toEqual([BASE + WEIGHTS]);
    expect((await cacheUsage(caches)).files).toBe(0); // not kept before the validator accepts it
    expect(await first.keep()).toEqual({ stored: 1 });

    const second = new CachedBundleSource(new FetchBundleSource(BASE, server(fixture.files, requested)), cache);
    expect(await second.readBytes(WEIGHTS)).toEqual(bytes);
    expect(requested).toHaveLength(1);
    expect(second.stats).toEqual({ fromCache: 1, cachedBytes: bytes.byteLength, downloaded: 0, downloadedBytes: 0 });
    expect(await cacheUsage(caches)).toEqual({ files: 1, bytes: bytes.byteLength });

    // A cached file that failed a check is dropped.
    await second.forget(WEIGHTS);
    expect(await cacheUsage(caches)).toEqual({ files: 0, bytes: 0 });
    await first.readBytes('index.json');
    await first.keep();
    const index = fixture.files.get('index.json')!.byteLength;
    expect(await clearDownloads(caches)).toEqual({ files: 1, bytes: index });
    expect(await cacheUsage(caches)).toEqual({ files: 0, bytes: 0 });
  });

  it('a full quota is a note, not an error', async () => {
    const cache = new FakeCache();
    cache.put = async () => {
      throw new DOMException('quota', 'QuotaExceededError');
    };
    const source = new CachedBundleSource(new FetchBundleSource(BASE, server(fixture.files, [])), cache);
    await source.readBytes('index.json');
    const kept = await source.keep();
    expect(kept.stored).toBe(0);
    expect(kept.note).toContain('reload downloads them again');
  });
});

describe('ModelSources over a URL', () => {
  const total = [...fixture.files]
    .filter(([p]) => p !== 'index.json' && !p.endsWith('manifest.json'))
    .reduce((n, [, b]) => n + b.byteLength, 0);

  it('downloads with byte progress, lists the bundles, keeps them, and a second add (a reload) downloads nothing', async () => {
    const requested: string[] = [];
    const caches = new FakeCaches();
    const progress: DownloadProgress[] = [];
    const make = () =>
      new ModelSources(new BundleCatalog(new BundleStore(fixture)), {
        baseUrl: 'https://app.example.org/',
        caches,
        fetchFn: server(fixture.files, requested),
      });
    const result = await make().add({ kind: 'url', url: `${BASE}index.json` }, runContext(progress));
    expect(result.source).toEqual({ id: 'url-1', kind: 'url', label: BASE });
    expect(result.models.map((m) => m.id)).toContain('url-1:fx-var');
    expect(result.stats?.downloaded).toBe(fixture.files.size);
    const last = progress[progress.length - 1];
    expect(last.received).toBeGreaterThanOrEqual(total);
    expect(last.total).toBeGreaterThanOrEqual(total);
    // Each file once, though the validator reads some twice.
    expect(new Set(requested).size).toBe(requested.length);
    expect((await cacheUsage(caches)).files).toBe(fixture.files.size);

    const before = requested.length;
    const again = await make().add({ kind: 'url', url: BASE }, runContext());
    expect(requested.length).toBe(before);
    expect(again.stats).toMatchObject({ downloaded: 0, fromCache: fixture.files.size });
  });

  it('a wrong sha256 names the file, keeps nothing, and the shipped models still load', async () => {
    const caches = new FakeCaches();
    const flipped = server(fixture.files, [], (path, bytes) => {
      if (path !== WEIGHTS) return undefined;
      const bad = bytes.slice();
      bad[bad.length - 1] ^= 1;
      return new Response(bad);
    });
    const catalog = new BundleCatalog(new BundleStore(fixture));
    const sources = new ModelSources(catalog, { baseUrl: BASE, caches, fetchFn: flipped });
    await expectBundleError(sources.add({ kind: 'url', url: BASE }, runContext()), 'checksum-mismatch', WEIGHTS);
    expect((await cacheUsage(caches)).files).toBe(0);
    expect((await catalog.load('fx-var')).model.manifest.id).toBe('fx-var');
  });

  it('a truncated download and a server that does not answer (or lacks CORS) get their own errors', async () => {
    const short = server(fixture.files, [], (path, bytes) =>
      path === WEIGHTS
        ? new Response(bytes.slice(0, 100), { headers: { 'content-length': String(bytes.byteLength) } })
        : undefined,
    );
    const catalog = new BundleCatalog(new BundleStore(fixture));
    await expectBundleError(
      new ModelSources(catalog, { baseUrl: BASE, caches: new FakeCaches(), fetchFn: short }).add(
        { kind: 'url', url: BASE },
        runContext(),
      ),
      'truncated',
      WEIGHTS,
      'cut short',
    );
    const refused = (async () => {
      throw new TypeError('Failed to fetch');
    }) as typeof fetch;
    await expectBundleError(
      new ModelSources(catalog, { baseUrl: BASE, caches: new FakeCaches(), fetchFn: refused }).add(
        { kind: 'url', url: BASE },
        runContext(),
      ),
      'network-error',
      'index.json',
      'CORS',
    );
  });

  it('a cached file that fails its check is dropped, so the next try downloads it again', async () => {
    const caches = new FakeCaches();
    const requested: string[] = [];
    const catalog = new BundleCatalog(new BundleStore(fixture));
    await new ModelSources(catalog, { baseUrl: BASE, caches, fetchFn: server(fixture.files, requested) }).add(
      { kind: 'url', url: BASE },
      runContext(),
    );
    const cache = await caches.open(MODEL_CACHE_NAME);
    const stored = (await (await cache.match(BASE + WEIGHTS))!.arrayBuffer()) as ArrayBuffer;
    const bad = new Uint8Array(stored);
    bad[bad.length - 1] ^= 1;
    await cache.put(BASE + WEIGHTS, new Response(bad));
    await expectBundleError(
      new ModelSources(catalog, { baseUrl: BASE, caches, fetchFn: server(fixture.files, requested) }).add(
        { kind: 'url', url: BASE },
        runContext(),
      ),
      'checksum-mismatch',
      WEIGHTS,
    );
    expect(await cache.match(BASE + WEIGHTS)).toBeUndefined();
    requested.length = 0;
    await new ModelSources(catalog, { baseUrl: BASE, caches, fetchFn: server(fixture.files, requested) }).add(
      { kind: 'url', url: BASE },
      runContext(),
    );
    expect(requested).toEqual([BASE + WEIGHTS]);
  });

  it('cancel aborts the download and keeps nothing', async () => {
    const caches = new FakeCaches();
    let reads = 0;
    const sources = new ModelSources(new BundleCatalog(new BundleStore(fixture)), {
      baseUrl: BASE,
      caches,
      fetchFn: server(fixture.files, []),
    });
    await expect(
      sources.add(
        { kind: 'url', url: BASE },
        runContext([], () => ++reads > 3),
      ),
    ).rejects.toBeInstanceOf(CancelledError);
    expect((await cacheUsage(caches)).files).toBe(0);
  });

  it('resolves ?models= values: a folder or its index.json, relative to the page; other schemes refused', () => {
    expect(modelsBaseUrl('https://h.org/m/index.json?x=1', 'https://app/')).toBe('https://h.org/m/');
    expect(modelsBaseUrl('https://h.org/m', 'https://app/')).toBe('https://h.org/m/');
    expect(modelsBaseUrl('/copies/zoo/', 'http://127.0.0.1:4173/?family=var')).toBe(
      'http://127.0.0.1:4173/copies/zoo/',
    );
    expect(() => modelsBaseUrl('file:///home/me/models', 'https://app/')).toThrow(/only http and https/);
  });
});
