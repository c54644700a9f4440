/**
 * `StoreTx.idempotency` on PostgreSQL. A key is claimed with `INSERT … ON CONFLICT DO NOTHING`,
 * which makes a concurrent claim of the same key wait for the first transaction and then see
 * what it recorded.
 */
import type { StoreTx } from "@agentledger/domain"
import { Effect, Option } from "effect"
import * as Columns from "../tables/Columns.js"
import * as IdempotencyKeys from "../tables/IdempotencyKeys.js"
import { type Scope, unguarded } from "./Statements.js"

/** How many expired idempotency records a fresh claim deletes: the table does not grow without end. */
const purgedPerClaim = 32

export const idempotency = ({ account, mine, sql }: Scope): StoreTx["idempotency"] => ({
  claim: ({ at, expiredBefore, key, principal }) =>
    Effect.gen(function*() {
      const stamp = Columns.timestampAt(at)
      const cutoff = Columns.timestampAt(expiredBefore)
      const claimed = yield* sql`INSERT INTO idempotency_keys (account_id, principal, key, inserted_at)
                                 VALUES (${account}, ${principal}, ${key}, ${stamp})
                                 ON CONFLICT DO NOTHING RETURNING key`
      if (claimed.length > 0) {
        // Expired records go a few at a time, never waiting on a row another unit holds.
        yield* sql`DELETE FROM idempotency_keys WHERE ctid IN (
                     SELECT ctid FROM idempotency_keys WHERE ${mine} AND inserted_at < ${cutoff}
                     LIMIT ${purgedPerClaim} FOR UPDATE SKIP LOCKED)`
        return Option.none()
      }
      // An expired record is taken over by this claim; a concurrent claim of the same
      // expired key waits on the row, then finds it fresh and no longer matches.
      const retaken = yield* sql`UPDATE idempotency_keys
                                 SET operation = NULL, request_fingerprint = NULL, response = NULL, agent_instance_ids = NULL, inserted_at = ${stamp}
                                 WHERE ${mine} AND principal = ${principal} AND key = ${key} AND inserted_at < ${cutoff}
                                 RETURNING key`
      if (retaken.length > 0) return Option.none()
      const rows = yield* sql`SELECT * FROM idempotency_keys WHERE ${mine} AND principal = ${principal} AND key = ${key}`
      return rows[0] === undefined ? Option.none() : IdempotencyKeys.fromRow(rows[0])
    }).pipe(Effect.orDie),
  record: (record) =>
    unguarded(sql`UPDATE idempotency_keys
                  SET ${sql.update(IdempotencyKeys.answer(record))}, agent_instance_ids = string_to_array(${IdempotencyKeys.runsParam(record)}, ',')
                  WHERE ${mine} AND principal = ${record.principal} AND key = ${record.key}`)
})
