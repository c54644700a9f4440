/** `StoreTx.tokens` on PostgreSQL: a deleted token stays a row, left out of lists. */
import type { StoreTx } from "@agentledger/domain"
import * as ApiTokens from "../tables/ApiTokens.js"
import * as Columns from "../tables/Columns.js"
import { insert, list, one, type Scope, unguarded, update } from "./Statements.js"

export const tokens = (scope: Scope): StoreTx["tokens"] => {
  const { byId, mine, optional, sql } = scope
  return {
    get: (id) => one(sql`SELECT * FROM api_tokens WHERE ${byId(id)}`, ApiTokens.fromRow),
    insert: (row) => insert(scope, ApiTokens, row),
    update: (row) => unguarded(update(scope, ApiTokens.table, row.id, ApiTokens.changes(row))),
    list: (filter, query) =>
      list(
        scope,
        ApiTokens.table,
        sql.and([mine, sql`deleted_at IS NULL`, ...optional("agent_deployment_id", filter.agent_deployment_id)]),
        query,
        ApiTokens.fromRow
      ),
    // Conditional, so processes recording the same use at once write it once.
    touch: (id, at, staleBefore) =>
      unguarded(
        sql`UPDATE api_tokens SET last_used_at = ${Columns.toTimestamp(at)}
            WHERE ${byId(id)} AND (last_used_at IS NULL OR last_used_at < ${Columns.toTimestamp(staleBefore)})`
      )
  }
}
