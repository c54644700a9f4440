/** `StoreTx.tokens` in memory, keeping the store-wide index of tokens by secret hash. */
import { type StoreTx, UniqueViolation } from "@agentledger/domain"
import { Effect } from "effect"
import type { Scope } from "../State.js"
import { listOf } from "../Table.js"

export const tokens = ({ data, journal, state }: Scope): StoreTx["tokens"] => ({
  get: (id) => data.tokens.get(id),
  insert: (row) =>
    Effect.suspend(() => {
      if (state.tokensByHash.has(row.secret_hash)) return Effect.fail(new UniqueViolation({ constraint: "api_token_secret_hash_key" }))
      return data.tokens.insert(journal, row.id, row).pipe(Effect.tap(() => {
        state.tokensByHash.set(row.secret_hash, row)
        journal(() => state.tokensByHash.delete(row.secret_hash))
      }))
    }),
  update: (row) =>
    data.tokens.replace(journal, row.id, row).pipe(
      Effect.orDie,
      Effect.tap(() => {
        const previous = state.tokensByHash.get(row.secret_hash)
        state.tokensByHash.set(row.secret_hash, row)
        journal(() => (previous === undefined ? state.tokensByHash.delete(row.secret_hash) : state.tokensByHash.set(row.secret_hash, previous)))
      })
    ),
  remove: (id) =>
    Effect.suspend(() => {
      const previous = data.tokens.rows.get(id)
      if (previous === undefined) return Effect.void
      state.tokensByHash.delete(previous.secret_hash)
      journal(() => state.tokensByHash.set(previous.secret_hash, previous))
      return data.tokens.remove(journal, id)
    }),
  list: (filter, query) =>
    Effect.sync(() =>
      listOf(
        data.tokens.rows.values(),
        (row) => filter.agent_deployment_id === undefined || row.agent_deployment_id === filter.agent_deployment_id,
        query
      )
    )
})
