/**
 * A Map whose entries expire `ttlMs` after they were last set, and whose size is capped (oldest
 * first out). Insertion order is expiry order, so a sweep stops at the first live entry.
 */
export class TtlMap<K, V> {
  private readonly map = new Map<K, { value: V; expires: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxSize: number,
    private readonly now: () => number = Date.now,
    /** called for entries that expire or are evicted (not for take/delete) */
    private readonly onDrop?: (key: K, value: V) => void,
  ) {}

  get size(): number {
    return this.map.size;
  }

  get(key: K): V | undefined {
    const e = this.map.get(key);
    if (!e) return undefined;
    if (e.expires <= this.now()) {
      this.map.delete(key);
      this.onDrop?.(key, e.value);
      return undefined;
    }
    return e.value;
  }

  has(key: K): boolean {
    return this.get(key) !== undefined;
  }

  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, { value, expires: this.now() + this.ttlMs });
    while (this.map.size > this.maxSize) {
      const [k, e] = this.map.entries().next().value as [K, { value: V; expires: number }];
      this.map.delete(k);
      this.onDrop?.(k, e.value);
    }
  }

  /** the keys, expired ones included until the next sweep */
  keys(): IterableIterator<K> {
    return this.map.keys();
  }

  /** removes and returns a live entry */
  take(key: K): V | undefined {
    const v = this.get(key);
    if (v !== undefined) this.map.delete(key);
    return v;
  }

  sweep(): void {
    const now = this.now();
    for (const [k, e] of this.map) {
      if (e.expires > now) break;
      this.map.delete(k);
      this.onDrop?.(k, e.value);
    }
  }
}
