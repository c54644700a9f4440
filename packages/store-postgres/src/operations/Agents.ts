/** `StoreTx.agents` on PostgreSQL: an agent, its lock read, the tallies a page of agents shows, and the overview's aggregate. */
import type { StoreTx } from "@agentledger/domain"
import { Effect } from "effect"
import * as Agents from "../tables/Agents.js"
import * as Aggregates from "../tables/Aggregates.js"
import * as Filters from "./Filters.js"
import { countOf, insert, list, many, one, type Scope, unguarded, update } from "./Statements.js"

export const agents = (scope: Scope): StoreTx["agents"] => {
  const { byId, mine, optional, sql } = scope
  return {
    get: (id) => one(sql`SELECT * FROM agents WHERE ${byId(id)}`, Agents.fromRow),
    lock: (id) => one(sql`SELECT * FROM agents WHERE ${byId(id)} FOR UPDATE`, Agents.fromRow),
    byExternalIdentifier: (value) => one(sql`SELECT * FROM agents WHERE ${mine} AND external_identifier = ${value}`, Agents.fromRow),
    insert: (row) => insert(scope, Agents, row),
    update: (row) => unguarded(update(scope, Agents.table, row.id, Agents.changes(row))),
    remove: (id) =>
      unguarded(sql`WITH versions AS (DELETE FROM agent_versions WHERE ${mine} AND agent_id = ${id}),
                         schema_versions AS (DELETE FROM agent_schema_versions WHERE ${mine} AND agent_id = ${id})
                    DELETE FROM agents WHERE ${byId(id)}`),
    list: (filter, query) =>
      list(
        scope,
        Agents.table,
        sql.and([mine, ...optional("risk_profile_id", filter.risk_profile_id), ...optional("status", filter.status)]),
        query,
        Agents.fromRow
      ),
    instanceCount: (id) =>
      sql`SELECT count(*)::int AS count FROM agent_instances WHERE ${mine} AND agent_id = ${id}`.pipe(Effect.map(countOf), Effect.orDie),
    instanceTallies: (ids) =>
      ids.length === 0 ? Effect.succeed([]) : many(
        sql`SELECT agent_id, status, count(*)::int AS count FROM agent_instances WHERE ${mine} AND ${
          sql.in("agent_id", ids)
        } GROUP BY agent_id, status`,
        Aggregates.statusTally
      ),
    deploymentTallies: (ids) =>
      ids.length === 0 ? Effect.succeed([]) : many(
        sql`SELECT agent_id, count(*)::int AS count FROM agent_deployments WHERE ${mine} AND ${sql.in("agent_id", ids)} GROUP BY agent_id`,
        Aggregates.agentTally
      ),
    // One statement: the account's agents, each joined to its kept runs grouped by cell.
    overview: (runs) =>
      many(
        sql`SELECT a.id AS agent_id, a.name, a.status, a.last_run_at, r.run_status, r.risk_level, r.flagged, r.count
            FROM agents a
            LEFT JOIN (
              SELECT agent_id, status AS run_status, risk_level, ${sql.literal(Filters.flaggedRun)} AS flagged, count(*)::int AS count
              FROM agent_instances WHERE ${sql.and([mine, ...Filters.instanceConditions(scope, runs)])}
              GROUP BY agent_id, status, risk_level, ${sql.literal(Filters.flaggedRun)}
            ) r ON r.agent_id = a.id
            WHERE ${sql.and([sql`a.account_id = ${scope.account}`, ...(runs.agent_id === undefined ? [] : [sql`a.id = ${runs.agent_id}`])])}`,
        Aggregates.overviewRow
      )
  }
}
