import { describe, expect, it } from 'vitest';
import { LruCache } from '../../src/engine/generation/lruCache';

class Thing {
  destroyed = 0;
  constructor(readonly name: string) {}
  destroy() {
    this.destroyed++;
  }
}

describe('LruCache', () => {
  it('keeps the most recently used entries and destroys the evicted one once', () => {
    const cache = new LruCache<Thing>(2);
    let created = 0;
    const get = (k: string) => cache.getOrCreate(k, () => (created++, new Thing(k)));
    const a = get('a');
    const b = get('b');
    expect(get('a')).toBe(a); // hit: a becomes the most recent
    expect(created).toBe(2);
    const c = get('c'); // evicts b, the least recent
    expect(cache.keys()).toEqual(['a', 'c']);
    expect([a.destroyed, b.destroyed, c.destroyed]).toEqual([0, 1, 0]);
    expect(get('b')).not.toBe(b); // re-created after eviction
    expect(created).toBe(4);
    expect(a.destroyed).toBe(1);
  });

  it('a throwing create leaves the cache as it was; clear and deleteWhere destroy', () => {
    const cache = new LruCache<Thing>(3);
    const x = cache.getOrCreate('x', () => new Thing('x'));
    const y = cache.getOrCreate('m|y', () => new Thing('y'));
    expect(() =>
      cache.getOrCreate('z', () => {
        throw new Error('quantise failed');
      }),
    ).toThrow('quantise failed');
    expect(cache.keys()).toEqual(['x', 'm|y']);
    cache.deleteWhere((k) => k.startsWith('m|'));
    expect([x.destroyed, y.destroyed]).toEqual([0, 1]);
    cache.clear();
    cache.clear();
    expect([x.destroyed, cache.size]).toEqual([1, 0]);
    expect(() => new LruCache(0)).toThrow(RangeError);
  });
});
