/**
 * `StoreTx.audit` in memory: the account's events in sequence order. The account's lock, held by
 * every unit of work, already serializes appends, so the head needs no lock of its own.
 */
import { Audit, type StoreTx } from "@agentledger/domain"
import { Effect, Option } from "effect"
import type { Scope } from "../State.js"
import { listOf } from "../Table.js"

export const audit = ({ data, journal }: Scope): StoreTx["audit"] => ({
  head: Effect.sync(() => {
    const last = data.audit[data.audit.length - 1]
    return last === undefined ? Option.none() : Option.some({ sequence: last.sequence, hash: last.hash })
  }),
  append: (event) =>
    Effect.sync(() => {
      data.audit.push(event)
      journal(() => data.audit.pop())
    }),
  list: (filter, query) =>
    Effect.sync(() => listOf(data.audit, (event) => Audit.matches(filter, event), query)),
  // Event n is at index n - 1 (the log has no gaps).
  batch: (after, limit) => Effect.sync(() => data.audit.slice(Math.max(0, after), Math.max(0, after) + Math.max(0, limit)))
})
