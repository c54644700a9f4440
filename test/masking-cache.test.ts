/**
 * Ingest reads an account's masking policy through a per-process cache (`MaskingCache`). What
 * must hold, with two ledgers over one store (two processes on one database):
 *
 * - a policy changed through a ledger masks that ledger's next span;
 * - the other ledger masks by it once its cached entry is older than the cache's lifetime (and
 *   not later);
 * - with a lifetime of 0, every unit of work of ingest reads the policy.
 */
import { Ids, Ledger, LedgerLive, LedgerStore, Masking } from "@agentledger/domain"
import { MemoryStore } from "@agentledger/store-memory"
import { runOf, tenant } from "@agentledger/testkit"
import { describe, expect, it } from "@effect/vitest"
import { Context, Duration, Effect, Layer, TestClock } from "effect"

/** Two ledgers over one store, as two processes over one database. */
const twoLedgers = (ttl: Duration.DurationInput) =>
  Effect.gen(function*() {
    const store = Layer.succeed(LedgerStore, MemoryStore.make())
    const build = LedgerLive.layerWith({ maskingCacheTtl: ttl }).pipe(Layer.provide(Layer.merge(store, Ids.IdEntropy.Live)))
    const a = Context.get(yield* Layer.build(build), Ledger)
    const b = Context.get(yield* Layer.build(build), Ledger)
    return { a, b }
  })

/** An account opened through `a`, its session on both ledgers, and a run. */
const setUp = (ttl: Duration.DurationInput) =>
  Effect.gen(function*() {
    const { a, b } = yield* twoLedgers(ttl)
    const t = yield* Effect.provideService(tenant("Masked"), Ledger, a)
    const onB = yield* b.authenticate(t.secret)
    const agent = yield* t.session.createAgent({ name: "Bot" })
    const run = yield* runOf(t.session, agent.id, t.production.id)
    const record = (session: typeof onB, key: string) =>
      Effect.map(session.recordSpan({ agent_instance_id: run.id, schema_name: "llm", status: "active", payload: { prompt: "hi", api_key: key } }), (s) => s.payload["api_key"])
    return { onA: t.session, onB, record }
  })

describe("the masking policy cache", () => {
  it.scoped("a change masks the next span where it was made, and elsewhere once the entry is older than the cache's lifetime", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(Date.parse("2026-06-01T00:00:00Z"))
      const { onA, onB, record } = yield* setUp(Duration.seconds(1))
      // Both processes have read the policy (off).
      expect(yield* record(onA, "k-1")).toBe("k-1")
      expect(yield* record(onB, "k-2")).toBe("k-2")
      yield* onA.updateMaskingPolicy({ categories: [], keys: ["api_key"] })
      expect(yield* record(onA, "k-3")).toBe(Masking.keyMarker)
      // The other process still has its entry for less than a second …
      yield* TestClock.adjust("500 millis")
      expect(yield* record(onB, "k-4")).toBe("k-4")
      // … and reads the policy again after it.
      yield* TestClock.adjust("600 millis")
      expect(yield* record(onB, "k-5")).toBe(Masking.keyMarker)
    }))

  it.scoped("with a lifetime of 0 every unit of work of ingest reads the policy", () =>
    Effect.gen(function*() {
      const { onA, onB, record } = yield* setUp(0)
      expect(yield* record(onB, "k-1")).toBe("k-1")
      yield* onA.updateMaskingPolicy({ categories: [], keys: ["api_key"] })
      expect(yield* record(onB, "k-2")).toBe(Masking.keyMarker)
      yield* onA.updateMaskingPolicy({ categories: [], keys: [] })
      expect(yield* record(onB, "k-3")).toBe("k-3")
    }))
})
