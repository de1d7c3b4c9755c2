/**
 * Adding the user's own bundles to the engine: a folder (File objects) or a URL (downloaded with a progress
 * stream, kept in Cache Storage once validated). Runs in the worker, where bundles are validated and loaded;
 * fetch and the cache are injected so the tests run it in Node.
 */
import { BundleError } from '../../models/bundle/errors.ts';
import {
  CachedBundleSource,
  MODEL_CACHE_NAME,
  type CacheStorageLike,
  type DownloadStats,
} from '../../models/bundle/cachedSource.ts';
import { FolderBundleSource, type FolderFile } from '../../models/bundle/folderSource.ts';
import { FetchBundleSource } from '../../models/bundle/source.ts';
import type { BundleSource } from '../../models/bundle/source.ts';
import { CancelledError, type RunContext } from '../runContext';
import type { BundleCatalog } from './bundleCatalog';
import { GenerationError } from './errors';
import type { ModelListEntry } from './types';

export type AddSourceParams =
  | { readonly kind: 'url'; readonly url: string }
  | { readonly kind: 'folder'; readonly name: string; readonly files: readonly FolderFile[] };

export interface ModelSourceInfo {
  readonly id: string;
  readonly kind: 'url' | 'folder';
  /** The base URL, or "folder <name>". */
  readonly label: string;
}

export interface AddSourceResult {
  readonly source: ModelSourceInfo;
  /** Every bundle of the source, ids qualified (`url-1:mnist-var-d1`). */
  readonly models: readonly ModelListEntry[];
  /** URL sources: what came from the cache and what was downloaded. */
  readonly stats?: DownloadStats;
  /** Why the download is not kept (no Cache Storage, quota), when it is not. */
  readonly cacheNote?: string;
}

/** What a download streams: bytes of the source's files so far, of `total` (the manifests' sizes). */
export interface DownloadProgress {
  readonly file: string;
  readonly received: number;
  readonly total: number;
}

export interface ModelSourcesOptions {
  readonly fetchFn?: typeof fetch;
  /** Cache Storage (`self.caches`); undefined where the browser has none (plain http off localhost). */
  readonly caches?: CacheStorageLike;
  /** Base URL relative URLs resolve against (the page's). */
  readonly baseUrl: string;
}

/** The folder of index.json a ?models= value names: `https://host/models/`, or the index.json itself. */
export function modelsBaseUrl(raw: string, base: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim(), base);
  } catch {
    throw new GenerationError(
      'argument-invalid',
      `'${raw}' is not a URL.`,
      'Give the address of the folder that holds index.json, e.g. https://example.org/models/.',
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new GenerationError(
      'argument-invalid',
      `'${raw}' is a ${url.protocol} address; only http and https can be downloaded.`,
      'Give an http(s) address of the folder that holds index.json.',
    );
  }
  url.search = '';
  url.hash = '';
  const href = url.href.replace(/index\.json$/, '');
  return href.endsWith('/') ? href : `${href}/`;
}

export class ModelSources {
  private count = 0;

  constructor(
    private readonly catalog: BundleCatalog,
    private readonly options: ModelSourcesOptions,
  ) {}

  async add(params: AddSourceParams, run: RunContext): Promise<AddSourceResult> {
    if (params?.kind === 'folder') return this.addFolder(params, run);
    if (params?.kind === 'url') return this.addUrl(params.url, run);
    throw new GenerationError(
      'argument-invalid',
      `Unknown model source kind '${(params as { kind?: unknown })?.kind}'.`,
      "Pass { kind: 'url', url } or { kind: 'folder', name, files }.",
    );
  }

  remove(sourceId: string): void {
    this.catalog.remove(sourceId);
  }

  private async addFolder(
    params: Extract<AddSourceParams, { kind: 'folder' }>,
    run: RunContext,
  ): Promise<AddSourceResult> {
    const source = FolderBundleSource.fromFiles(params.files, params.name);
    const id = `folder-${++this.count}`;
    const models = await this.catalog.add(id, source, (bundle, i, n) => {
      run.checkpoint();
      run.progress(i / n, `Checking ${bundle} (${i + 1} of ${n}) in the ${source.label}`);
    });
    run.progress(1, `${models.length} bundles from the ${source.label}`);
    return { source: { id, kind: 'folder', label: source.label }, models };
  }

  private async addUrl(raw: string, run: RunContext): Promise<AddSourceResult> {
    const base = modelsBaseUrl(raw, this.options.baseUrl);
    const controller = new AbortController();
    const poll = setInterval(() => run.cancelled && controller.abort(), 100);
    const received = new Map<string, number>();
    let total = 0;
    let last = 0;
    const onBytes = (file: string, bytes: number) => {
      if (run.cancelled) controller.abort();
      received.set(file, bytes);
      const now = Date.now();
      if (now - last < 100 && bytes !== 0) return; // a message per chunk would flood the worker channel
      last = now;
      const sum = [...received.values()].reduce((a, b) => a + b, 0);
      const progress: DownloadProgress = { file, received: sum, total: Math.max(total, sum) };
      run.progress(total > 0 ? Math.min(1, sum / total) : 0, `Downloading ${file}`, progress);
    };
    const http = new FetchBundleSource(base, this.options.fetchFn, { signal: controller.signal, onBytes });
    let cacheNote: string | undefined;
    let cached: CachedBundleSource | undefined;
    try {
      const cache = this.options.caches ? await this.options.caches.open(MODEL_CACHE_NAME) : undefined;
      if (!cache)
        cacheNote =
          'This page has no Cache Storage (plain http on another machine), so downloads are not kept: a reload downloads them again.';
      cached = cache ? new CachedBundleSource(http, cache) : undefined;
      const source: BundleSource = cached ?? http;
      total = await announcedBytes(source);
      const id = `url-${++this.count}`;
      const models = await this.catalog.add(id, source, (bundle, i, n) =>
        run.progress(total > 0 ? sumOf(received) / total : i / n, `Checking ${bundle} (${i + 1} of ${n})`),
      );
      if (cached) cacheNote = (await cached.keep()).note ?? cacheNote;
      const done: DownloadProgress = {
        file: 'index.json',
        received: sumOf(received),
        total: Math.max(total, sumOf(received)),
      };
      run.progress(1, `${models.length} bundles from ${base}`, done);
      return {
        source: { id, kind: 'url', label: base },
        models,
        stats: cached?.stats,
        ...(cacheNote ? { cacheNote } : {}),
      };
    } catch (error) {
      if (controller.signal.aborted || (error instanceof Error && error.name === 'AbortError'))
        throw new CancelledError('Download cancelled; nothing was kept.');
      // A cached copy that fails its check is dropped, so the next try downloads it again.
      if (error instanceof BundleError && cached) await cached.forget(error.file);
      throw error;
    } finally {
      clearInterval(poll);
    }
  }
}

const sumOf = (m: ReadonlyMap<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

/**
 * Bytes the source's manifests list (index.json, then each manifest), for the progress bar's total; 0 when they
 * cannot be read this way (the validator reports the problem properly right after).
 */
async function announcedBytes(source: BundleSource): Promise<number> {
  try {
    const index = JSON.parse(await source.readText('index.json')) as { models?: { id?: unknown }[] };
    let total = 0;
    for (const m of index.models ?? []) {
      if (typeof m.id !== 'string') continue;
      const manifest = JSON.parse(await source.readText(`${m.id}/manifest.json`)) as { files?: { bytes?: unknown }[] };
      for (const f of manifest.files ?? [])
        if (typeof f.bytes === 'number' && Number.isFinite(f.bytes)) total += f.bytes;
    }
    return total;
  } catch (e) {
    if (e instanceof Error && e.name === 'AbortError') throw e;
    return 0;
  }
}
