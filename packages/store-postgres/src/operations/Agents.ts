/** `StoreTx.agents` on PostgreSQL: an agent, its lock read, and the tallies a page of agents shows. */
import type { StoreTx } from "@agentledger/domain"
import { Effect } from "effect"
import * as Agents from "../tables/Agents.js"
import * as Aggregates from "../tables/Aggregates.js"
import { countOf, insert, list, many, one, type Scope, unguarded, update } from "./Statements.js"

export const agents = (scope: Scope): StoreTx["agents"] => {
  const { byId, mine, optional, sql } = scope
  return {
    get: (id) => one(sql`SELECT * FROM agents WHERE ${byId(id)}`, Agents.fromRow),
    lock: (id) => one(sql`SELECT * FROM agents WHERE ${byId(id)} FOR UPDATE`, Agents.fromRow),
    byExternalIdentifier: (value) => one(sql`SELECT * FROM agents WHERE ${mine} AND external_identifier = ${value}`, Agents.fromRow),
    insert: (row) => insert(scope, Agents, row),
    update: (row) => unguarded(update(scope, Agents.table, row.id, Agents.changes(row))),
    remove: (id) => unguarded(sql`DELETE FROM agents WHERE ${byId(id)}`),
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
      )
  }
}
