/** `StoreTx.idempotency` in memory: the account's lock makes a concurrent claim wait for the first. */
import type { StoreTx } from "@agentledger/domain"
import { Effect, Option } from "effect"
import { idempotencyName, type Scope } from "../State.js"

export const idempotency = ({ data, journal }: Scope): StoreTx["idempotency"] => ({
  claim: (claim) =>
    Effect.sync(() => {
      // Records are kept in the order they were written, so the expired ones are a prefix:
      // each claim drops that prefix, and a key never used again does not stay forever.
      for (const [name, record] of data.idempotency) {
        if (record.recorded_at >= claim.expiredBefore) break
        data.idempotency.delete(name)
        journal(() => data.idempotency.set(name, record))
      }
      return Option.fromNullable(data.idempotency.get(idempotencyName(claim.principal, claim.key)))
    }),
  record: (record) =>
    Effect.sync(() => {
      const name = idempotencyName(record.principal, record.key)
      data.idempotency.set(name, record)
      journal(() => data.idempotency.delete(name))
    })
})
