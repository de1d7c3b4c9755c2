/**
 * A small least-recently-used cache of things that hold GPU memory (a model's weights for one QuantSetting):
 * quantising is the expensive part, so a changed setting only re-quantises what changed, while memory stays
 * bounded. An evicted, replaced or cleared value is destroyed; `get` makes an entry the most recent.
 */
export interface Destroyable {
  destroy(): void;
}

export class LruCache<V extends Destroyable> {
  private readonly entries = new Map<string, V>();

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`LruCache capacity ${capacity} must be a positive integer`);
  }

  get size(): number {
    return this.entries.size;
  }

  /** Keys from least to most recently used. */
  keys(): string[] {
    return [...this.entries.keys()];
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** The cached value (now the most recent), or a new one from `create` (evicting the least recent when full). */
  getOrCreate(key: string, create: () => V): V {
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const value = create(); // a throwing create leaves the cache as it was
    this.entries.set(key, value);
    while (this.entries.size > this.capacity) {
      const [oldest, evicted] = this.entries.entries().next().value as [string, V];
      this.entries.delete(oldest);
      evicted.destroy();
    }
    return value;
  }

  /** Destroys and forgets every entry whose key matches. */
  deleteWhere(match: (key: string) => boolean): void {
    for (const [key, value] of [...this.entries]) {
      if (!match(key)) continue;
      this.entries.delete(key);
      value.destroy();
    }
  }

  /** Destroys every entry; idempotent. */
  clear(): void {
    this.deleteWhere(() => true);
  }
}
