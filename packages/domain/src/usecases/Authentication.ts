/**
 * Authenticating a secret: the token it names, if it may act now (`ApiToken.authenticate`), and
 * the session of use cases scoped to that token. Tokens are looked up through the process's
 * short-lived cache (`TokenCache`); sessions are kept per token.
 */
import { type Context, DateTime, Effect, Option } from "effect"
import * as ApiToken from "../ApiToken.js"
import type { Ledger, LedgerSession, Principal } from "../Ledger.js"
import { Lru } from "../Lru.js"
import { cacheSize, fromEither, type Shared } from "./Shared.js"
import { useCase } from "./Tracing.js"

/** `Ledger.authenticate`, building a caller's session with `sessionOf`. */
export const make = (shared: Shared, sessionOf: (principal: Principal) => LedgerSession): Context.Tag.Service<Ledger>["authenticate"] => {
  const { now, store, tokens } = shared
  const sessions = new Lru<string, LedgerSession>(cacheSize)
  return useCase("Ledger.authenticate", (secret: string) =>
    Effect.gen(function*() {
      const at = yield* now
      const hash = ApiToken.hashSecret(secret)
      const millis = DateTime.toEpochMillis(at)
      const cached = tokens.get(hash, millis)
      const found = cached !== undefined ? Option.some(cached) : yield* store.tokenBySecretHash(hash)
      if (cached === undefined && Option.isSome(found)) tokens.set(hash, found.value, millis)
      const token = yield* fromEither(ApiToken.authenticate(found, at))
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
