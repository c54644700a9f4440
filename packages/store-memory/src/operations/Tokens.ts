/**
 * `StoreTx.tokens` in memory, keeping the store-wide index of tokens by secret hash. A deleted
 * token stays (in the index too), left out of lists.
 */
import { ApiToken, type StoreTx, UniqueViolation } from "@agentledger/domain"
import { DateTime, Effect } from "effect"
import type { Scope } from "../State.js"
import { listOf } from "../Table.js"

export const tokens = ({ data, journal, state }: Scope): StoreTx["tokens"] => {
  const update: StoreTx["tokens"]["update"] = (row) =>
    data.tokens.replace(journal, row.id, row).pipe(
      Effect.orDie,
      Effect.tap(() => {
        const previous = state.tokensByHash.get(row.secret_hash)
        state.tokensByHash.set(row.secret_hash, row)
        journal(() => (previous === undefined ? state.tokensByHash.delete(row.secret_hash) : state.tokensByHash.set(row.secret_hash, previous)))
      })
    )
  return {
    get: (id) => data.tokens.get(id),
    insert: (row) =>
      Effect.suspend(() => {
        if (state.tokensByHash.has(row.secret_hash)) return Effect.fail(new UniqueViolation({ constraint: "api_token_secret_hash_key" }))
        return data.tokens.insert(journal, row.id, row).pipe(Effect.tap(() => {
          state.tokensByHash.set(row.secret_hash, row)
          journal(() => state.tokensByHash.delete(row.secret_hash))
        }))
      }),
    update,
    list: (filter, query) =>
      Effect.sync(() =>
        listOf(
          data.tokens.rows.values(),
          (row) =>
            ApiToken.isShown(row) && (filter.agent_deployment_id === undefined || row.agent_deployment_id === filter.agent_deployment_id),
          query
        )
      ),
    touch: (id, at, staleBefore) =>
      Effect.suspend(() => {
        const row = data.tokens.rows.get(id)
        if (row === undefined || (row.last_used_at !== null && !DateTime.lessThan(row.last_used_at, staleBefore))) return Effect.void
        return update(new ApiToken.ApiToken({ ...row, last_used_at: at }, true))
      })
  }
}
