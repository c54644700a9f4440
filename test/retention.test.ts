/**
 * Retention on every store (memory, PGlite, PostgreSQL), on a test clock (no waiting):
 *
 * - a run becomes eligible exactly when the clock passes its cutoff (finish + N days), and is
 *   then deleted with its spans; each pass that deleted something is one `retention.sweep` event
 *   per account, by the system actor `"retention"`, naming what it deleted and the cutoffs;
 * - an environment's override wins over the account's days (null keeps its runs forever);
 * - a run never finished stays, however old;
 * - two sweeps at once over one store — two ledgers, on PostgreSQL two pools — delete each run once;
 * - the server's job (`apps/server/src/Retention.ts`) runs passes on its schedule, and an interval
 *   of 0 turns it off.
 */
import { type Environment, Ids, Ledger, LedgerLive, LedgerStore, type LedgerSession } from "@agentledger/domain"
import { MemoryStore } from "@agentledger/store-memory"
import { PgStore } from "@agentledger/store-postgres"
import { runCommand } from "@agentledger/testkit"
import { type PostgresServer, startPostgres } from "@agentledger/testkit/postgres"
import { describe, expect, it } from "@effect/vitest"
import { Context, DateTime, Duration, Effect, Layer, Redacted, TestClock } from "effect"
import { afterAll } from "vitest"
import * as RetentionJob from "../apps/server/src/Retention.js"

let postgres: PostgresServer | undefined
afterAll(() => postgres?.stop())

const pgLayer = () =>
  Layer.unwrapEffect(Effect.promise(async () => {
    postgres ??= await startPostgres()
    return PgStore.layerPg({ url: Redacted.make(postgres.url), maxConnections: 4 })
  }))

/** Each store, and how a second server reaches the same one: PostgreSQL by a pool of its own. */
const stores = [
  { name: "memory", first: () => MemoryStore.layer, second: null },
  { name: "PGlite", first: () => PgStore.layerPglite(), second: null },
  { name: "PostgreSQL", first: pgLayer, second: pgLayer }
] as const

type Store = Context.Tag.Service<LedgerStore>

const ledgerOn = (store: Store) =>
  Effect.map(
    Layer.build(LedgerLive.layer.pipe(Layer.provide(Layer.succeed(LedgerStore, store)), Layer.provide(Ids.IdEntropy.Live))),
    Context.get(Ledger)
  )

const storeOf = (layer: Layer.Layer<LedgerStore>) => Effect.map(Layer.build(layer), Context.get(LedgerStore))

const start = DateTime.unsafeMake(Date.parse("2026-06-01T00:00:00Z"))
const day = Duration.days(1)

interface Tenant {
  readonly session: LedgerSession
  readonly account: Ids.AccountId
  readonly agent: Ids.AgentId
  readonly environment: (name: string) => Environment.Environment
}

const tenant = (ledger: Context.Tag.Service<Ledger>, name: string): Effect.Effect<Tenant, unknown> =>
  Effect.gen(function*() {
    const created = yield* ledger.createAccount({ name })
    const session = yield* ledger.authenticate(created.secret)
    const environments = (yield* session.listEnvironments({ offset: 0, page_size: 10 })).items
    const agent = yield* session.createAgent({ name: "Bot" })
    return {
      session,
      account: created.account.id,
      agent: agent.id,
      environment: (wanted) => environments.find((e) => e.name === wanted) ?? expect.fail(`no ${wanted} environment`)
    }
  })

/** A run in the environment with `spans` spans; finished now unless `end` says otherwise. */
const run = (t: Tenant, environment: string, spans = 2, end: "finished" | "active" | "pending" = "finished") =>
  Effect.gen(function*() {
    const registered = yield* t.session.registerRun(runCommand(t.agent, t.environment(environment).id))
    if (end === "pending") return registered.id
    const inputs = Array.from({ length: spans }, () => ({ agent_instance_id: registered.id, schema_name: "llm", status: "complete" as const, payload: { prompt: "p" } }))
    if (spans > 0) yield* t.session.recordSpans(inputs)
    else yield* t.session.startRun(registered.id, {})
    if (end === "finished") yield* t.session.finishRun(registered.id, { status: "complete" })
    return registered.id
  })

const exists = (t: Tenant, id: Ids.InstanceId) => Effect.map(Effect.either(t.session.getInstance(id)), (found) => found._tag === "Right")

const sweepEvents = (store: Store, account: Ids.AccountId) =>
  store.read(account, (tx) => tx.audit.list({ action: "retention.sweep" }, { offset: 0, limit: 100, sort: { field: "sequence", direction: "asc" } }))

describe.each(stores)("retention on $name", ({ first, second }) => {
  it.scoped("a run becomes eligible exactly when the clock passes its cutoff, and each deleting pass is audited once", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(DateTime.toEpochMillis(start))
      const store = yield* storeOf(first())
      const ledger = yield* ledgerOn(store)
      const t = yield* tenant(ledger, "Cutoff")
      const old = yield* run(t, "production", 2)
      yield* t.session.updateRetentionPolicy({ run_days: 2 })
      yield* TestClock.adjust(Duration.times(day, 2))
      const atCutoff = yield* ledger.sweepRetention()
      expect(atCutoff.accounts.find((a) => a.account_id === t.account)).toMatchObject({ runs: 0, spans: 0 })
      expect(yield* exists(t, old)).toBe(true)
      expect((yield* sweepEvents(store, t.account)).total).toBe(0)
      yield* TestClock.adjust(1)
      const past = yield* ledger.sweepRetention()
      const mine = past.accounts.find((a) => a.account_id === t.account)
      expect(mine).toMatchObject({ runs: 1, spans: 2 })
      expect(mine?.cutoffs.default).toEqual(DateTime.unsafeMake(DateTime.toEpochMillis(start) + 1))
      expect(yield* exists(t, old)).toBe(false)
      expect((yield* t.session.listSpans({ offset: 0, page_size: 100 })).items).toEqual([])
      const events = yield* sweepEvents(store, t.account)
      expect(events.items).toHaveLength(1)
      expect(events.items[0]).toMatchObject({
        action: "retention.sweep",
        entity: "retention",
        actor: { type: "system", id: "retention", scope: null },
        before: null,
        after: { runs: 1, spans: 2, cutoffs: { default: "2026-06-01T00:00:00.001Z", environments: [] } }
      })
    }), 120_000)

  it.scoped("an environment's override wins over the account's days; null keeps that environment's runs forever", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(DateTime.toEpochMillis(start))
      const ledger = yield* ledgerOn(yield* storeOf(first()))
      const t = yield* tenant(ledger, "Overrides")
      const development = yield* run(t, "development", 1)
      const staging = yield* run(t, "staging", 1)
      const production = yield* run(t, "production", 1)
      yield* t.session.updateRetentionPolicy({
        run_days: 10,
        environments: [{ environment_id: t.environment("staging").id, run_days: 1 }, { environment_id: t.environment("production").id, run_days: null }]
      })
      yield* TestClock.adjust(Duration.sum(day, Duration.millis(1)))
      yield* ledger.sweepRetention()
      expect([yield* exists(t, development), yield* exists(t, staging), yield* exists(t, production)]).toEqual([true, false, true])
      yield* TestClock.adjust(Duration.times(day, 9))
      yield* ledger.sweepRetention()
      expect([yield* exists(t, development), yield* exists(t, production)]).toEqual([false, true])
      yield* TestClock.adjust(Duration.times(day, 1000))
      yield* ledger.sweepRetention()
      expect(yield* exists(t, production)).toBe(true)
    }), 120_000)

  it.scoped("a run never finished stays, however old", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(DateTime.toEpochMillis(start))
      const ledger = yield* ledgerOn(yield* storeOf(first()))
      const t = yield* tenant(ledger, "Unfinished")
      const pending = yield* run(t, "production", 0, "pending")
      const active = yield* run(t, "production", 3, "active")
      const finished = yield* run(t, "production", 1)
      yield* t.session.updateRetentionPolicy({ run_days: 1 })
      yield* TestClock.adjust(Duration.times(day, 1000))
      const sweep = yield* ledger.sweepRetention({ batchRuns: 1 })
      expect(sweep.accounts.find((a) => a.account_id === t.account)).toMatchObject({ runs: 1, spans: 1 })
      expect([yield* exists(t, pending), yield* exists(t, active), yield* exists(t, finished)]).toEqual([true, true, false])
      expect((yield* t.session.getTimeline(active)).spans).toHaveLength(3)
    }), 120_000)

  it.scoped("two sweeps at once over one store delete each run once", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(DateTime.toEpochMillis(start))
      const storeA = yield* storeOf(first())
      const storeB = second === null ? storeA : yield* storeOf(second())
      const a = yield* ledgerOn(storeA)
      const b = yield* ledgerOn(storeB)
      const one = yield* tenant(a, "Busy")
      const two = yield* tenant(b, "Quiet")
      const runs = [
        ...(yield* Effect.forEach(Array.from({ length: 23 }), () => run(one, "production", 1))),
        ...(yield* Effect.forEach(Array.from({ length: 5 }), () => run(two, "staging", 2)))
      ]
      yield* one.session.updateRetentionPolicy({ run_days: 1 })
      yield* two.session.updateRetentionPolicy({ run_days: 1 })
      yield* TestClock.adjust(Duration.times(day, 2))
      const [x, y] = yield* Effect.all([a.sweepRetention({ batchRuns: 3 }), b.sweepRetention({ batchRuns: 3 })], { concurrency: 2 })
      const deleted = (account: Ids.AccountId, field: "runs" | "spans") =>
        [x, y].reduce((sum, sweep) => sum + (sweep.accounts.find((s) => s.account_id === account)?.[field] ?? 0), 0)
      expect([deleted(one.account, "runs"), deleted(one.account, "spans")]).toEqual([23, 23])
      expect([deleted(two.account, "runs"), deleted(two.account, "spans")]).toEqual([5, 10])
      for (const id of runs) {
        const t = runs.indexOf(id) < 23 ? one : two
        expect(yield* exists(t, id)).toBe(false)
      }
      // One event per pass that deleted something, in each account: their counts add up.
      for (const [t, total] of [[one, 23], [two, 5]] as const) {
        const events = (yield* sweepEvents(storeA, t.account)).items
        expect(events.length).toBeGreaterThanOrEqual(1)
        expect(events.length).toBeLessThanOrEqual(2)
        expect(events.reduce((sum, e) => sum + Number(Reflect.get(Object(e.after), "runs")), 0)).toBe(total)
      }
    }), 120_000)

  it.scoped("the server's job sweeps on its schedule; an interval of 0 runs none", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(DateTime.toEpochMillis(start))
      const store = yield* storeOf(first())
      const ledger = yield* ledgerOn(store)
      const t = yield* tenant(ledger, "Job")
      const id = yield* run(t, "production", 1)
      yield* t.session.updateRetentionPolicy({ run_days: 1 })
      const withLedger = Layer.succeed(Ledger, ledger)
      yield* Layer.build(RetentionJob.layer({ intervalSeconds: 0, batchRuns: 10 }).pipe(Layer.provide(withLedger)))
      yield* TestClock.adjust(Duration.times(day, 3))
      expect(yield* exists(t, id)).toBe(true)
      yield* Layer.build(RetentionJob.layer({ intervalSeconds: 3600, batchRuns: 10 }).pipe(Layer.provide(withLedger)))
      // The job's first pass comes an hour after it starts.
      yield* TestClock.adjust(Duration.minutes(59))
      expect(yield* exists(t, id)).toBe(true)
      yield* TestClock.adjust(Duration.minutes(1))
      // The pass's statements take real time (the test clock does not wait for them): look
      // again every 20 ms of real time, for up to 10 s.
      const found = yield* Effect.iterate({ looks: 0, present: true }, {
        while: ({ looks, present }) => present && looks < 500,
        body: ({ looks }) =>
          Effect.zipRight(
            Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 20))),
            Effect.map(exists(t, id), (present) => ({ looks: looks + 1, present }))
          )
      })
      expect(found.present).toBe(false)
    }), 120_000)
})
