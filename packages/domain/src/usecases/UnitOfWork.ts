/**
 * How a use case of one caller touches the store: every mutation as one unit of work, run once
 * per idempotency key, after the caller's scope and the input's text are checked; reads of
 * committed data behind the same scope check.
 *
 * A use case names who may call it (`callers`): account tokens only, the default, or any token
 * of the account — the ingest path and the reads of runs, where a deployment token then sees
 * its own agent's records only (`Loads`).
 *
 * Every mutation writes one audit event (`AuditTrail`) in its unit of work, after its work: the
 * caller's token as actor, the operation as action, the answer as the state after (or, for a
 * deletion, before). Ingest writes none (spans and runs are the ledger itself, `Mutation.ingest`),
 * nor does a replay of an idempotency key (it changes nothing).
 */
import { DateTime, Effect, Option, Schema } from "effect"
import { reachesAccount } from "../ApiToken.js"
import type { MutationOptions } from "../Commands.js"
import { fingerprintOf } from "../Digest.js"
import * as Audit from "../Audit.js"
import { type Conflict, InvalidInput, NotPermitted } from "../Errors.js"
import * as Idempotency from "../Idempotency.js"
import type { InstanceId } from "../Ids.js"
import { findUnstorable } from "../Json.js"
import type { Principal } from "../Ledger.js"
import type { StoreTx } from "../LedgerStore.js"
import { appendEvent, ignored, makeTrail, recorded, type Trail } from "./AuditTrail.js"
import { fromEither, type Shared } from "./Shared.js"

/** Who may call a use case: account-scoped tokens only, or any token of the account. */
export type Callers = "account tokens" | "any token"

/**
 * What a use case's unit of work does inside the store; a mutation's work may record through
 * `trail` the state before its change (`trail.before(schema, value)`).
 */
export type Work<A, E> = (tx: StoreTx, trail: Trail) => Effect.Effect<A, E>

export type { Trail } from "./AuditTrail.js"

/** A mutation as its use case names it. */
export interface Mutation<A, I> {
  /** What an idempotency key's record says it did (`agent.create`). */
  readonly operation: string
  /** The input, fingerprinted for a key's record and checked for storable text. */
  readonly request: unknown
  /** The answer's schema: a key's record keeps the answer encoded, a replay decodes it. */
  readonly answer: Schema.Schema<A, I>
  readonly options: MutationOptions | undefined
  /** Account tokens only when omitted. */
  readonly callers?: Callers | undefined
  /** What of the answer a replay gives back, and the audit log records (a token's secret is not kept). */
  readonly kept?: ((answer: A) => A) | undefined
  /** The runs the answer is about: a key's record goes when one of them is erased (none when omitted). */
  readonly runs?: ((answer: A) => ReadonlyArray<InstanceId>) | undefined
  /** The id of the record the mutation changed, from its answer (none when omitted). */
  readonly subject?: ((answer: A) => string | null) | undefined
  /** A deletion: the answer is the record as it was, so the event's `before` is the answer and `after` null. */
  readonly removes?: boolean | undefined
  /**
   * Ingest: a run's or a span's lifecycle as an SDK reports it, which is the ledger itself, so the
   * audit log does not repeat it: the mutation writes no event of its own (a registration that
   * moves a deployment's pointer records that move itself).
   */
  readonly ingest?: boolean | undefined
}

/** Use cases any token may call: they never answer `NotPermitted` for the token's scope. */
type AnyToken = { readonly callers: "any token" }

export interface UnitOfWork {
  /** A mutation as a locking unit of work (`LedgerStore.transact`). */
  readonly mutate: {
    <A, I, E>(mutation: Mutation<A, I> & AnyToken, work: Work<A, E>): Effect.Effect<A, E | InvalidInput | Conflict>
    <A, I, E>(mutation: Mutation<A, I>, work: Work<A, E>): Effect.Effect<A, E | InvalidInput | Conflict | NotPermitted>
  }
  /**
   * Span ingest: without a key, `LedgerStore.append`, which a store may run optimistically; with
   * one, a locking unit of work as `mutate` (the key's claim must hold until it commits).
   */
  readonly ingest: {
    <A, I, E>(mutation: Mutation<A, I> & AnyToken, work: Work<A, E>): Effect.Effect<A, E | InvalidInput | Conflict>
    <A, I, E>(mutation: Mutation<A, I>, work: Work<A, E>): Effect.Effect<A, E | InvalidInput | Conflict | NotPermitted>
  }
  /** Reads of committed data. */
  readonly read: {
    <A, E>(work: Work<A, E>, options: AnyToken): Effect.Effect<A, E>
    <A, E>(work: Work<A, E>, options?: { readonly callers?: Callers | undefined }): Effect.Effect<A, E | NotPermitted>
  }
  /** A unit of work with no key, no checks: for work already checked (group commits). */
  readonly transact: <A, E>(work: Work<A, E>) => Effect.Effect<A, E>
  /** `transact` as span ingest (`LedgerStore.append`). */
  readonly append: <A, E>(work: Work<A, E>) => Effect.Effect<A, E>
}

/**
 * Every string an input holds, keys included, must be storable text (`Json.unstorableReason`):
 * checked once here for every use case rather than failing in a store. The field is named from
 * the input down (`payload.a.0`), without the `input.` of a use case's `{ id, input }` request.
 */
export const checkStorable = (request: unknown): Effect.Effect<void, InvalidInput> => {
  const found = findUnstorable(request)
  if (found === null) return Effect.void
  return Effect.fail(InvalidInput.field(found.field.replace(/^input\./, ""), found.message))
}

const whole = <A>(answer: A): A => answer

/** The units of work of one caller. */
export const make = (shared: Shared, principal: Principal): UnitOfWork => {
  const { now, store } = shared
  const account = principal.account_id
  const transact = <A, E>(work: Work<A, E>) => store.transact(account, (tx) => work(tx, ignored))
  const append = <A, E>(work: Work<A, E>) => store.append(account, (tx) => work(tx, ignored))
  const actor = Audit.ofToken(principal)

  /** `work`, then its mutation's audit event, as the last step of the unit of work. */
  const audited = <A, I, E>(mutation: Mutation<A, I>, work: Work<A, E>): Work<A, E> => (tx) =>
    Effect.gen(function*() {
      const { before, trail } = makeTrail()
      const answer = yield* work(tx, trail)
      const kept = yield* recorded(mutation.answer, (mutation.kept ?? whole)(answer))
      yield* appendEvent(shared, tx, {
        actor,
        action: mutation.operation,
        entity: Audit.entityOf(mutation.operation),
        entity_id: mutation.subject?.(answer) ?? null,
        before: mutation.removes === true ? kept : before(),
        after: mutation.removes === true ? null : kept
      })
      return answer
    })

  const accountScope: Effect.Effect<void, NotPermitted> = reachesAccount(principal)
    ? Effect.void
    // Built only when refused: a session is made per token, and an error object is not free.
    : Effect.failSync(() => new NotPermitted({ message: "this action needs an account-scoped API token" }))

  const scoped = <A, E>(callers: Callers | undefined, effect: Effect.Effect<A, E>): Effect.Effect<A, E | NotPermitted> =>
    callers === "any token" ? effect : Effect.zipRight(accountScope, effect)

  /** Runs `work` once per key: a repeat of the request replays the first answer, another request conflicts. */
  const keyed = <A, I, E>(key: string, mutation: Mutation<A, I>, work: Work<A, E>) => {
    const { operation, request } = mutation
    const asJson = Schema.parseJson(mutation.answer)
    return transact((tx) =>
      Effect.gen(function*() {
        const fingerprint = fingerprintOf({ operation, request })
        const at = DateTime.toEpochMillis(yield* now)
        // The key is this token's: another token's key of the same text is another key.
        const claim = { principal: principal.token_id, key, at, expiredBefore: Idempotency.expiredBefore(at, shared.idempotencyTtl) }
        const prior = yield* tx.idempotency.claim(claim)
        if (Option.isSome(prior)) {
          const response = yield* fromEither(Idempotency.replay(prior.value, { key, operation, fingerprint }))
          const replayed = yield* Schema.decode(asJson)(response).pipe(Effect.orDie)
          // A replay shows no more than the call would: a deployment token, its own agent only.
          if (!Idempotency.answerVisibleTo(principal.agent_id, replayed)) return yield* Idempotency.reused(key)
          return replayed
        }
        const answer = yield* work(tx, ignored)
        const encoded = yield* Schema.encode(asJson)((mutation.kept ?? whole)(answer)).pipe(Effect.orDie)
        yield* tx.idempotency.record({
          principal: principal.token_id,
          key,
          operation,
          request_fingerprint: fingerprint,
          response: encoded,
          recorded_at: at,
          runs: mutation.runs?.(answer) ?? []
        })
        return answer
      })
    )
  }

  /**
   * A mutation whose unit of work, without a key, is `unkeyed`; `audit` says whether it writes
   * its event.
   */
  const once = (unkeyed: <A, E>(work: Work<A, E>) => Effect.Effect<A, E>, audit: boolean) =>
  <A, I, E>(mutation: Mutation<A, I>, work: Work<A, E>): Effect.Effect<A, E | InvalidInput | Conflict | NotPermitted> => {
    const key = mutation.options?.idempotencyKey
    const storable = checkStorable(mutation.request)
    const unit = audit && mutation.ingest !== true ? audited(mutation, work) : work
    return scoped(
      mutation.callers,
      key === undefined
        ? Effect.zipRight(storable, unkeyed(unit))
        : fromEither(Idempotency.validateKey(key)).pipe(Effect.zipRight(storable), Effect.zipRight(keyed(key, mutation, unit)))
    )
  }

  const mutating = once(transact, true)
  const ingesting = once(append, false)

  function mutate<A, I, E>(mutation: Mutation<A, I> & AnyToken, work: Work<A, E>): Effect.Effect<A, E | InvalidInput | Conflict>
  function mutate<A, I, E>(mutation: Mutation<A, I>, work: Work<A, E>): Effect.Effect<A, E | InvalidInput | Conflict | NotPermitted>
  function mutate<A, I, E>(mutation: Mutation<A, I>, work: Work<A, E>) {
    return mutating(mutation, work)
  }

  function ingest<A, I, E>(mutation: Mutation<A, I> & AnyToken, work: Work<A, E>): Effect.Effect<A, E | InvalidInput | Conflict>
  function ingest<A, I, E>(mutation: Mutation<A, I>, work: Work<A, E>): Effect.Effect<A, E | InvalidInput | Conflict | NotPermitted>
  function ingest<A, I, E>(mutation: Mutation<A, I>, work: Work<A, E>) {
    return ingesting(mutation, work)
  }

  function read<A, E>(work: Work<A, E>, options: AnyToken): Effect.Effect<A, E>
  function read<A, E>(work: Work<A, E>, options?: { readonly callers?: Callers | undefined }): Effect.Effect<A, E | NotPermitted>
  function read<A, E>(work: Work<A, E>, options?: { readonly callers?: Callers | undefined }) {
    return scoped(options?.callers, store.read(account, (tx) => work(tx, ignored)))
  }

  return { mutate, ingest, read, transact, append }
}
