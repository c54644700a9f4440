/**
 * What every session of one local ledger shares: the store, the sources of time and ids, the
 * work done outside units of work, and the caches of immutable records (compiled schemas, run
 * contexts, span owners), of looked-up tokens and of read masking policies.
 */
import { type Context, DateTime, type Duration, Effect, Either } from "effect"
import { CompiledSchemaCache } from "../Conformance.js"
import type { InvalidInput } from "../Errors.js"
import * as Ids from "../Ids.js"
import { LedgerStore } from "../LedgerStore.js"
import { Lru } from "../Lru.js"
import { MaskingCache } from "../MaskingCache.js"
import * as OutsideWork from "../OutsideWork.js"
import { SchemaChecker } from "../SchemaChecker.js"
import type { RunContext, SpanOwner } from "../Span.js"
import { TokenCache } from "../TokenCache.js"

/** Records the caches hold are immutable, so a bound is all they need. */
export const cacheSize = 1024

export interface Shared {
  readonly store: Context.Tag.Service<LedgerStore>
  readonly entropy: Ids.Entropy
  /** How long an idempotency key's record replays. */
  readonly idempotencyTtl: Duration.DurationInput
  /** Compilations and checks that run between units of work, never inside one. */
  readonly outside: OutsideWork.Outside
  readonly now: Effect.Effect<DateTime.Utc>
  /** A new id for a record of `account`, minted at `at`. */
  readonly newId: <A>(kind: Ids.IdSchema<A>, account: Ids.AccountId, at: DateTime.Utc) => A
  /** The id a client chose (`Ids.validateChosen`), or a new one when it chose none. */
  readonly pickId: <A>(
    kind: Ids.IdSchema<A>,
    account: Ids.AccountId,
    at: DateTime.Utc,
    chosen: string | null | undefined
  ) => Either.Either<A, InvalidInput>
  /** `pickId` as an effect. */
  readonly chooseId: <A>(
    kind: Ids.IdSchema<A>,
    account: Ids.AccountId,
    at: DateTime.Utc,
    chosen: string | null | undefined
  ) => Effect.Effect<A, InvalidInput>
  /** Run contexts by (schema version, profile revision): a span decision's compiled schema and scoring table. */
  readonly runContexts: Lru<string, RunContext>
  /**
   * Who owns the spans this process recorded, by account and span id: a child's parent and a
   * finish's run are found without reading the span. Ownership never changes, so another
   * process's writes cannot make an entry wrong; a span this process never saw is read.
   */
  readonly spanOwners: Lru<string, SpanOwner>
  /** Tokens looked up by secret hash, reused for a short time. */
  readonly tokens: TokenCache
  /** How often a token's `last_used_at` is written at most (`ApiToken.lastUseDue`). */
  readonly lastUseInterval: Duration.DurationInput
  /** The last use this process wrote per token id (epoch milliseconds), newer than the cached rows say. */
  readonly lastUses: Lru<string, number>
  /** `effect`, then the token cache forgotten: after a unit of work that changed tokens has committed. */
  readonly tokensChanged: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  /** Masking policies read by ingest, prepared, per account, reused for a short time. */
  readonly maskers: MaskingCache
}

export const make = (settings: {
  readonly idempotencyTtl: Duration.DurationInput
  readonly tokenCacheTtl: Duration.DurationInput | undefined
  readonly lastUseInterval: Duration.DurationInput
  readonly maskingCacheTtl?: Duration.DurationInput | undefined
}): Effect.Effect<Shared, never, LedgerStore | Ids.IdEntropy> =>
  Effect.gen(function*() {
    const store = yield* LedgerStore
    const entropy = yield* Ids.IdEntropy
    const outside = OutsideWork.make(yield* SchemaChecker, new CompiledSchemaCache(cacheSize))
    const tokens = new TokenCache(settings.tokenCacheTtl)
    const newId = <A>(kind: Ids.IdSchema<A>, account: Ids.AccountId, at: DateTime.Utc): A =>
      Ids.mintAt(kind, Ids.partitionOf(account), DateTime.toEpochMillis(at), entropy)
    const pickId = <A>(
      kind: Ids.IdSchema<A>,
      account: Ids.AccountId,
      at: DateTime.Utc,
      chosen: string | null | undefined
    ): Either.Either<A, InvalidInput> =>
      chosen === null || chosen === undefined
        ? Either.right(newId(kind, account, at))
        : Ids.validateChosen(kind, Ids.partitionOf(account), chosen)
    return {
      store,
      entropy,
      idempotencyTtl: settings.idempotencyTtl,
      outside,
      now: DateTime.now,
      newId,
      pickId,
      chooseId: (kind, account, at, chosen) => fromEither(pickId(kind, account, at, chosen)),
      runContexts: new Lru<string, RunContext>(cacheSize),
      spanOwners: new Lru<string, SpanOwner>(cacheSize * 16),
      tokens,
      lastUseInterval: settings.lastUseInterval,
      lastUses: new Lru<string, number>(cacheSize * 4),
      tokensChanged: (effect) => Effect.tap(effect, () => tokens.clear()),
      maskers: new MaskingCache(settings.maskingCacheTtl)
    }
  })

/** A decision's answer as an effect. */
export const fromEither = <A, E>(either: Either.Either<A, E>): Effect.Effect<A, E> =>
  Either.isRight(either) ? Effect.succeed(either.right) : Effect.fail(either.left)
