/** The UI's view of the download cache (the worker writes it; both see the same Cache Storage of the origin). */
import { cacheUsage, clearDownloads, type CacheStorageLike } from '../../models/bundle/cachedSource';

export type CacheUsage = { readonly files: number; readonly bytes: number };

/** Cache Storage, or undefined outside secure contexts (plain http off localhost) where browsers leave it out. */
export function browserCaches(): CacheStorageLike | undefined {
  return typeof caches === 'undefined' ? undefined : caches;
}

export const downloadUsage = (storage: CacheStorageLike): Promise<CacheUsage> => cacheUsage(storage);
export const freeDownloads = (storage: CacheStorageLike): Promise<CacheUsage> => clearDownloads(storage);

/** "1.8 MB", "640 kB", "12 B": decimal units, as download sizes are usually given. */
export function formatBytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(0)} kB`;
  return `${n} B`;
}
