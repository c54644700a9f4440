/**
 * Authentication reuses a looked-up token for a short time (`TokenCache`), so a request costs
 * no store round trip for its token. What must still hold, with two ledgers over one store (two
 * processes on one database):
 *
 * - a token changed through a ledger is refused by that ledger at once;
 * - the other ledger refuses it once its entry is older than the cache's lifetime, and not
 *   before the change only because of the cache;
 * - a token created through one ledger works at once on the other (unknown secrets are not kept).
 */
import { Ids, Ledger, LedgerLive, LedgerStore } from "@agentledger/domain"
import { MemoryStore } from "@agentledger/store-memory"
import { describe, expect, it } from "@effect/vitest"
import { Context, DateTime, Duration, Effect, Layer, TestClock } from "effect"

/** Two ledgers over one store, as two processes over one database. */
const twoLedgers = (ttl: Duration.DurationInput) =>
  Effect.gen(function*() {
    const store = Layer.succeed(LedgerStore, MemoryStore.make())
    const build = LedgerLive.layerWith({ tokenCacheTtl: ttl }).pipe(Layer.provide(Layer.merge(store, Ids.IdEntropy.Live)))
    const a = Context.get(yield* Layer.build(build), Ledger)
    const b = Context.get(yield* Layer.build(build), Ledger)
    return { a, b }
  })

describe("the token cache", () => {
  it.scoped("a revoked token is refused at once where it was revoked, and elsewhere within the cache's lifetime", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(Date.parse("2026-06-01T00:00:00Z"))
      const { a, b } = yield* twoLedgers(Duration.seconds(1))
      const opened = yield* a.createAccount({ name: "Cache" })
      const admin = yield* a.authenticate(opened.secret)
      const created = yield* admin.createToken({ token_scope: "account" })
      const secret = created.secret ?? ""
      // Both ledgers have looked the token up.
      yield* a.authenticate(secret)
      yield* b.authenticate(secret)
      yield* admin.revokeToken(created.token.id)
      expect((yield* Effect.flip(a.authenticate(secret)))._tag).toBe("Unauthenticated")
      // The other process still has its entry for less than a second …
      yield* TestClock.adjust("500 millis")
      yield* b.authenticate(secret)
      // … and asks the store again after it.
      yield* TestClock.adjust("600 millis")
      expect((yield* Effect.flip(b.authenticate(secret)))._tag).toBe("Unauthenticated")
    }))

  it.scoped("with a lifetime of 0 every authentication asks the store", () =>
    Effect.gen(function*() {
      const { a, b } = yield* twoLedgers(0)
      const opened = yield* a.createAccount({ name: "No cache" })
      const admin = yield* a.authenticate(opened.secret)
      const created = yield* admin.createToken({ token_scope: "account" })
      const secret = created.secret ?? ""
      yield* b.authenticate(secret)
      yield* admin.suspendToken(created.token.id)
      expect((yield* Effect.flip(b.authenticate(secret)))._tag).toBe("Unauthenticated")
    }))

  it.scoped("a token created through one ledger works at once on the other; a wrong secret is not kept", () =>
    Effect.gen(function*() {
      const { a, b } = yield* twoLedgers(Duration.minutes(1))
      const opened = yield* a.createAccount({ name: "Fresh" })
      const admin = yield* a.authenticate(opened.secret)
      expect((yield* Effect.flip(b.authenticate("pf_not_yet_a_token")))._tag).toBe("Unauthenticated")
      const created = yield* admin.createToken({ token_scope: "account" })
      const session = yield* b.authenticate(created.secret ?? "")
      expect(session.principal.token_id).toBe(created.token.id)
    }))

  it.scoped("an expired token is refused though its row is cached", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(Date.parse("2026-06-01T00:00:00Z"))
      const { a } = yield* twoLedgers(Duration.minutes(10))
      const opened = yield* a.createAccount({ name: "Expiring" })
      const admin = yield* a.authenticate(opened.secret)
      const created = yield* admin.createToken({ token_scope: "account", expires_at: DateTime.unsafeMake("2026-06-01T00:01:00Z") })
      yield* a.authenticate(created.secret ?? "")
      yield* TestClock.adjust("2 minutes")
      expect((yield* Effect.flip(a.authenticate(created.secret ?? "")))._tag).toBe("Unauthenticated")
    }))
})
