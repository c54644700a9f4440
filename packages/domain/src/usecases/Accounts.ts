/**
 * The use cases that precede a tenant: open an account (with its default environments and a
 * one-time account token), open one once per operator key, bootstrap an empty store. Each
 * opening is the account's first audit event, by the operator (the secret is not in it).
 */
import { type Context, DateTime, Effect, Option, Schema } from "effect"
import * as Account from "../Account.js"
import * as ApiToken from "../ApiToken.js"
import * as Audit from "../Audit.js"
import type { MutationOptions } from "../Commands.js"
import { fingerprintOf } from "../Digest.js"
import * as Environment from "../Environment.js"
import type { Conflict, InvalidInput } from "../Errors.js"
import * as Idempotency from "../Idempotency.js"
import * as Ids from "../Ids.js"
import { CreatedAccount, type Ledger, OpenedAccount } from "../Ledger.js"
import type { StoreTx } from "../LedgerStore.js"
import { appendEvent, recorded } from "./AuditTrail.js"
import { conflictOn } from "./Loads.js"
import { fromEither, type Shared } from "./Shared.js"
import { useCase } from "./Tracing.js"
import { checkStorable } from "./UnitOfWork.js"

type AccountUseCases = Pick<Context.Tag.Service<Ledger>, "createAccount" | "openAccount" | "bootstrap">

/** What opening an account is given: a name, and a preset secret for its token when bootstrapping. */
interface Opening {
  readonly name: string
  readonly secret?: string | undefined
}

/** The audit event of an opening: the account and its token as opened, without the secret. */
const opened = (action: "account.create" | "account.bootstrap", created: CreatedAccount) =>
  Effect.map(recorded(OpenedAccount, { ...created, secret: null }), (after): Audit.AuditEntry => ({
    actor: Audit.operator,
    action,
    entity: Audit.entityOf(action),
    entity_id: created.account.id,
    before: null,
    after
  }))

/**
 * Another unit of work did, before this one took the same exclusive turn, what this one was
 * about to do (open the store's first account, or the account of an operator's key).
 */
class Preempted extends Schema.TaggedError<Preempted>()("Preempted", {}) {}

export const make = (shared: Shared): Effect.Effect<AccountUseCases> =>
  Effect.gen(function*() {
    const { entropy, newId, now, store } = shared

    /**
     * Opens an account; `first` runs in its unit of work before anything is written (a turn
     * taken, a decision made again under it), `within` once the account is written, and the
     * opening's audit event last.
     */
    const open = <E = never>(
      input: Opening,
      action: "account.create" | "account.bootstrap",
      within: (tx: StoreTx, created: CreatedAccount) => Effect.Effect<void, Conflict> = () => Effect.void,
      first: (tx: StoreTx) => Effect.Effect<void, E> = () => Effect.void
    ) =>
      Effect.gen(function*() {
        yield* checkStorable({ name: input.name })
        const name = yield* fromEither(Account.validateAccountName(input.name))
        const at = yield* now
        const partition = Ids.newPartition(entropy)
        const id = Ids.mintAt(Ids.AccountId, partition, DateTime.toEpochMillis(at), entropy)
        const secret = input.secret === undefined
          ? yield* fromEither(ApiToken.formatSecret(entropy.bytes(ApiToken.secretBytes)))
          : yield* fromEither(ApiToken.validateSecret(input.secret))
        const account = Account.create({ id, name, partition }, at)
        const token = ApiToken.issue({ id: newId(Ids.ApiTokenId, id, at), account_id: id, token_scope: "account", target: null, secret }, at)
        const created = CreatedAccount.make({ account, token: ApiToken.viewOf(token), secret })
        yield* store.transact(id, (tx) =>
          Effect.zipRight(first(tx), Effect.gen(function*() {
            yield* tx.accounts.insert(account)
            for (const { name, purpose } of Environment.defaultEnvironments) {
              yield* tx.environments.insert(Environment.create({ id: newId(Ids.EnvironmentId, id, at), account_id: id, name, purpose }, at))
            }
            yield* tx.tokens.insert(token)
          }).pipe(
            Effect.mapError(conflictOn("that secret is already in use")),
            Effect.zipRight(within(tx, created)),
            Effect.zipRight(Effect.flatMap(opened(action, created), (entry) => appendEvent(shared, tx, entry)))
          )))
        return created
      })

    // Keyed account creations take turns in this process, so a retry racing its first attempt
    // waits for it here without holding a connection. Across processes the key's exclusive turn
    // in the store decides: an attempt that finds, under the turn, that another process opened
    // the account replays that one instead of opening a second.
    const accountCreations = yield* Effect.makeSemaphore(1)

    const openOnce = (input: { readonly name: string }, key: string): Effect.Effect<OpenedAccount, InvalidInput | Conflict> => {
      const operation = "account.create"
      const principal = Idempotency.operatorPrincipal
      const asJson = Schema.parseJson(OpenedAccount)
      const attempt = Effect.gen(function*() {
        const at = DateTime.toEpochMillis(yield* now)
        const expiredBefore = Idempotency.expiredBefore(at, shared.idempotencyTtl)
        const fingerprint = fingerprintOf({ operation, request: { name: input.name } })
        const claim = { principal, key, at, expiredBefore }
        const holder = yield* store.idempotentAccount(principal, key, expiredBefore)
        if (Option.isSome(holder)) {
          const prior = yield* store.transact(holder.value, (tx) => tx.idempotency.claim(claim))
          if (Option.isSome(prior)) {
            const response = yield* fromEither(Idempotency.replay(prior.value, { key, operation, fingerprint }))
            return yield* Schema.decode(asJson)(response).pipe(Effect.orDie)
          }
        }
        return yield* open(
          input,
          "account.create",
          (tx, created) =>
            Effect.gen(function*() {
              yield* tx.idempotency.claim(claim)
              const response = yield* Schema.encode(asJson)({ ...created, secret: null }).pipe(Effect.orDie)
              yield* tx.idempotency.record({ principal, key, operation, request_fingerprint: fingerprint, response, recorded_at: at, runs: [] })
            }),
          (tx) =>
            tx.exclusive(JSON.stringify([operation, principal, key])).pipe(
              Effect.zipRight(store.idempotentAccount(principal, key, expiredBefore)),
              Effect.flatMap((taken) => Option.isSome(taken) ? new Preempted() : Effect.void)
            )
        )
      })
      return fromEither(Idempotency.validateKey(key)).pipe(
        Effect.zipRight(checkStorable({ name: input.name })),
        Effect.zipRight(accountCreations.withPermits(1)(attempt.pipe(
          // The second attempt finds the account under the key and replays it.
          Effect.catchTag("Preempted", () => attempt),
          Effect.catchTag("Preempted", (preempted) => Effect.die(preempted))
        )))
      )
    }

    return {
      createAccount: useCase("Ledger.createAccount", (input: Opening) => open(input, "account.create")),

      openAccount: useCase("Ledger.openAccount", (input: { readonly name: string }, options?: MutationOptions) => {
        const key = options?.idempotencyKey
        return key === undefined ? open(input, "account.create") : openOnce(input, key)
      }),

      bootstrap: useCase("Ledger.bootstrap", (input: Opening) =>
        Effect.flatMap(store.isEmpty, (empty) =>
          empty
            // Processes starting together on an empty store take turns; a later one finds the
            // account under its turn and opens none.
            ? open(input, "account.bootstrap", undefined, (tx) =>
              tx.exclusive(JSON.stringify(["bootstrap"])).pipe(
                Effect.zipRight(store.isEmpty),
                Effect.flatMap((still) => still ? Effect.void : new Preempted())
              )).pipe(Effect.catchTag("Preempted", () => Effect.succeed(null)))
            : Effect.succeed(null)))
    }
  })
