/**
 * The local implementation of the `Ledger` port: the use cases of `usecases/`, each a load →
 * decide → persist over a `LedgerStore`, assembled into one service. The decisions are the pure
 * functions of the model modules; the use cases sequence them inside units of work
 * (`usecases/UnitOfWork.ts`), scope them to the caller, and share the caches of immutable
 * records (compiled schemas, run contexts, span owners) that make a span decision O(1).
 */
import { type Duration, Effect, Layer } from "effect"
import * as ApiToken from "./ApiToken.js"
import * as Idempotency from "./Idempotency.js"
import type * as Ids from "./Ids.js"
import { Ledger, type LedgerSession, type Principal } from "./Ledger.js"
import type { LedgerStore } from "./LedgerStore.js"
import * as Accounts from "./usecases/Accounts.js"
import * as Agents from "./usecases/Agents.js"
import * as AuditLog from "./usecases/AuditLog.js"
import * as Authentication from "./usecases/Authentication.js"
import * as Deployments from "./usecases/Deployments.js"
import * as Environments from "./usecases/Environments.js"
import * as Erasure from "./usecases/Erasure.js"
import * as Exports from "./usecases/Export.js"
import * as ActivityReads from "./usecases/Activity.js"
import * as MaskingPolicies from "./usecases/MaskingPolicies.js"
import * as Quality from "./usecases/Quality.js"
import * as Reads from "./usecases/Reads.js"
import * as Retention from "./usecases/Retention.js"
import * as RetentionPolicies from "./usecases/RetentionPolicies.js"
import * as RiskProfiles from "./usecases/RiskProfiles.js"
import * as Runs from "./usecases/Runs.js"
import * as Session from "./usecases/Session.js"
import * as Shared from "./usecases/Shared.js"
import * as Spans from "./usecases/Spans.js"
import * as Tokens from "./usecases/Tokens.js"
import * as Versions from "./usecases/Versions.js"

/** Settings of the local ledger. */
export interface Options {
  /** How long an idempotency key's record replays (default `Idempotency.defaultTtl`, 24 hours). */
  readonly idempotencyTtl?: Duration.DurationInput | undefined
  /**
   * How long a looked-up API token is reused before the store is asked again (default
   * `TokenCache.defaultTtl`, 1 second; 0 asks every time): how soon a token changed by another
   * process is seen here.
   */
  readonly tokenCacheTtl?: Duration.DurationInput | undefined
  /**
   * How often a token's `last_used_at` is written at most (default
   * `ApiToken.defaultLastUseInterval`, 1 minute): a use is recorded when the last one recorded is
   * older, never a write per request.
   */
  readonly tokenLastUseInterval?: Duration.DurationInput | undefined
  /**
   * How long ingest reuses an account's masking policy before reading it again (default
   * `MaskingCache.defaultTtl`, 1 second; 0 reads it for every span): how soon a policy changed
   * by another process is applied here.
   */
  readonly maskingCacheTtl?: Duration.DurationInput | undefined
}

export const makeWith = (options: Options) =>
  Effect.gen(function*() {
    const shared = yield* Shared.make({
      idempotencyTtl: options.idempotencyTtl ?? Idempotency.defaultTtl,
      tokenCacheTtl: options.tokenCacheTtl,
      lastUseInterval: options.tokenLastUseInterval ?? ApiToken.defaultLastUseInterval,
      maskingCacheTtl: options.maskingCacheTtl
    })

    /** The use cases of one caller, scoped to its account and token. */
    const session = (principal: Principal): LedgerSession => {
      const caller = Session.make(shared, principal)
      return {
        principal,
        ...Environments.make(caller),
        ...Tokens.make(caller),
        ...Agents.make(caller),
        ...Runs.make(caller),
        ...Spans.make(caller),
        ...Quality.make(caller),
        ...Reads.make(caller),
        ...ActivityReads.make(caller),
        ...MaskingPolicies.make(caller),
        ...Exports.make(caller),
        ...Versions.make(caller),
        ...Deployments.make(caller),
        ...RiskProfiles.make(caller),
        ...AuditLog.make(caller),
        ...Erasure.make(caller),
        ...RetentionPolicies.make(caller)
      }
    }

    return Ledger.of({
      ...(yield* Accounts.make(shared)),
      ...Retention.make(shared),
      authenticate: Authentication.make(shared, session)
    })
  })

export const make = makeWith({})

/** `Ledger` on a `LedgerStore`, minting ids from `IdEntropy`. */
export const layer: Layer.Layer<Ledger, never, LedgerStore | Ids.IdEntropy> = Layer.effect(Ledger, make)

/** `layer` with settings (the idempotency records' lifetime). */
export const layerWith = (options: Options): Layer.Layer<Ledger, never, LedgerStore | Ids.IdEntropy> => Layer.effect(Ledger, makeWith(options))
