/**
 * Authenticating a secret: the token it names, if it may act now (`ApiToken.authenticate`), and
 * the session of use cases scoped to that token. Tokens are looked up through the process's
 * short-lived cache (`TokenCache`); sessions are kept per token. A use is written as the token's
 * `last_used_at` when the last one written is older than the interval (`ApiToken.lastUseDue`):
 * one small write per token per interval, never one per request.
 */
import { type Context, DateTime, Duration, Effect, Option } from "effect"
import * as ApiToken from "../ApiToken.js"
import type { Ledger, LedgerSession, Principal } from "../Ledger.js"
import { Lru } from "../Lru.js"
import { cacheSize, fromEither, type Shared } from "./Shared.js"
import { useCase } from "./Tracing.js"

/** `Ledger.authenticate`, building a caller's session with `sessionOf`. */
export const make = (shared: Shared, sessionOf: (principal: Principal) => LedgerSession): Context.Tag.Service<Ledger>["authenticate"] => {
  const { lastUseInterval, lastUses, now, store, tokens } = shared
  const sessions = new Lru<string, LedgerSession>(cacheSize)

  /** Writes the use when due; a failure to write it does not refuse the request it records. */
  const recordUse = (token: ApiToken.ApiToken, at: DateTime.Utc): Effect.Effect<void> => {
    const millis = DateTime.toEpochMillis(at)
    const recordedAt = token.last_used_at === null ? null : DateTime.toEpochMillis(token.last_used_at)
    const written = lastUses.get(token.id)
    const last = written === undefined ? recordedAt : Math.max(written, recordedAt ?? written)
    if (!ApiToken.lastUseDue(last, millis, lastUseInterval)) return Effect.void
    // Noted before the write: requests arriving while it runs do not write again.
    lastUses.set(token.id, millis)
    const staleBefore = DateTime.subtractDuration(at, Duration.decode(lastUseInterval))
    return store.transact(token.account_id, (tx) => tx.tokens.touch(token.id, at, staleBefore)).pipe(
      Effect.catchAllCause((cause) => Effect.logWarning("agentledger: a token's last use was not recorded", cause))
    )
  }

  return useCase("Ledger.authenticate", (secret: string) =>
    Effect.gen(function*() {
      const at = yield* now
      const hash = ApiToken.hashSecret(secret)
      const millis = DateTime.toEpochMillis(at)
      const cached = tokens.get(hash, millis)
      const found = cached !== undefined ? Option.some(cached) : yield* store.tokenBySecretHash(hash)
      if (cached === undefined && Option.isSome(found)) tokens.set(hash, found.value, millis)
      const token = yield* fromEither(ApiToken.authenticate(found, at))
      yield* recordUse(token, at)
      // A session is a function of fields a token never changes, so one per token is kept: the
      // token's status is still checked above on every call (a server authenticates each
      // request), and building the session's fifty use cases is not repeated.
      return sessions.getOrCompute(token.id, () =>
        sessionOf({
          account_id: token.account_id,
          token_id: token.id,
          token_scope: token.token_scope,
          agent_id: token.agent_id,
          environment_id: token.environment_id,
          agent_deployment_id: token.agent_deployment_id
        }))
    }))
}
