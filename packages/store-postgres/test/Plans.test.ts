/**
 * No hot path reads a whole table. A database is populated through the real Ledger (three
 * accounts, their agents, runs, thousands of spans, tokens), analyzed, and then each hot query
 * of the store (its SQL text, as the store sends it, with real parameters) is planned by
 * PostgreSQL with `enable_seqscan = off`. A plan that still holds a `Seq Scan` means no index
 * can serve the query at all; and the index conditions must name the query's own key columns
 * (an index scan filtered on account_id alone would read the whole account), with every index
 * searched by its leading column. Span reads use the store's own column list (`Spans.select`).
 */
import type { Commands, Ids } from "@agentledger/domain"
import { PgStore } from "@agentledger/store-postgres"
import { runOf, supportSchema, tenant } from "@agentledger/testkit"
import { describe, expect, it } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { DateTime, Effect, Redacted, Schema } from "effect"
import { beforeAll } from "vitest"
import { outlineSelect, select as spanSelect } from "../src/tables/Spans.js"
import { count, ledgerOn, rows, sqlClient, usePostgres } from "./support/postgres.js"

const pg = usePostgres()

interface PlanNode {
  readonly "Node Type": string
  readonly "Relation Name"?: string | undefined
  readonly "Index Name"?: string | undefined
  readonly "Index Cond"?: string | undefined
  readonly Plans?: ReadonlyArray<PlanNode> | undefined
}
const PlanNode: Schema.Schema<PlanNode> = Schema.Struct({
  "Node Type": Schema.String,
  "Relation Name": Schema.optional(Schema.String),
  "Index Name": Schema.optional(Schema.String),
  "Index Cond": Schema.optional(Schema.String),
  Plans: Schema.optional(Schema.Array(Schema.suspend(() => PlanNode)))
})
const Explained = Schema.Struct({ "QUERY PLAN": Schema.Tuple(Schema.Struct({ Plan: PlanNode })) })

const nodesOf = (node: PlanNode): ReadonlyArray<PlanNode> => [node, ...(node.Plans ?? []).flatMap(nodesOf)]

const render = (node: PlanNode, depth = 0): string =>
  [
    `${"  ".repeat(depth)}${node["Node Type"]}${node["Relation Name"] === undefined ? "" : ` on ${node["Relation Name"]}`}${
      node["Index Name"] === undefined ? "" : ` using ${node["Index Name"]}`
    }${node["Index Cond"] === undefined ? "" : ` [${node["Index Cond"]}]`}`,
    ...(node.Plans ?? []).map((child) => render(child, depth + 1))
  ].join("\n")

/** What the populated database offers as parameters (ids of one account among three). */
const Fixture = Schema.Struct({
  account: Schema.String,
  agent: Schema.String,
  environment: Schema.String,
  instance: Schema.String,
  span: Schema.String,
  deployment: Schema.String,
  version: Schema.String,
  schema_version: Schema.String,
  secret_hash: Schema.String,
  version_fingerprint: Schema.String,
  schema_fingerprint: Schema.String,
  name_key: Schema.String
})
type Fixture = typeof Fixture.Type

const runsPerAgent = 40
/** Each agent gets this many versions (and as many schema versions). */
const versionsPerAgent = 40
const spannedRunsPerAgent = 2
const spansPerRun = 300
const batch = 100
const day = Date.UTC(2025, 0, 15)
const hour = 3_600_000
/** One hour of the day the spans are spread over. */
const windowStart = new Date(day + 6 * hour)
const windowEnd = new Date(day + 7 * hour)

/**
 * Three accounts, each with tokens, four environments and two agents; per agent 40 runs, each of its own
 * version, deployed in every environment; the first two runs of each agent hold 300 spans
 * spread over a day. Tables hold enough rows per key that the planner prefers the index that
 * matches a query over one that only narrows it to the account.
 */
const populate = Effect.gen(function*() {
  const accounts: Array<Ids.AccountId> = []
  for (const name of ["Alpha", "Beta", "Gamma"]) {
    const { account, development, production, session, staging } = yield* tenant(name)
    const testing = yield* session.createEnvironment({ name: "testing", purpose: "testing" })
    const environments = [development.id, staging.id, production.id, testing.id]
    for (let i = 0; i < 4; i++) yield* session.createToken({ token_scope: "account" })
    for (const agentName of ["Support", "Billing"]) {
      const agent = yield* session.createAgent({ name: agentName })
      for (let r = 0; r < runsPerAgent; r++) {
        const variant = r % versionsPerAgent
        const run = yield* runOf(session, agent.id, environments[r % environments.length] ?? production.id, `1.${variant}.0`, {
          schema: { ...supportSchema, external_identifier: `support-schema-${variant}` }
        })
        if (r >= spannedRunsPerAgent) continue
        let parent: Ids.SpanId | null = null
        for (let offset = 0; offset < spansPerRun; offset += batch) {
          const at = (i: number) => day + ((offset + i) * 24 * hour) / spansPerRun
          const spans: ReadonlyArray<{ readonly id: Ids.SpanId }> = yield* session.recordSpans(Array.from({ length: batch }, (_, i): Commands.CreateSpan => ({
            agent_instance_id: run.id,
            parent_span_id: parent,
            schema_name: i % 2 === 0 ? "llm" : "crm:lookup",
            status: "complete",
            payload: i % 2 === 0 ? { prompt: "p" } : { customer_id: `c${i}` },
            started_at: DateTime.unsafeMake(at(i)),
            finished_at: DateTime.unsafeMake(at(i) + 1000)
          })))
          parent = spans[0]?.id ?? null
        }
      }
    }
    accounts.push(account.id)
  }
  return accounts
})

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

/** A hot query of the store: its SQL (from src/operations and src/ingest), its parameters, and the key columns an index must match. */
interface HotQuery {
  readonly name: string
  readonly sql: string
  readonly params: (f: Fixture) => ReadonlyArray<unknown>
  /** Columns that must appear in the plan's index conditions. */
  readonly served: ReadonlyArray<string>
}

const hotQueries: ReadonlyArray<HotQuery> = [
  {
    name: "instance lock by id (every run transition, every span)",
    sql: "SELECT * FROM agent_instances WHERE (account_id = $1 AND id = $2) FOR UPDATE",
    params: (f) => [f.account, f.instance],
    served: ["account_id", "id"]
  },
  {
    name: "agent lock by id (register, deploy)",
    sql: "SELECT * FROM agents WHERE (account_id = $1 AND id = $2) FOR UPDATE",
    params: (f) => [f.account, f.agent],
    served: ["account_id", "id"]
  },
  {
    name: "span by id (a new span's parent, loaded by the use case)",
    sql: `SELECT ${spanSelect} FROM agent_spans WHERE (account_id = $1 AND id = $2)`,
    params: (f) => [f.account, f.span],
    served: ["account_id", "id"]
  },
  {
    // What PostgreSQL itself runs for the foreign key (account_id, agent_instance_id, parent_span_id) on a span insert.
    name: "span insert's parent check (the same-instance parent foreign key)",
    sql: "SELECT 1 FROM ONLY agent_spans x WHERE account_id = $1 AND agent_instance_id = $2 AND id = $3 FOR KEY SHARE OF x",
    params: (f) => [f.account, f.instance, f.span],
    served: ["account_id", "id"]
  },
  {
    name: "span insert's instance check (the instance foreign key)",
    sql: "SELECT 1 FROM ONLY agent_instances x WHERE account_id = $1 AND id = $2 FOR KEY SHARE OF x",
    params: (f) => [f.account, f.instance],
    served: ["account_id", "id"]
  },
  {
    name: "timeline: spans.ofInstance",
    sql: `SELECT ${spanSelect} FROM agent_spans WHERE account_id = $1 AND agent_instance_id = $2 ORDER BY sequence`,
    params: (f) => [f.account, f.instance],
    served: ["account_id", "agent_instance_id"]
  },
  {
    name: "open spans of an instance (terminate)",
    sql: `SELECT ${spanSelect} FROM agent_spans WHERE account_id = $1 AND agent_instance_id = $2 AND status IN ('pending', 'active') ORDER BY sequence`,
    params: (f) => [f.account, f.instance],
    served: ["account_id", "agent_instance_id"]
  },
  {
    name: "span list by instance: the page",
    sql: `SELECT ${spanSelect} FROM agent_spans WHERE (account_id = $1 AND "agent_instance_id" = $2) ORDER BY "started_at" ASC NULLS LAST, id ASC LIMIT $3 OFFSET $4`,
    params: (f) => [f.account, f.instance, 100, 0],
    served: ["account_id", "agent_instance_id"]
  },
  {
    name: "span list by instance: the total",
    sql: `SELECT count(*)::int AS count FROM agent_spans WHERE (account_id = $1 AND "agent_instance_id" = $2)`,
    params: (f) => [f.account, f.instance],
    served: ["account_id", "agent_instance_id"]
  },
  {
    name: "span list by time window: the page",
    sql: `SELECT ${spanSelect} FROM agent_spans WHERE (account_id = $1 AND started_at >= $2 AND started_at < $3) ORDER BY "started_at" ASC NULLS LAST, id ASC LIMIT $4 OFFSET $5`,
    params: (f) => [f.account, windowStart, windowEnd, 100, 0],
    served: ["account_id", "started_at"]
  },
  {
    name: "span list by time window: the total",
    sql: "SELECT count(*)::int AS count FROM agent_spans WHERE (account_id = $1 AND started_at >= $2 AND started_at < $3)",
    params: (f) => [f.account, windowStart, windowEnd],
    served: ["account_id", "started_at"]
  },
  {
    name: "span list of the account: the page",
    sql: `SELECT ${spanSelect} FROM agent_spans WHERE (account_id = $1) ORDER BY "started_at" ASC NULLS LAST, id ASC LIMIT $2 OFFSET $3`,
    params: (f) => [f.account, 100, 0],
    served: ["account_id"]
  },
  {
    name: "instance list by agent: the page",
    sql: `SELECT * FROM agent_instances WHERE (account_id = $1 AND "agent_id" = $2) ORDER BY "id" DESC NULLS LAST, id DESC LIMIT $3 OFFSET $4`,
    params: (f) => [f.account, f.agent, 100, 0],
    served: ["account_id", "agent_id"]
  },
  {
    name: "instance list by agent: the total",
    sql: `SELECT count(*)::int AS count FROM agent_instances WHERE (account_id = $1 AND "agent_id" = $2)`,
    params: (f) => [f.account, f.agent],
    served: ["account_id", "agent_id"]
  },
  {
    name: "token lookup by secret hash (every authenticated request, before the account is known)",
    sql: "SELECT * FROM api_tokens WHERE secret_hash = $1",
    params: (f) => [f.secret_hash],
    served: ["secret_hash"]
  },
  {
    name: "deployment by (agent, environment)",
    sql: "SELECT * FROM agent_deployments WHERE account_id = $1 AND agent_id = $2 AND environment_id = $3",
    params: (f) => [f.account, f.agent, f.environment],
    served: ["account_id", "agent_id", "environment_id"]
  },
  {
    name: "deployment history (and the next position of a move)",
    sql: "SELECT * FROM deployment_history WHERE account_id = $1 AND agent_deployment_id = $2 ORDER BY position",
    params: (f) => [f.account, f.deployment],
    served: ["account_id", "agent_deployment_id"]
  },
  {
    name: "version by fingerprint",
    sql: "SELECT * FROM agent_versions WHERE account_id = $1 AND agent_id = $2 AND fingerprint = $3",
    params: (f) => [f.account, f.agent, f.version_fingerprint],
    served: ["account_id", "agent_id", "fingerprint"]
  },
  {
    name: "schema version by fingerprint",
    sql: "SELECT * FROM agent_schema_versions WHERE account_id = $1 AND agent_id = $2 AND fingerprint = $3",
    params: (f) => [f.account, f.agent, f.schema_fingerprint],
    served: ["account_id", "agent_id", "fingerprint"]
  },
  {
    name: "last version sequence of an agent",
    sql: "SELECT coalesce(max(sequence), 0)::int AS count FROM agent_versions WHERE account_id = $1 AND agent_id = $2",
    params: (f) => [f.account, f.agent],
    served: ["account_id", "agent_id"]
  },
  {
    name: "environment by name key",
    sql: "SELECT * FROM environments WHERE account_id = $1 AND name_key = $2",
    params: (f) => [f.account, f.name_key],
    served: ["account_id", "name_key"]
  },
  {
    name: "agent usages: runs of a page of agents by (agent, status)",
    sql: `SELECT agent_id, status, count(*)::int AS count FROM agent_instances WHERE account_id = $1 AND "agent_id" IN ($2) GROUP BY agent_id, status`,
    params: (f) => [f.account, f.agent],
    served: ["account_id", "agent_id"]
  },
  {
    name: "agent usages: deployments of a page of agents",
    sql: `SELECT agent_id, count(*)::int AS count FROM agent_deployments WHERE account_id = $1 AND "agent_id" IN ($2) GROUP BY agent_id`,
    params: (f) => [f.account, f.agent],
    served: ["account_id", "agent_id"]
  },
  {
    name: "version usages: identifier tallies of a page's (agent, identifier) pairs",
    sql: `SELECT agent_id, external_identifier, count(*)::int AS count FROM "agent_versions" WHERE account_id = $1 AND ((agent_id = $2 AND external_identifier = $3)) GROUP BY agent_id, external_identifier`,
    params: (f) => [f.account, f.agent, "1.0.0"],
    served: ["account_id", "agent_id"]
  },
  {
    name: "version usages: deployments on a page's versions",
    sql: `SELECT * FROM agent_deployments WHERE account_id = $1 AND agent_id IN (SELECT agent_id FROM agent_versions WHERE account_id = $1 AND "id" IN ($2)) AND "current_version_id" IN ($2)`,
    params: (f) => [f.account, f.version],
    served: ["account_id", "agent_id", "id"]
  },
  {
    name: "schema version usages: deployments whose current version uses a page's schema versions",
    sql: `SELECT d.*, v.agent_schema_version_id AS schema_version_of FROM agent_deployments d JOIN agent_versions v ON v.account_id = d.account_id AND v.id = d.current_version_id
          WHERE d.account_id = $1 AND d.agent_id IN (SELECT s.agent_id FROM agent_schema_versions s WHERE s.account_id = $1 AND "s"."id" IN ($2)) AND "v"."agent_schema_version_id" IN ($2)`,
    params: (f) => [f.account, f.schema_version],
    served: ["account_id", "agent_id", "id"]
  },
  {
    name: "span outline: a page of a run in creation order",
    sql: `SELECT ${outlineSelect} FROM "agent_spans" WHERE (account_id = $1 AND agent_instance_id = $2) ORDER BY "agent_spans"."sequence" ASC , "agent_spans".id ASC LIMIT $3 OFFSET $4`,
    params: (f) => [f.account, f.instance, 25, 0],
    served: ["account_id", "agent_instance_id"]
  },
  {
    name: "risk report: a run's spans tallied by (type, status)",
    sql: `SELECT schema_name, status, count(*)::int AS span_count, coalesce(sum(risk_points), 0)::int8 AS points FROM agent_spans WHERE account_id = $1 AND agent_instance_id = $2 GROUP BY schema_name, status`,
    params: (f) => [f.account, f.instance],
    served: ["account_id", "agent_instance_id"]
  },
  {
    name: "idempotency key lookup (a principal's key)",
    sql: "SELECT * FROM idempotency_keys WHERE account_id = $1 AND principal = $2 AND key = $3",
    params: (f) => [f.account, "some-token", "some-key"],
    served: ["account_id", "principal", "key"]
  },
  {
    name: "the operator's key, across accounts (a retried account creation)",
    sql: "SELECT account_id FROM idempotency_keys WHERE principal = $1 AND key = $2 AND response IS NOT NULL AND inserted_at >= $3 LIMIT 1",
    params: () => ["operator", "some-key", "2026-01-01T00:00:00Z"],
    served: ["principal", "key"]
  }
]

/** The plan PostgreSQL makes for `query` when sequential scans are off in the session. */
const planOf = (query: HotQuery, fixture: Fixture) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql.withTransaction(Effect.gen(function*() {
      yield* sql`SET LOCAL enable_seqscan = off`
      const explained = yield* rows(Explained)(sql.unsafe(`EXPLAIN (FORMAT JSON) ${query.sql}`, query.params(fixture)))
      return (explained[0] ?? expect.fail(`no plan for ${query.name}`))["QUERY PLAN"][0].Plan
    })))

/** The key columns of every index of the schema, by index name. */
const indexColumns = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  Effect.map(
    rows(Schema.Struct({ name: Schema.String, columns: Schema.Array(Schema.String) }))(sql`
      SELECT ic.relname::text AS name,
             (SELECT array_agg(a.attname::text ORDER BY k.position)
              FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, position)
              JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum) AS columns
      FROM pg_index i
      JOIN pg_class ic ON ic.oid = i.indexrelid
      JOIN pg_namespace n ON n.oid = ic.relnamespace
      WHERE n.nspname = 'public'`),
    (found) => new Map(found.map((index) => [index.name, index.columns]))
  ))

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
