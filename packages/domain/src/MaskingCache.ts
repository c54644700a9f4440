/**
 * The masking policies a process has recently read, prepared (`Masking.Masker`), per account,
 * for a short time. Ingest reads the policy of every span's account; a store round trip per span
 * would cost more than the span's decision.
 *
 * A policy changed in this process is forgotten when its unit of work has committed, so the
 * change holds at once here. Another process on the same store (a second worker, another
 * machine) reads it when its entry ages out: within `ttl`. A read that began before a change was
 * forgotten is not kept (`ticket`), so a slow read cannot put the old policy back.
 */
import { Duration } from "effect"
import type { Masker } from "./Masking.js"

/** How long a read policy is reused by default: the bound on a change made by another process. */
export const defaultTtl: Duration.Duration = Duration.seconds(1)

interface Entry {
  readonly masker: Masker
  readonly until: number
}

/**
 * A plain map, not an `Lru`: every span reads it, and an LRU's reordering on each hit (a delete
 * and a set) was most of the read. Entries age out anyway; a full map drops its oldest entry.
 */
export class MaskingCache {
  private readonly entries = new Map<string, Entry>()
  private readonly ttlMillis: number
  private forgotten = 0

  constructor(ttl: Duration.DurationInput = defaultTtl, readonly capacity = 4096) {
    this.ttlMillis = Duration.toMillis(ttl)
  }

  /** The masker of an account read less than `ttl` before `now` (epoch milliseconds). */
  get(account: string, now: number): Masker | undefined {
    const entry = this.entries.get(account)
    if (entry === undefined) return undefined
    if (entry.until > now) return entry.masker
    this.entries.delete(account)
    return undefined
  }

  /** Taken before a read of the store: `set` keeps what the read found only if nothing was forgotten since. */
  ticket(): number {
    return this.forgotten
  }

  set(account: string, masker: Masker, now: number, ticket: number): Masker {
    if (this.ttlMillis <= 0 || ticket !== this.forgotten) return masker
    this.entries.delete(account)
    if (this.entries.size >= this.capacity) {
      const oldest = this.entries.keys().next()
      if (oldest.done !== true) this.entries.delete(oldest.value)
    }
    this.entries.set(account, { masker, until: now + this.ttlMillis })
    return masker
  }

  /** Forgets an account's policy: after its change has committed. */
  forget(account: string): void {
    this.forgotten++
    this.entries.delete(account)
  }
}
