/** `StoreTx.environments` on PostgreSQL. */
import type { StoreTx } from "@agentledger/domain"
import { Effect } from "effect"
import * as Environments from "../tables/Environments.js"
import { countOf, guarded, insert, list, one, type Scope, unguarded, update } from "./Statements.js"

export const environments = (scope: Scope): StoreTx["environments"] => {
  const { byId, mine, sql } = scope
  return {
    get: (id) => one(sql`SELECT * FROM environments WHERE ${byId(id)}`, Environments.fromRow),
    byNameKey: (key) => one(sql`SELECT * FROM environments WHERE ${mine} AND name_key = ${key}`, Environments.fromRow),
    insert: (row) => insert(scope, Environments, row),
    update: (row) => guarded(update(scope, Environments.table, row.id, Environments.changes(row))),
    remove: (id) => unguarded(sql`DELETE FROM environments WHERE ${byId(id)}`),
    list: (query) => list(scope, Environments.table, mine, query, Environments.fromRow),
    usage: (id) =>
      Effect.all({
        deployments: sql`SELECT count(*)::int AS count FROM agent_deployments WHERE ${mine} AND environment_id = ${id}`.pipe(Effect.map(countOf)),
        instances: sql`SELECT count(*)::int AS count FROM agent_instances WHERE ${mine} AND environment_id = ${id}`.pipe(Effect.map(countOf))
      }).pipe(Effect.orDie)
  }
}
