/**
 * The tokens a process has recently looked up, by secret hash, for a short time. Every request
 * authenticates, and a store round trip per request was a third of a span create's cost; a
 * token's status and expiry are still checked on each use (`ApiToken.authenticate`), only the
 * row is reused.
 *
 * A token changed in this process clears the cache when its unit of work has committed, so the
 * change holds at once here; another process (a second worker, another machine on the same
 * database) sees it when its entry ages out: within `ttl`. Unknown secrets are not kept, so a
 * token created elsewhere works at once and a flood of wrong secrets cannot fill the cache.
 */
import { Duration } from "effect"
import type { ApiToken } from "./ApiToken.js"
import { Lru } from "./Lru.js"

/** How long a looked-up token is reused by default: the bound on a change made by another process. */
export const defaultTtl: Duration.Duration = Duration.seconds(1)

interface Entry {
  readonly token: ApiToken
  readonly until: number
}

export class TokenCache {
  private readonly entries: Lru<string, Entry>
  private readonly ttlMillis: number

  constructor(ttl: Duration.DurationInput = defaultTtl, capacity = 4096) {
    this.entries = new Lru(capacity)
    this.ttlMillis = Duration.toMillis(ttl)
  }

  /** The token of a secret hash looked up less than `ttl` before `now` (epoch milliseconds). */
  get(hash: string, now: number): ApiToken | undefined {
    const entry = this.entries.get(hash)
    if (entry === undefined) return undefined
    if (entry.until > now) return entry.token
    this.entries.delete(hash)
    return undefined
  }

  set(hash: string, token: ApiToken, now: number): void {
    if (this.ttlMillis > 0) this.entries.set(hash, { token, until: now + this.ttlMillis })
  }

  /** Forgets every token: after any token changes (rare), rather than tracking which hash it had. */
  clear(): void {
    this.entries.clear()
  }
}
