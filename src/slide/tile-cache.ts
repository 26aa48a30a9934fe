import { LruCache } from '../core';

/** Decoded tiles by key, an LRU bounded in bytes, with one load per key however many ask at once. */
export interface TileCache<T> {
  /** The cached tile, the load already under way for it, or `load()` started now (its result cached). */
  get(key: string, load: () => Promise<T>): Promise<T>;
  /** Cached or being loaded. */
  holds(key: string): boolean;
  set(key: string, tile: T): void;
}

export function tileCache<T extends { data: ArrayBufferView }>(bytes: number): TileCache<T> {
  const cache = new LruCache<string, T>(bytes);
  const inflight = new Map<string, Promise<T>>();
  const set = (key: string, tile: T) => cache.set(key, tile, tile.data.byteLength);
  return {
    get(key, load) {
      const hit = cache.get(key);
      if (hit) return Promise.resolve(hit);
      let p = inflight.get(key);
      if (!p) {
        p = load().then((t) => {
          set(key, t);
          return t;
        });
        inflight.set(key, p);
        p.finally(() => inflight.delete(key)).catch(() => {});
      }
      return p;
    },
    holds: (key) => cache.has(key) || inflight.has(key),
    set,
  };
}
