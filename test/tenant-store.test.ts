/**
 * Tenant input is untrusted — what the stores themselves must hold, on every store:
 *
 * - idempotency records expire (24 hours by default, `LedgerLive.layerWith` to change it): an
 *   expired key is a fresh key, for a token and for the operator (TestClock, no waiting);
 * - a secret's hash is unique in the whole store: two accounts cannot hold one secret, and a
 *   token of another account with a taken hash is refused by the store itself;
 * - a span write larger than PostgreSQL's 65,535 bind parameters is split, not refused with a
 *   500 (the domain caps a batch far lower; the store is correct on its own).
 */
import { ApiToken, Ids, Ledger, LedgerLive, LedgerStore, type Span } from "@agentledger/domain"
import { MemoryStore } from "@agentledger/store-memory"
import { PgStore } from "@agentledger/store-postgres"
import { type PostgresServer, startPostgres } from "@agentledger/testkit/postgres"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Layer, Option, Redacted, TestClock } from "effect"
import { afterAll } from "vitest"

let postgres: PostgresServer | undefined
afterAll(() => postgres?.stop())

const pgLayer = Layer.unwrapEffect(Effect.promise(async () => {
  postgres ??= await startPostgres()
  return PgStore.layerPg({ url: Redacted.make(postgres.url), maxConnections: 4 })
}))

const stores = [
  { name: "memory", store: () => MemoryStore.layer },
  { name: "PGlite", store: () => PgStore.layerPglite() },
  { name: "PostgreSQL", store: () => pgLayer }
] as const

/** The ledger and its store, with one store per test. */
const on = (store: Layer.Layer<LedgerStore>, options: LedgerLive.Options = {}) =>
  Layer.provideMerge(LedgerLive.layerWith(options), Layer.merge(store, Ids.IdEntropy.Live))

const start = TestClock.setTime(Date.parse("2026-06-01T00:00:00Z"))

describe.each(stores)("idempotency records expire, on $name", ({ store }) => {
  it.effect("a token's key replays within the lifetime set, and is a fresh key after it", () =>
    Effect.gen(function*() {
      yield* start
      const ledger = yield* Ledger
      const session = yield* ledger.authenticate((yield* ledger.createAccount({ name: "Expiry" })).secret)
      const first = yield* session.createAgent({ name: "First" }, { idempotencyKey: "k" })
      yield* TestClock.adjust("59 minutes")
      expect((yield* session.createAgent({ name: "First" }, { idempotencyKey: "k" })).id).toBe(first.id)
      expect((yield* Effect.flip(session.createAgent({ name: "Other" }, { idempotencyKey: "k" })))._tag).toBe("Conflict")
      yield* TestClock.adjust("2 minutes")
      const fresh = yield* session.createAgent({ name: "Other" }, { idempotencyKey: "k" })
      expect(fresh.id).not.toBe(first.id)
      // The fresh record replays in turn.
      expect((yield* session.createAgent({ name: "Other" }, { idempotencyKey: "k" })).id).toBe(fresh.id)
    }).pipe(Effect.provide(on(store(), { idempotencyTtl: Duration.hours(1) }))), 60_000)

  it.effect("by default a record lasts 24 hours", () =>
    Effect.gen(function*() {
      yield* start
      const ledger = yield* Ledger
      const session = yield* ledger.authenticate((yield* ledger.createAccount({ name: "Default" })).secret)
      const first = yield* session.createAgent({ name: "First" }, { idempotencyKey: "day" })
      yield* TestClock.adjust(Duration.sum(Duration.hours(23), Duration.minutes(59)))
      expect((yield* session.createAgent({ name: "First" }, { idempotencyKey: "day" })).id).toBe(first.id)
      yield* TestClock.adjust("2 minutes")
      expect((yield* session.createAgent({ name: "First" }, { idempotencyKey: "day" })).id).not.toBe(first.id)
    }).pipe(Effect.provide(on(store()))), 60_000)

  it.effect("the operator's key: a retry answers the same account until the record expires", () =>
    Effect.gen(function*() {
      yield* start
      const ledger = yield* Ledger
      const first = yield* ledger.openAccount({ name: "Keyed" }, { idempotencyKey: "open-1" })
      expect(first.secret).not.toBeNull()
      const retry = yield* ledger.openAccount({ name: "Keyed" }, { idempotencyKey: "open-1" })
      expect(retry.account.id).toBe(first.account.id)
      expect(retry.token.id).toBe(first.token.id)
      expect(retry.secret).toBeNull()
      expect((yield* Effect.flip(ledger.openAccount({ name: "Else" }, { idempotencyKey: "open-1" })))._tag).toBe("Conflict")
      yield* TestClock.adjust("25 hours")
      const later = yield* ledger.openAccount({ name: "Keyed" }, { idempotencyKey: "open-1" })
      expect(later.account.id).not.toBe(first.account.id)
      expect(later.secret).not.toBeNull()
    }).pipe(Effect.provide(on(store()))), 60_000)
})

describe.each(stores)("secret hashes are unique in the whole store, on $name", ({ store }) => {
  it.effect("two accounts cannot hold one secret; the store refuses another account's token with a taken hash", () =>
    Effect.gen(function*() {
      const ledger = yield* Ledger
      const storage = yield* LedgerStore
      const secret = `pf_${"S".repeat(43)}`
      const first = yield* ledger.createAccount({ name: "First", secret })
      expect((yield* Effect.flip(ledger.createAccount({ name: "Second", secret })))._tag).toBe("Conflict")
      const other = yield* ledger.createAccount({ name: "Other" })
      const stored = yield* storage.read(first.account.id, (tx) => tx.tokens.get(first.token.id))
      if (Option.isNone(stored)) return yield* Effect.die("the first account's token is missing")
      const copy = new ApiToken.ApiToken({
        ...stored.value,
        id: yield* Ids.mint(Ids.ApiTokenId, Ids.partitionOf(other.account.id)),
        account_id: other.account.id
      }, true)
      const refused = yield* Effect.flip(storage.transact(other.account.id, (tx) => tx.tokens.insert(copy)))
      expect(refused._tag).toBe("UniqueViolation")
      // The secret still opens the first account, and only it.
      expect((yield* ledger.authenticate(secret)).principal.account_id).toBe(first.account.id)
    }).pipe(Effect.provide(on(store()))), 60_000)
})

describe.each(stores.slice(1))("a span write past PostgreSQL's parameter limit, on $name", ({ store }) => {
  it.live("22,000 spans in one write are stored, split into statements under the limit", () =>
    Effect.gen(function*() {
      const ledger = yield* Ledger
      const storage = yield* LedgerStore
      const created = yield* ledger.createAccount({ name: "Large" })
      const session = yield* ledger.authenticate(created.secret)
      const agent = yield* session.createAgent({ name: "Large" })
      const environment = (yield* session.listEnvironments({ offset: 0, page_size: 1 })).items[0]
      if (environment === undefined) return yield* Effect.die("no environment")
      const run = yield* session.registerRun({ agent_id: agent.id, environment_id: environment.id, update_current_version: true, purpose: "live" })
      const seed = yield* session.recordSpan({ agent_instance_id: run.id, schema_name: "llm", status: "active", payload: {} })
      const partition = Ids.partitionOf(created.account.id)
      const count = 22_000
      const copies: Array<Span.Span> = []
      for (let i = 0; i < count; i++) {
        copies.push({ ...seed, id: yield* Ids.mint(Ids.SpanId, partition), sequence: seed.sequence + i + 1, payload: { i } })
      }
      expect(count * 3).toBeGreaterThan(65_535)
      yield* storage.transact(created.account.id, (tx) =>
        Effect.gen(function*() {
          const instance = yield* tx.instances.lock(run.id)
          if (Option.isNone(instance)) return yield* Effect.die("the run is missing")
          yield* tx.spans.record(copies, [instance.value])
        }))
      const stored = yield* storage.read(created.account.id, (tx) => tx.spans.ofInstance(run.id))
      expect(stored.length).toBe(count + 1)
      expect(stored[count]?.payload).toEqual({ i: count - 1 })
    }).pipe(Effect.provide(on(store()))), 180_000)
})
