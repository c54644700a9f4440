/** `StoreTx.tokens` on PostgreSQL. */
import type { StoreTx } from "@agentledger/domain"
import * as ApiTokens from "../tables/ApiTokens.js"
import { insert, list, one, type Scope, unguarded, update } from "./Statements.js"

export const tokens = (scope: Scope): StoreTx["tokens"] => {
  const { byId, mine, optional, sql } = scope
  return {
    get: (id) => one(sql`SELECT * FROM api_tokens WHERE ${byId(id)}`, ApiTokens.fromRow),
    insert: (row) => insert(scope, ApiTokens, row),
    update: (row) => unguarded(update(scope, ApiTokens.table, row.id, ApiTokens.changes(row))),
    remove: (id) => unguarded(sql`DELETE FROM api_tokens WHERE ${byId(id)}`),
    list: (filter, query) =>
      list(scope, ApiTokens.table, sql.and([mine, ...optional("agent_deployment_id", filter.agent_deployment_id)]), query, ApiTokens.fromRow)
  }
}
