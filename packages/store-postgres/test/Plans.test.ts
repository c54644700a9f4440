/**
 * No hot path reads a whole table. A database is populated through the real Ledger (three
 * accounts, their agents, runs, thousands of spans, tokens), analyzed, and then each hot query
 * of the store (its SQL text, as the store sends it, with real parameters) is planned by
 * PostgreSQL with `enable_seqscan = off`. A plan that still holds a `Seq Scan` means no index
 * can serve the query at all; and the index conditions must name the query's own key columns
 * (an index scan filtered on account_id alone would read the whole account), with every index
 * searched by its leading column. Span reads use the store's own column list (`Spans.select`).
 * One PostgreSQL server and one populated database serve every plan, so the tests stay in this
 * file; the database (support/planningDatabase.ts), the queries (support/hotQueries.ts) and the
 * reading of plans (support/queryPlans.ts) are modules of their own.
 */
import { PgStore } from "@agentledger/store-postgres"
import { describe, expect, it } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Effect, Redacted, Schema } from "effect"
import { beforeAll } from "vitest"
import { hotQueries } from "./support/hotQueries.js"
import { Fixture, populate, runsPerAgent, spannedRunsPerAgent, spansPerRun, versionsPerAgent } from "./support/planningDatabase.js"
import { count, ledgerOn, rows, sqlClient, usePostgres } from "./support/postgres.js"
import { indexColumns, nodesOf, planOf, render } from "./support/queryPlans.js"

const pg = usePostgres()

let database: { readonly url: string; readonly fixture: Fixture } | undefined
const populated = () => database ?? expect.fail("the database was not populated")

beforeAll(async () => {
  database = await Effect.runPromise(Effect.gen(function*() {
    const url = yield* pg.freshDatabase("plans")
    const accounts = yield* populate.pipe(Effect.provide(ledgerOn(PgStore.layerPg({ url: Redacted.make(url), maxConnections: 4 }))))
    const fixture = yield* Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      yield* sql`ANALYZE`
      const picked = yield* rows(Fixture)(sql`
        SELECT i.account_id AS account, i.agent_id AS agent, i.environment_id AS environment, i.id AS instance,
               (SELECT s.id FROM agent_spans s WHERE s.account_id = i.account_id AND s.agent_instance_id = i.id
                ORDER BY s.sequence OFFSET 150 LIMIT 1) AS span,
               i.agent_deployment_id AS deployment, i.agent_version_id AS version, i.agent_schema_version_id AS schema_version,
               (SELECT t.secret_hash FROM api_tokens t WHERE t.account_id = i.account_id ORDER BY t.id LIMIT 1) AS secret_hash,
               v.fingerprint AS version_fingerprint, sv.fingerprint AS schema_fingerprint,
               (SELECT e.name_key FROM environments e WHERE e.account_id = i.account_id AND e.id = i.environment_id) AS name_key
        FROM agent_instances i
        JOIN agent_versions v ON v.account_id = i.account_id AND v.id = i.agent_version_id
        JOIN agent_schema_versions sv ON sv.account_id = i.account_id AND sv.id = i.agent_schema_version_id
        WHERE i.account_id = ${accounts[1] ?? ""} AND i.span_counts->>'total' <> '0'
        ORDER BY i.id LIMIT 1`)
      // Non-vacuous: thousands of spans, in three accounts.
      const spans = yield* rows(Schema.Struct({ n: Schema.Number, accounts: Schema.Number }))(
        sql`SELECT count(*)::int AS n, count(DISTINCT account_id)::int AS accounts FROM agent_spans`
      )
      expect(spans).toEqual([{ n: 3 * 2 * spannedRunsPerAgent * spansPerRun, accounts: 3 }])
      expect(yield* count(sql`SELECT count(*)::int AS n FROM agent_instances`)).toBe(3 * 2 * runsPerAgent)
      expect(yield* count(sql`SELECT count(*)::int AS n FROM agent_versions`)).toBe(3 * 2 * versionsPerAgent)
      return picked[0] ?? expect.fail("nothing was populated")
    }).pipe(Effect.provide(sqlClient(url)))
    return { url, fixture }
  }))
}, 120_000)

describe("no sequential scan on a hot path (PostgreSQL plans with enable_seqscan = off)", () => {
  for (const query of hotQueries) {
    it.live(query.name, () =>
      Effect.gen(function*() {
        const { fixture, url } = populated()
        const { indexes, plan } = yield* Effect.all({ plan: planOf(query, fixture), indexes: indexColumns }).pipe(
          Effect.provide(sqlClient(url)),
          Effect.orDie
        )
        const nodes = nodesOf(plan)
        const shown = render(plan)
        expect(nodes.filter((node) => node["Node Type"] === "Seq Scan"), shown).toEqual([])
        // An index condition reads "(column = …)": each key column of the query must be one…
        const conditions = nodes.flatMap((node) => (node["Index Cond"] === undefined ? [] : [node["Index Cond"]])).join(" ")
        expect(conditions, shown).not.toBe("")
        for (const column of query.served) expect(conditions, shown).toContain(`(${column} `)
        // …and every index used is searched by its leading column, not read whole with a condition on a later one.
        for (const node of nodes) {
          const index = node["Index Name"]
          if (index === undefined) continue
          const leading = indexes.get(index)?.[0] ?? expect.fail(`the plan uses an unknown index ${index}`)
          expect(node["Index Cond"] ?? "", shown).toContain(`(${leading} `)
        }
      }))
  }
})

/**
 * A page of spans by time (of a window, or of the whole account) has an index in its order,
 * agent_spans_started (account_id, started_at, id): the page is the first rows of an index
 * range, not a sort of every span in the range. (This is what makes the index worth having for
 * lists: without it each page costs a sort of the whole window, or of the whole account.)
 */
describe("a page of spans by time is read in index order, not sorted whole", () => {
  for (const name of ["span list by time window: the page", "span list of the account: the page"]) {
    it.live(name, () =>
      Effect.gen(function*() {
        const query = hotQueries.find((q) => q.name === name) ?? expect.fail(`no hot query named ${name}`)
        const { fixture, url } = populated()
        const plan = yield* planOf(query, fixture).pipe(Effect.provide(sqlClient(url)), Effect.orDie)
        const nodes = nodesOf(plan)
        expect(nodes.map((node) => node["Index Name"]).filter((index) => index !== undefined), render(plan)).toEqual(["agent_spans_started"])
        expect(nodes.filter((node) => node["Node Type"] === "Sort").length, render(plan)).toBe(0)
      }))
  }
})

/**
 * A page of a reviewer's newest runs has an index in its order, agent_instances_run_start
 * (account_id, coalesce(started_at, inserted_at), id): the page is the first rows of the index,
 * not a sort of the account's runs.
 */
describe("a page of runs by when they took place is read in index order, not sorted whole", () => {
  it.live("instance list by when runs took place (a reviewer's newest runs): the page", () =>
    Effect.gen(function*() {
      const query = hotQueries.find((q) => q.name.startsWith("instance list by when runs took place")) ?? expect.fail("no hot query of runs by time")
      const { fixture, url } = populated()
      const plan = yield* planOf(query, fixture).pipe(Effect.provide(sqlClient(url)), Effect.orDie)
      const nodes = nodesOf(plan)
      expect(nodes.map((node) => node["Index Name"]).filter((index) => index !== undefined), render(plan)).toEqual(["agent_instances_run_start"])
      expect(nodes.filter((node) => node["Node Type"] === "Sort").length, render(plan)).toBe(0)
    }))
})
