/**
 * A token's `last_used_at` is kept cheaply: a use is written when the last one written is older
 * than the interval (`ApiToken.lastUseDue`), never once per request. Counted at the store port
 * (`StoreTx.tokens.touch`), with two ledgers over one store as two processes on one database.
 */
import { ApiToken, Ids, Ledger, LedgerLive, LedgerStore, type StoreTx } from "@agentledger/domain"
import { MemoryStore } from "@agentledger/store-memory"
import { describe, expect, it } from "@effect/vitest"
import { Context, DateTime, Duration, Effect, Layer, TestClock } from "effect"

/** A memory store whose token touches are counted. */
const countingStore = () => {
  const inner = MemoryStore.make()
  const counted = { touches: 0 }
  const wrap = (tx: StoreTx): StoreTx => ({
    ...tx,
    tokens: {
      ...tx.tokens,
      touch: (id, at, staleBefore) => Effect.zipRight(Effect.sync(() => counted.touches++), tx.tokens.touch(id, at, staleBefore))
    }
  })
  const store: Context.Tag.Service<LedgerStore> = { ...inner, transact: (account, work) => inner.transact(account, (tx) => work(wrap(tx))) }
  return { store, counted }
}

/** Two ledgers over one counting store. */
const twoLedgers = Effect.gen(function*() {
  const { counted, store } = countingStore()
  const build = LedgerLive.layerWith({ tokenCacheTtl: Duration.seconds(1) }).pipe(
    Layer.provide(Layer.merge(Layer.succeed(LedgerStore, store), Ids.IdEntropy.Live))
  )
  const a = Context.get(yield* Layer.build(build), Ledger)
  const b = Context.get(yield* Layer.build(build), Ledger)
  return { a, b, counted }
})

const start = Date.parse("2026-06-01T00:00:00Z")

describe("a token's last use", () => {
  it.scoped("moves with use, at most once per interval: 100 requests are one write", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(start)
      const { a, counted } = yield* twoLedgers
      const opened = yield* a.createAccount({ name: "Uses" })
      const admin = yield* a.authenticate(opened.secret)
      const created = yield* admin.createToken({ token_scope: "account" })
      const secret = created.secret ?? ""
      const lastUse = Effect.map(admin.getToken(created.token.id), (token) => token.last_used_at)
      const touchesBefore = counted.touches
      expect(yield* lastUse).toBeNull()

      for (let i = 0; i < 100; i++) yield* a.authenticate(secret)
      expect(counted.touches - touchesBefore).toBe(1)
      expect(yield* lastUse).toEqual(DateTime.unsafeMake(start))

      // Within the interval: used, not written.
      yield* TestClock.adjust(Duration.seconds(30))
      for (let i = 0; i < 100; i++) yield* a.authenticate(secret)
      expect(counted.touches - touchesBefore).toBe(1)
      expect(yield* lastUse).toEqual(DateTime.unsafeMake(start))

      // Past it: the next use is written.
      yield* TestClock.adjust(ApiToken.defaultLastUseInterval)
      yield* a.authenticate(secret)
      expect(counted.touches - touchesBefore).toBe(2)
      expect(yield* lastUse).toEqual(DateTime.unsafeMake(start + 30_000 + Duration.toMillis(ApiToken.defaultLastUseInterval)))
    }))

  it.scoped("another process reads the use written and does not write it again within the interval", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(start)
      const { a, b, counted } = yield* twoLedgers
      const opened = yield* a.createAccount({ name: "Two processes" })
      const admin = yield* a.authenticate(opened.secret)
      const created = yield* admin.createToken({ token_scope: "account" })
      const secret = created.secret ?? ""
      yield* a.authenticate(secret)
      const touches = counted.touches
      yield* TestClock.adjust(Duration.seconds(5))
      for (let i = 0; i < 100; i++) yield* b.authenticate(secret)
      expect(counted.touches).toBe(touches)
      expect((yield* admin.getToken(created.token.id)).last_used_at).toEqual(DateTime.unsafeMake(start))
    }))

  it.scoped("a token update does not take back a use written since it was read", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(start)
      const { a } = yield* twoLedgers
      const opened = yield* a.createAccount({ name: "Updates" })
      const admin = yield* a.authenticate(opened.secret)
      const created = yield* admin.createToken({ token_scope: "account" })
      yield* a.authenticate(created.secret ?? "")
      const suspended = yield* admin.suspendToken(created.token.id)
      expect(suspended.last_used_at).toEqual(DateTime.unsafeMake(start))
      expect(suspended.status).toBe("suspended")
    }))
})
