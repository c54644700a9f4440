/**
 * Group commit through the Ledger, on every store: span creates and finishes of one run that
 * arrive at once are committed together, and each caller still hears its own answer — a bad
 * span among good ones is refused alone, a span finished twice in one batch once.
 */
import { Ids, Ledger, LedgerLive, LedgerStore, type LedgerSession, type StoreTx } from "@agentledger/domain"
import { MemoryStore } from "@agentledger/store-memory"
import { PgStore } from "@agentledger/store-postgres"
import { everything, runCommand } from "@agentledger/testkit"
import { type PostgresServer, startPostgres } from "@agentledger/testkit/postgres"
import { describe, expect, it } from "@effect/vitest"
import { type Context, Effect, Either, Layer, Redacted } from "effect"
import { afterAll } from "vitest"

let postgres: PostgresServer | undefined
afterAll(() => postgres?.stop())

const stores = [
  { name: "memory", store: (): Layer.Layer<LedgerStore> => MemoryStore.layer },
  { name: "PGlite", store: (): Layer.Layer<LedgerStore> => PgStore.layerPglite() },
  {
    name: "PostgreSQL",
    store: (): Layer.Layer<LedgerStore> =>
      Layer.unwrapEffect(Effect.promise(async () => {
        postgres ??= await startPostgres()
        return PgStore.layerPg({ url: Redacted.make(postgres.url), maxConnections: 4 })
      }))
  }
] as const

const on = (store: Layer.Layer<LedgerStore>) => LedgerLive.layer.pipe(Layer.provideMerge(Layer.merge(store, Ids.IdEntropy.Live)))

const aRun = (session: LedgerSession) =>
  Effect.gen(function*() {
    const production = (yield* session.listEnvironments(everything)).items.find((environment) => environment.name === "production")
    if (production === undefined) return yield* Effect.dieMessage("no production environment")
    const agent = yield* session.createAgent({ name: "Grouped" })
    return yield* session.registerRun(runCommand(agent.id, production.id, { version: {} }))
  })

/** The memory store, counting the span writes that reach it (each one statement on PostgreSQL). */
const countingStore = () => {
  const inner = MemoryStore.make()
  const counts = { writes: 0, spans: 0 }
  const counted = (tx: StoreTx): StoreTx => ({
    ...tx,
    spans: {
      ...tx.spans,
      record: (rows, instances) => {
        counts.writes++
        counts.spans += rows.length
        return tx.spans.record(rows, instances)
      }
    }
  })
  const store: Context.Tag.Service<LedgerStore> = {
    ...inner,
    transact: (account, work) => inner.transact(account, (tx) => work(counted(tx))),
    append: (account, work) => inner.append(account, (tx) => work(counted(tx)))
  }
  return { layer: Layer.succeed(LedgerStore, store), counts }
}

describe("group commit", () => {
  it.effect("span creates that arrive at once reach the store in fewer writes than requests", () => {
    const counting = countingStore()
    return Effect.gen(function*() {
      const ledger = yield* Ledger
      const session = yield* ledger.authenticate((yield* ledger.createAccount({ name: "Counted" })).secret)
      const run = yield* aRun(session)
      const before = counting.counts.writes
      yield* Effect.all(
        Array.from({ length: 32 }, (_, i) => session.recordSpan({ agent_instance_id: run.id, schema_name: "llm", status: "complete", payload: { prompt: `p${i}` } })),
        { concurrency: "unbounded" }
      )
      expect(counting.counts.spans).toBe(32)
      expect(counting.counts.writes - before).toBeLessThan(32)
    }).pipe(Effect.provide(on(counting.layer)))
  })
})

describe.each(stores)("group commit, on $name", ({ store }) => {
  it.effect("creates at once: a span naming an unknown parent is refused alone, the others are stored once each", () =>
    Effect.gen(function*() {
      const ledger = yield* Ledger
      const session = yield* ledger.authenticate((yield* ledger.createAccount({ name: "Grouped creates" })).secret)
      const run = yield* aRun(session)
      const root = yield* session.recordSpan({ agent_instance_id: run.id, schema_name: "agent", status: "active", payload: {} })
      // A span id of the account's partition that names no span.
      const missing = yield* Ids.mint(Ids.SpanId, Ids.partitionOf(run.account_id))
      const outcomes = yield* Effect.all(
        Array.from({ length: 24 }, (_, i) =>
          Effect.either(session.recordSpan({
            agent_instance_id: run.id,
            parent_span_id: i === 11 ? missing : root.id,
            schema_name: "llm",
            status: "complete",
            payload: { prompt: `p${i}` }
          }))),
        { concurrency: "unbounded" }
      )
      const refused = outcomes.flatMap((outcome, i) => (Either.isLeft(outcome) ? [[i, outcome.left._tag] as const] : []))
      expect(refused).toEqual([[11, "NotFound"]])
      const timeline = yield* session.getTimeline(run.id)
      expect(timeline.spans.length).toBe(24)
      expect(new Set(timeline.spans.map((entry) => entry.span.sequence)).size).toBe(24)
      expect(timeline.instance.span_counts.total).toBe(24)
    }).pipe(Effect.provide(on(store()))), 120_000)

  it.effect("finishes at once: every span finishes once; a span finished twice in the burst answers InvalidAction once", () =>
    Effect.gen(function*() {
      const ledger = yield* Ledger
      const session = yield* ledger.authenticate((yield* ledger.createAccount({ name: "Grouped finishes" })).secret)
      const run = yield* aRun(session)
      const spans = yield* Effect.all(
        Array.from({ length: 12 }, (_, i) => session.recordSpan({ agent_instance_id: run.id, schema_name: "llm", status: "active", payload: { prompt: `p${i}` } })),
        { concurrency: "unbounded" }
      )
      const targets = [...spans.map((span) => span.id), spans[3]?.id ?? spans[0]?.id]
      const outcomes = yield* Effect.all(
        targets.map((id) => Effect.either(id === undefined ? Effect.dieMessage("no span") : session.finishSpan(id, { status: "complete" }))),
        { concurrency: "unbounded" }
      )
      expect(outcomes.filter(Either.isRight).length).toBe(12)
      expect(outcomes.filter(Either.isLeft).map((outcome) => Either.isLeft(outcome) ? outcome.left._tag : "")).toEqual(["InvalidAction"])
      const timeline = yield* session.getTimeline(run.id)
      expect(timeline.spans.every((entry) => entry.span.status === "complete")).toBe(true)
      expect(timeline.instance.span_counts.active).toBe(0)
    }).pipe(Effect.provide(on(store()))), 120_000)
})
