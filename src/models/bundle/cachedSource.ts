/**
 * Downloaded bundles kept in Cache Storage, so a reload does not download them again. A download is stored only
 * after the validator accepted its bundle (sizes, sha256, tensors), so the cache never holds a file that failed;
 * a cached file is still checked on every load (the validator runs on its bytes), and one that fails is dropped
 * (`forget`) so the next try downloads it afresh.
 */
import type { BundleSource } from './source.ts';

/** The cache all downloaded bundles share (one name, so "Clear downloaded models" is one delete). */
export const MODEL_CACHE_NAME = 'downloaded-models-v1';
/** Stored with each entry so the cache's size is known without reading every body. */
const BYTES_HEADER = 'x-bundle-bytes';

/** The part of the DOM's Cache the source uses (tests pass a Map-backed fake). */
export interface CacheLike {
  match(url: string): Promise<Response | undefined>;
  put(url: string, response: Response): Promise<void>;
  delete(url: string): Promise<boolean>;
  keys(): Promise<readonly { readonly url: string }[]>;
}

export interface CacheStorageLike {
  open(name: string): Promise<CacheLike>;
  delete(name: string): Promise<boolean>;
}

/** A source over HTTP whose URLs are known (FetchBundleSource). */
export interface UrlBundleSource extends BundleSource {
  urlOf(path: string): string;
}

export interface DownloadStats {
  /** Files read from the cache, and their bytes. */
  fromCache: number;
  cachedBytes: number;
  /** Files that came over the network, and their bytes. */
  downloaded: number;
  downloadedBytes: number;
}

export class CachedBundleSource implements BundleSource {
  readonly label: string;
  readonly stats: DownloadStats = { fromCache: 0, cachedBytes: 0, downloaded: 0, downloadedBytes: 0 };
  /** Every file read, by URL (the validator reads some twice, e.g. a required bundle's manifest). */
  private readonly read = new Map<string, Uint8Array>();
  /** URLs downloaded and not yet stored. */
  private readonly fresh = new Set<string>();
  private readonly fromCache = new Set<string>();

  constructor(
    private readonly inner: UrlBundleSource,
    private readonly cache: CacheLike,
  ) {
    this.label = inner.label;
  }

  async readText(path: string): Promise<string> {
    return new TextDecoder().decode(await this.readBytes(path));
  }

  async readBytes(path: string): Promise<Uint8Array> {
    const url = this.inner.urlOf(path);
    const seen = this.read.get(url);
    if (seen) return seen;
    const hit = await this.cache.match(url);
    if (hit) {
      const bytes = new Uint8Array(await hit.arrayBuffer());
      this.stats.fromCache++;
      this.stats.cachedBytes += bytes.byteLength;
      this.fromCache.add(url);
      this.read.set(url, bytes);
      return bytes;
    }
    const bytes = await this.inner.readBytes(path);
    this.stats.downloaded++;
    this.stats.downloadedBytes += bytes.byteLength;
    this.fresh.add(url);
    this.read.set(url, bytes);
    return bytes;
  }

  /**
   * Stores every file downloaded so far (call it once the validator accepted them). A full quota is not an
   * error of the bundle: the models still work, they just download again next time, and the note says so.
   */
  async keep(): Promise<{ stored: number; note?: string }> {
    let stored = 0;
    try {
      for (const url of this.fresh) {
        const bytes = this.read.get(url)!;
        await this.cache.put(
          url,
          new Response(bytes as Uint8Array<ArrayBuffer>, {
            headers: { 'content-type': 'application/octet-stream', [BYTES_HEADER]: String(bytes.byteLength) },
          }),
        );
        this.fresh.delete(url);
        stored++;
      }
    } catch (e) {
      return {
        stored,
        note: `The browser refused to keep the downloaded files (${e instanceof Error ? e.message : String(e)}), so a reload downloads them again: free some space with "Clear downloaded models".`,
      };
    }
    return { stored };
  }

  /** Drops a file that failed a check: its cached copy (so the next try downloads it again) and the pending download. */
  async forget(path: string): Promise<void> {
    const url = this.inner.urlOf(path);
    this.read.delete(url);
    this.fresh.delete(url);
    if (this.fromCache.delete(url)) await this.cache.delete(url);
  }
}

/** Files and bytes in the download cache. */
export async function cacheUsage(storage: CacheStorageLike): Promise<{ files: number; bytes: number }> {
  const cache = await storage.open(MODEL_CACHE_NAME);
  let bytes = 0;
  const keys = await cache.keys();
  for (const key of keys) {
    const res = await cache.match(key.url);
    if (!res) continue;
    const announced = Number(res.headers.get(BYTES_HEADER));
    bytes += Number.isSafeInteger(announced) && announced >= 0 ? announced : (await res.arrayBuffer()).byteLength;
  }
  return { files: keys.length, bytes };
}

/** Deletes every downloaded bundle; returns what it freed. */
export async function clearDownloads(storage: CacheStorageLike): Promise<{ files: number; bytes: number }> {
  const usage = await cacheUsage(storage);
  await storage.delete(MODEL_CACHE_NAME);
  return usage;
}
