/**
 * `StoreTx.versions` and `StoreTx.schemaVersions` on PostgreSQL: one set of operations over
 * either table, since the two are kept alike (per agent, unique by fingerprint and by sequence,
 * never updated).
 */
import type { Ids, IdentifierPair, ListQuery, StoreTx } from "@agentledger/domain"
import { Effect } from "effect"
import * as Aggregates from "../tables/Aggregates.js"
import * as AgentVersions from "../tables/AgentVersions.js"
import type * as Columns from "../tables/Columns.js"
import * as SchemaVersions from "../tables/SchemaVersions.js"
import { countOf, insert, list, many, one, type Scope, type Writable } from "./Statements.js"

/** A versions table's codec. */
interface Versioned<A> extends Writable<A> {
  readonly fromRow: (row: Columns.Row) => A
}

const versioned = <A>(scope: Scope, codec: Versioned<A>) => {
  const { byId, mine, sql } = scope
  const table = sql.literal(codec.table)
  return {
    get: (id: string) => one(sql`SELECT * FROM ${table} WHERE ${byId(id)}`, codec.fromRow),
    byFingerprint: (agent: Ids.AgentId, fingerprint: string) =>
      one(sql`SELECT * FROM ${table} WHERE ${mine} AND agent_id = ${agent} AND fingerprint = ${fingerprint}`, codec.fromRow),
    lastSequence: (agent: Ids.AgentId) =>
      sql`SELECT coalesce(max(sequence), 0)::int AS count FROM ${table} WHERE ${mine} AND agent_id = ${agent}`.pipe(
        Effect.map(countOf),
        Effect.orDie
      ),
    insert: (row: A) => insert(scope, codec, row),
    list: (agent: Ids.AgentId, query: ListQuery<string>) =>
      list(scope, codec.table, sql.and([mine, sql`agent_id = ${agent}`]), query, codec.fromRow),
    /** How many rows carry each (agent, identifier) pair: one GROUP BY over the page's pairs. */
    identifierTallies: (pairs: ReadonlyArray<IdentifierPair>) =>
      pairs.length === 0
        ? Effect.succeed([])
        : many(
          sql`SELECT agent_id, external_identifier, count(*)::int AS count FROM ${sql(codec.table)} WHERE ${mine} AND ${
            sql.or(pairs.map((pair) =>
              pair.external_identifier === null
                ? sql`(agent_id = ${pair.agent_id} AND external_identifier IS NULL)`
                : sql`(agent_id = ${pair.agent_id} AND external_identifier = ${pair.external_identifier})`
            ))
          } GROUP BY agent_id, external_identifier`,
          Aggregates.identifierTally
        )
  }
}

export const versions = (scope: Scope): StoreTx["versions"] => versioned(scope, AgentVersions)

export const schemaVersions = (scope: Scope): StoreTx["schemaVersions"] => versioned(scope, SchemaVersions)
