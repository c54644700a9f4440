/**
 * The real `Ledger` on the real store on a real PostgreSQL server with a pool of 16
 * connections, raced by 16 fibers at a time. What each race leaves behind is read back with SQL
 * from a separate admin connection, so the checks do not go through the code under test.
 */
import { type Commands, type Ids, Ledger } from "@agentledger/domain"
import { PgStore } from "@agentledger/store-postgres"
import { refused, runOf, tenant } from "@agentledger/testkit"
import { Reference } from "@agentledger/testkit/core"
import { describe, expect, it } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { Context, Effect, Layer, Redacted, Schema } from "effect"
import { readFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { count, ledgerOn, rows, sqlClient, usePostgres } from "./support/postgres.js"

const pg = usePostgres()

/** Fibers per race, and connections in the store's pool. */
const fibers = 16
const adminApplication = "agentledger-test-admin"

/** The Ledger on `PgStore.layerPg` (16 connections) over a fresh database, and an admin connection to it. */
const racing = (prefix: string) =>
  Layer.unwrapEffect(Effect.map(pg.freshDatabase(prefix), (url) =>
    Layer.merge(
      ledgerOn(PgStore.layerPg({ url: Redacted.make(url), maxConnections: fibers })),
      PgClient.layer({ url: Redacted.make(url), maxConnections: 2, applicationName: adminApplication }).pipe(Layer.orDie)
    )))

/** Writes made on a stale run version so far: each fails its statement (division by zero), which the server logs. */
const staleWrites = () => readFileSync(join(dirname(pg.server().dataDir), "server.log"), "utf8").split("division by zero").length - 1

const times = <A, E, R>(n: number, call: (i: number) => Effect.Effect<A, E, R>) =>
  Effect.all(Array.from({ length: n }, (_, i) => call(i)), { concurrency: "unbounded" })

/** How many connections the store holds open to its database (the admin's excluded). */
const storeConnections = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  count(sql`SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE datname = current_database() AND application_name <> ${adminApplication}`))

const HistoryRow = Schema.Struct({
  position: Schema.Number,
  from_version_id: Schema.NullOr(Schema.String),
  to_version_id: Schema.NullOr(Schema.String)
})

/** A deployment's history, as stored: positions 1..n, each move from where the previous one went, ending at the pointer. */
const expectConsistentHistory = (account: Ids.AccountId, deployment: string) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const history = yield* rows(HistoryRow)(sql`
      SELECT position, from_version_id, to_version_id FROM deployment_history
      WHERE account_id = ${account} AND agent_deployment_id = ${deployment} ORDER BY position`)
    const pointer = yield* rows(Schema.Struct({ current_version_id: Schema.NullOr(Schema.String) }))(sql`
      SELECT current_version_id FROM agent_deployments WHERE account_id = ${account} AND id = ${deployment}`)
    expect(pointer.length).toBe(1)
    expect(history.length).toBeGreaterThan(0)
    expect(history.map((entry) => entry.position)).toEqual(history.map((_, i) => i + 1))
    expect(history[0]?.from_version_id).toBeNull()
    history.forEach((entry, i) => {
      expect(entry.to_version_id, `move ${entry.position} goes nowhere new`).not.toBe(entry.from_version_id)
      if (i > 0) expect(entry.from_version_id, `move ${entry.position} does not start where move ${i} ended`).toBe(history[i - 1]?.to_version_id)
    })
    expect(history[history.length - 1]?.to_version_id).toBe(pointer[0]?.current_version_id)
    return history
  })

describe(`racing the Ledger on PostgreSQL (${fibers} fibers, ${fibers} connections)`, () => {
  it.live("identical first runs make one version, one schema version and one deployment; every run is registered", () =>
    Effect.gen(function*() {
      const { account, production, session } = yield* tenant("First runs")
      const agent = yield* session.createAgent({ name: "Racer" })
      const runs = yield* times(fibers, () => runOf(session, agent.id, production.id, "1.0.0"))
      // The race really ran on many connections at once.
      expect(yield* storeConnections).toBeGreaterThanOrEqual(8)

      expect(new Set(runs.map((run) => run.id)).size).toBe(fibers)
      expect(new Set(runs.map((run) => run.agent_version_id)).size).toBe(1)
      expect(new Set(runs.map((run) => run.agent_schema_version_id)).size).toBe(1)
      expect(new Set(runs.map((run) => run.agent_deployment_id)).size).toBe(1)

      const sql = yield* SqlClient.SqlClient
      const mine = sql`account_id = ${account.id} AND agent_id = ${agent.id}`
      expect(yield* count(sql`SELECT count(*)::int AS n FROM agent_versions WHERE ${mine}`)).toBe(1)
      expect(yield* count(sql`SELECT count(*)::int AS n FROM agent_schema_versions WHERE ${mine}`)).toBe(1)
      expect(yield* count(sql`SELECT count(*)::int AS n FROM agent_deployments WHERE ${mine}`)).toBe(1)
      expect(yield* count(sql`SELECT count(*)::int AS n FROM agent_instances WHERE ${mine}`)).toBe(fibers)
      const stamped = yield* rows(Schema.Struct({ agent_version_id: Schema.String, agent_deployment_id: Schema.String }))(sql`
        SELECT DISTINCT agent_version_id, agent_deployment_id FROM agent_instances WHERE ${mine}`)
      expect(stamped).toEqual([{ agent_version_id: runs[0]?.agent_version_id, agent_deployment_id: runs[0]?.agent_deployment_id }])
      const deployment = runs[0]?.agent_deployment_id
      expect(deployment).toBeTypeOf("string")
      // One version: the pointer moved once, from nowhere to it.
      const history = yield* expectConsistentHistory(account.id, deployment ?? "")
      expect(history.length).toBe(1)
      expect(history[0]?.to_version_id).toBe(runs[0]?.agent_version_id)
    }).pipe(Effect.provide(racing("first_runs"))))

  it.live("racing deployment moves leave one deployment per (agent, environment) and a complete, consistent history", () =>
    Effect.gen(function*() {
      const { account, production, session, staging } = yield* tenant("Moves")
      const agent = yield* session.createAgent({ name: "Mover" })
      const labels = ["1.0.0", "1.1.0", "2.0.0", "2.1.0"]
      // The versions exist before the race (runs that do not move any pointer).
      const versions: Array<Ids.AgentVersionId> = []
      for (const label of labels) {
        versions.push((yield* runOf(session, agent.id, production.id, label, { update_current_version: false })).agent_version_id)
      }
      const versionAt = (i: number) => versions[i % versions.length] ?? versions[0] ?? expect.fail("no versions")
      const labelAt = (i: number) => labels[i % labels.length] ?? "1.0.0"
      const created = yield* session.createDeployment({ agent_id: agent.id, environment_id: production.id, current_version_id: versionAt(0) })

      // Production: explicit moves race runs that move the pointer, each call to one of the four
      // versions in turn. Staging has no deployment yet: the runs racing there create it.
      const outcomes = yield* times(fibers * 2, (i) => {
        const k = Math.floor(i / 4)
        switch (i % 4) {
          case 0:
            return Effect.map(session.updateDeployment(created.deployment.id, { current_version_id: versionAt(k) }), (d) => d.deployment.id)
          case 1:
            return Effect.map(runOf(session, agent.id, production.id, labelAt(k + 1)), (run) => run.agent_deployment_id)
          default:
            return Effect.map(runOf(session, agent.id, staging.id, labelAt(k + i)), (run) => run.agent_deployment_id)
        }
      })

      const sql = yield* SqlClient.SqlClient
      const perPair = yield* rows(Schema.Struct({ environment_id: Schema.String, n: Schema.Number }))(sql`
        SELECT environment_id, count(*)::int AS n FROM agent_deployments
        WHERE account_id = ${account.id} AND agent_id = ${agent.id}
        GROUP BY environment_id ORDER BY environment_id`)
      const byId = (a: { readonly environment_id: string }, b: { readonly environment_id: string }) => a.environment_id < b.environment_id ? -1 : 1
      expect([...perPair].sort(byId)).toEqual([{ environment_id: production.id, n: 1 }, { environment_id: staging.id, n: 1 }].sort(byId))
      // The schema's own rule as well: no (agent, environment) pair has two rows in the whole table.
      expect(yield* count(sql`SELECT count(*)::int AS n FROM (
        SELECT 1 FROM agent_deployments GROUP BY account_id, agent_id, environment_id HAVING count(*) > 1) AS duplicated`)).toBe(0)

      // Every run was registered: the four before the race, and the 24 in it.
      expect(yield* count(sql`SELECT count(*)::int AS n FROM agent_instances WHERE account_id = ${account.id}`)).toBe(labels.length + fibers * 2 * 3 / 4)

      const stagingDeployment = (yield* session.listDeployments({ offset: 0, page_size: 100, agent_id: agent.id, environment_id: staging.id })).items
      expect(stagingDeployment.length).toBe(1)
      // Every call answered with the one deployment of its environment.
      outcomes.forEach((deployment, i) => {
        expect(deployment).toBe(i % 4 < 2 ? created.deployment.id : stagingDeployment[0]?.id)
      })

      const productionHistory = yield* expectConsistentHistory(account.id, created.deployment.id)
      const stagingHistory = yield* expectConsistentHistory(account.id, stagingDeployment[0]?.id ?? "")
      // Every recorded move is one of the calls: at most one per call (plus the creation). Every
      // version was a target, so the pointer was at each one at some point: the history shows them all,
      // which takes at least three moves after the first.
      expect(productionHistory.length).toBeLessThanOrEqual(fibers + 1)
      expect(stagingHistory.length).toBeLessThanOrEqual(fibers)
      expect(productionHistory.length).toBeGreaterThanOrEqual(versions.length)
      expect(stagingHistory.length).toBeGreaterThanOrEqual(versions.length)
      expect(new Set(productionHistory.map((entry) => entry.to_version_id))).toEqual(new Set(versions))
      expect(new Set(stagingHistory.map((entry) => entry.to_version_id))).toEqual(new Set(versions))
      // What the Ledger answers is what was stored.
      const details = yield* session.getDeployment(created.deployment.id)
      expect(details.history.map((entry) => entry.to_version_id)).toEqual(productionHistory.map((entry) => entry.to_version_id))
      expect(details.deployment.current_version_id).toBe(productionHistory[productionHistory.length - 1]?.to_version_id)
    }).pipe(Effect.provide(racing("moves"))))

  it.live("retries with one idempotency key have one effect and one answer", () =>
    Effect.gen(function*() {
      const { account, production, session } = yield* tenant("Retries")
      const sql = yield* SqlClient.SqlClient
      const distinct = (answers: ReadonlyArray<unknown>) => new Set(answers.map(Reference.canonical)).size

      const agents = yield* times(fibers, () => session.createAgent({ name: "Once" }, { idempotencyKey: "agent-1" }))
      expect(distinct(agents)).toBe(1)
      const agent = agents[0] ?? expect.fail("no agent")
      expect(yield* count(sql`SELECT count(*)::int AS n FROM agents WHERE account_id = ${account.id}`)).toBe(1)

      const runs = yield* times(fibers, () =>
        session.registerRun({
          agent_id: agent.id,
          environment_id: production.id,
          agent_version: { external_identifier: "1.0.0" },
          update_current_version: true,
          purpose: "live"
        }, { idempotencyKey: "run-1" }))
      expect(distinct(runs)).toBe(1)
      const run = runs[0] ?? expect.fail("no run")
      expect(yield* count(sql`SELECT count(*)::int AS n FROM agent_instances WHERE account_id = ${account.id}`)).toBe(1)
      expect(yield* count(sql`SELECT count(*)::int AS n FROM deployment_history WHERE account_id = ${account.id}`)).toBe(1)

      const spans = yield* times(fibers, () =>
        session.recordSpan({ agent_instance_id: run.id, schema_name: "agent", status: "active", payload: {} }, { idempotencyKey: "span-1" }))
      expect(distinct(spans)).toBe(1)
      expect(yield* count(sql`SELECT count(*)::int AS n FROM agent_spans WHERE account_id = ${account.id}`)).toBe(1)

      const finishes = yield* times(fibers, () => session.finishRun(run.id, { status: "complete" }, { idempotencyKey: "finish-1" }))
      expect(distinct(finishes)).toBe(1)
      expect(finishes[0]?.status).toBe("complete")

      // One key, one row, each holding the answer that was replayed.
      const keys = yield* rows(Schema.Struct({ key: Schema.String, answered: Schema.Boolean }))(sql`
        SELECT key, response IS NOT NULL AS answered FROM idempotency_keys WHERE account_id = ${account.id} ORDER BY key`)
      expect(keys).toEqual([
        { key: "agent-1", answered: true },
        { key: "finish-1", answered: true },
        { key: "run-1", answered: true },
        { key: "span-1", answered: true }
      ])
    }).pipe(Effect.provide(racing("retries"))))

  it.live("spans recorded at once on one run are each stored exactly once, with sequences 1..n", () =>
    Effect.gen(function*() {
      const { account, production, session } = yield* tenant("Spans")
      const agent = yield* session.createAgent({ name: "Busy" })
      const run = yield* runOf(session, agent.id, production.id)
      const root = yield* session.recordSpan({ agent_instance_id: run.id, schema_name: "agent", status: "active", payload: {} })

      const singles = 4 * fibers
      const batches = fibers / 2
      const perBatch = 5
      const recorded = yield* Effect.all([
        times(singles, (i) =>
          Effect.map(
            session.recordSpan({
              agent_instance_id: run.id,
              parent_span_id: i % 2 === 0 ? root.id : null,
              schema_name: "llm",
              status: i % 3 === 0 ? "complete" : "active",
              payload: { prompt: `p${i}` }
            }),
            (span) => [span]
          )),
        times(batches, () =>
          session.recordSpans(Array.from({ length: perBatch }, (): Commands.CreateSpan => ({
            agent_instance_id: run.id,
            parent_span_id: root.id,
            schema_name: "crm:lookup",
            status: "active",
            payload: { customer_id: "c-1" }
          }))))
      ], { concurrency: "unbounded" })
      const acknowledged = [root, ...recorded.flat(2)]
      const expected = 1 + singles + batches * perBatch
      expect(acknowledged.length).toBe(expected)
      expect(new Set(acknowledged.map((span) => span.id)).size).toBe(expected)

      const sql = yield* SqlClient.SqlClient
      const stored = yield* rows(Schema.Struct({ id: Schema.String, sequence: Schema.Number }))(sql`
        SELECT id, sequence FROM agent_spans WHERE account_id = ${account.id} AND agent_instance_id = ${run.id} ORDER BY sequence`)
      expect(stored.length).toBe(expected)
      expect(new Set(stored.map((span) => span.id))).toEqual(new Set(acknowledged.map((span) => span.id)))
      expect(stored.map((span) => span.sequence)).toEqual(Array.from({ length: expected }, (_, i) => i + 1))
      // What each call answered is what was stored.
      const sequenceOf = new Map(stored.map((span) => [span.id, span.sequence]))
      for (const span of acknowledged) expect(sequenceOf.get(span.id)).toBe(span.sequence)

      const counted = yield* count(sql`SELECT (span_counts->>'total')::int AS n FROM agent_instances
                                       WHERE account_id = ${account.id} AND id = ${run.id}`)
      expect(counted).toBe(expected)
      expect((yield* session.getInstance(run.id)).span_counts.total).toBe(expected)
      expect((yield* session.getTimeline(run.id)).spans.length).toBe(expected)
    }).pipe(Effect.provide(racing("spans"))))

  it.live("appends to one run in one process take turns before reading the run: none writes on a version another made stale", () =>
    Effect.gen(function*() {
      const { production, session } = yield* tenant("Turns")
      const agent = yield* session.createAgent({ name: "Busy" })
      const run = yield* runOf(session, agent.id, production.id)
      // Written once: the store remembers the run's version from here on.
      yield* session.recordSpan({ agent_instance_id: run.id, schema_name: "agent", status: "active", payload: {} })
      const before = staleWrites()
      yield* times(fibers, () => session.recordSpan({ agent_instance_id: run.id, schema_name: "llm", status: "complete", payload: { prompt: "p" } }))
      expect(staleWrites() - before).toBe(0)
      expect((yield* session.getInstance(run.id)).span_counts.total).toBe(fibers + 1)
    }).pipe(Effect.provide(racing("turns"))))

  it.live("two processes appending to one run: each one's cached run is checked against the other's writes", () =>
    Effect.gen(function*() {
      // Two Ledgers, each with its own store (pool, run cache), are two processes on one database.
      const url = yield* pg.freshDatabase("processes")
      const process = () =>
        Effect.map(Layer.build(ledgerOn(PgStore.layerPg({ url: Redacted.make(url), maxConnections: 4 }))), (context) => Context.get(context, Ledger))
      const first = yield* process()
      const second = yield* process()
      const { production, secret, session } = yield* tenant("Two processes").pipe(Effect.provideService(Ledger, first))
      const other = yield* second.authenticate(secret)
      const agent = yield* session.createAgent({ name: "Shared" })
      const run = yield* runOf(session, agent.id, production.id)
      const batch = (n: number): ReadonlyArray<Commands.CreateSpan> =>
        Array.from({ length: n }, () => ({ agent_instance_id: run.id, schema_name: "llm", status: "complete", payload: { prompt: "p" } }))

      // In turns, then at once: each process's next batch starts from a run the other changed.
      const sizes = [3, 2, 4, 1, 5, 2]
      for (const [i, size] of sizes.entries()) yield* (i % 2 === 0 ? session : other).recordSpans(batch(size))
      yield* times(fibers, (i) => (i % 2 === 0 ? session : other).recordSpans(batch(2)))
      const expected = sizes.reduce((sum, size) => sum + size, 0) + 2 * fibers

      const sequences = yield* Effect.flatMap(SqlClient.SqlClient, (sql) =>
        rows(Schema.Struct({ sequence: Schema.Number }))(sql`
          SELECT sequence FROM agent_spans WHERE agent_instance_id = ${run.id} ORDER BY sequence`)).pipe(Effect.provide(sqlClient(url)))
      expect(sequences.map((row) => row.sequence)).toEqual(Array.from({ length: expected }, (_, i) => i + 1))
      expect((yield* session.getInstance(run.id)).span_counts.total).toBe(expected)
      expect((yield* other.getInstance(run.id)).span_counts.total).toBe(expected)

      // Taking turns one batch each, every batch finds the run changed by the other process: after
      // its first stale write, each process reads the run before writing instead of failing again.
      const staleBefore = staleWrites()
      for (let i = 0; i < 10; i++) yield* (i % 2 === 0 ? session : other).recordSpans(batch(1))
      expect(staleWrites() - staleBefore).toBeLessThanOrEqual(2)
      const total = expected + 10

      // One process ends the run; the other, which last wrote it, is refused rather than extending it.
      yield* other.recordSpans(batch(1))
      yield* session.finishRun(run.id, { status: "complete" })
      const refusal = yield* refused(other.recordSpans(batch(1)), "InvalidAction")
      expect(refusal).toMatchObject({ _tag: "InvalidAction", status: "complete" })
      expect((yield* other.getInstance(run.id)).span_counts.total).toBe(total + 1)
    }).pipe(Effect.scoped))
})
