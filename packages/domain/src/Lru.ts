/**
 * A bounded least-recently-used map. The caches of compiled schemas and run contexts hold
 * immutable records, so they only need a bound; a cache of mutable rows also drops entries.
 */
export class Lru<K, V> {
  private readonly entries = new Map<K, V>()
  constructor(readonly capacity: number) {}

  get(key: K): V | undefined {
    const hit = this.entries.get(key)
    if (hit !== undefined) {
      this.entries.delete(key)
      this.entries.set(key, hit)
    }
    return hit
  }

  set(key: K, value: V): V {
    this.entries.delete(key)
    this.entries.set(key, value)
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next()
      if (oldest.done !== true) this.entries.delete(oldest.value)
    }
    return value
  }

  delete(key: K): void {
    this.entries.delete(key)
  }

  getOrCompute(key: K, compute: () => V): V {
    const hit = this.get(key)
    return hit !== undefined ? hit : this.set(key, compute())
  }

  get size(): number {
    return this.entries.size
  }
}
