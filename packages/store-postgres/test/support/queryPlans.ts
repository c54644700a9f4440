/**
 * Query plans, read as PostgreSQL gives them: `EXPLAIN (FORMAT JSON)` of a hot query with
 * sequential scans off in its transaction, the plan's nodes, a rendering of the plan for failure
 * messages, and the key columns of every index of the schema.
 */
import { SqlClient } from "@effect/sql"
import { Effect, Schema } from "effect"
import { expect } from "vitest"
import type { HotQuery } from "./hotQueries.js"
import type { Fixture } from "./planningDatabase.js"
import { rows } from "./postgres.js"

export interface PlanNode {
  readonly "Node Type": string
  readonly "Relation Name"?: string | undefined
  readonly "Index Name"?: string | undefined
  readonly "Index Cond"?: string | undefined
  readonly Plans?: ReadonlyArray<PlanNode> | undefined
}
export const PlanNode: Schema.Schema<PlanNode> = Schema.Struct({
  "Node Type": Schema.String,
  "Relation Name": Schema.optional(Schema.String),
  "Index Name": Schema.optional(Schema.String),
  "Index Cond": Schema.optional(Schema.String),
  Plans: Schema.optional(Schema.Array(Schema.suspend(() => PlanNode)))
})
const Explained = Schema.Struct({ "QUERY PLAN": Schema.Tuple(Schema.Struct({ Plan: PlanNode })) })

export const nodesOf = (node: PlanNode): ReadonlyArray<PlanNode> => [node, ...(node.Plans ?? []).flatMap(nodesOf)]

export const render = (node: PlanNode, depth = 0): string =>
  [
    `${"  ".repeat(depth)}${node["Node Type"]}${node["Relation Name"] === undefined ? "" : ` on ${node["Relation Name"]}`}${
      node["Index Name"] === undefined ? "" : ` using ${node["Index Name"]}`
    }${node["Index Cond"] === undefined ? "" : ` [${node["Index Cond"]}]`}`,
    ...(node.Plans ?? []).map((child) => render(child, depth + 1))
  ].join("\n")

/** The plan PostgreSQL makes for `query` when sequential scans are off in the session. */
export const planOf = (query: HotQuery, fixture: Fixture) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql.withTransaction(Effect.gen(function*() {
      yield* sql`SET LOCAL enable_seqscan = off`
      const explained = yield* rows(Explained)(sql.unsafe(`EXPLAIN (FORMAT JSON) ${query.sql}`, query.params(fixture)))
      return (explained[0] ?? expect.fail(`no plan for ${query.name}`))["QUERY PLAN"][0].Plan
    })))

/** The key columns of every index of the schema, by index name. */
export const indexColumns = Effect.flatMap(SqlClient.SqlClient, (sql) =>
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
