/**
 * A bounded least-recently-used map. The caches of compiled schemas and run contexts hold
 * immutable records, so they only need a bound; a cache of mutable rows also drops entries.
 * A cache whose entries differ widely in size (a compiled schema version can be one line or
 * megabytes) is bounded by their total weight too.
 */
export class Lru<K, V> {
  private readonly entries = new Map<K, V>()
  private total = 0

  /**
   * At most `capacity` entries, and at most `maxWeight` in all as `weigh` measures them (an
   * entry heavier than that on its own is returned but not kept).
   */
  constructor(
    readonly capacity: number,
    private readonly weigh: (value: V) => number = () => 0,
    readonly maxWeight: number = Infinity
  ) {}

  get(key: K): V | undefined {
    const hit = this.entries.get(key)
    if (hit !== undefined) {
      this.entries.delete(key)
      this.entries.set(key, hit)
    }
    return hit
  }

  set(key: K, value: V): V {
    this.delete(key)
    const weight = this.weigh(value)
    if (weight > this.maxWeight) return value
    this.entries.set(key, value)
    this.total += weight
    while (this.entries.size > this.capacity || this.total > this.maxWeight) {
      const oldest = this.entries.keys().next()
      if (oldest.done === true) break
      this.delete(oldest.value)
    }
    return value
  }

  delete(key: K): void {
    const previous = this.entries.get(key)
    if (previous === undefined) return
    this.entries.delete(key)
    this.total -= this.weigh(previous)
  }

  /** Drops every entry `drop` names: for the rare record that stops being true (an erased run's spans). */
  deleteWhere(drop: (value: V, key: K) => boolean): void {
    for (const [key, value] of [...this.entries]) if (drop(value, key)) this.delete(key)
  }

  clear(): void {
    this.entries.clear()
    this.total = 0
  }

  getOrCompute(key: K, compute: () => V): V {
    const hit = this.get(key)
    return hit !== undefined ? hit : this.set(key, compute())
  }

  get size(): number {
    return this.entries.size
  }

  /** The total weight of the entries held. */
  get weight(): number {
    return this.total
  }
}
