/**
 * The in-memory `LedgerStore`: maps per account (`State.ts`), with the indexes the PostgreSQL
 * adapter has as unique constraints and enforcing the same uniqueness rules (`Table.ts`). Units
 * of work hold their account's lock and undo their writes when they fail (`operations/UnitOfWork.ts`).
 */
import { LedgerStore, type Retention } from "@agentledger/domain"
import { type Context, Effect, Layer, Option } from "effect"
import { read, transact } from "./operations/UnitOfWork.js"
import { idempotencyName, makeState, type MemoryState } from "./State.js"

export { makeState, type MemoryState } from "./State.js"

/** A `LedgerStore` over the given state (a fresh one by default). */
export const make = (state: MemoryState = makeState()): Context.Tag.Service<LedgerStore> => ({
  transact: (account, work) => transact(state, account, work),
  // The account's lock costs nothing here: ingest is an ordinary unit of work.
  append: (account, work) => transact(state, account, work),
  read: (account, work) => read(state, account, work),
  tokenBySecretHash: (hash) => Effect.sync(() => Option.fromNullable(state.tokensByHash.get(hash))),
  idempotentAccount: (principal, key, expiredBefore) =>
    Effect.sync(() => {
      const name = idempotencyName(principal, key)
      for (const [account, data] of state.data) {
        const record = data.idempotency.get(name)
        if (record !== undefined && record.recorded_at >= expiredBefore) return Option.some(account)
      }
      return Option.none()
    }),
  isEmpty: Effect.sync(() => state.accounts.size === 0),
  retentionPolicies: (after, limit) =>
    Effect.sync(() => {
      const policies: Array<Retention.RetentionPolicy> = []
      for (const data of state.data.values()) {
        if (data.retention !== null && (after === null || data.retention.account_id > after)) policies.push(data.retention)
      }
      return policies.sort((a, b) => (a.account_id < b.account_id ? -1 : 1)).slice(0, limit)
    })
})

/** The in-memory store as a Layer: a fresh, empty store per build. */
export const layer: Layer.Layer<LedgerStore> = Layer.sync(LedgerStore, () => make())
