/**
 * The `idempotency_keys` table: a principal's key as a row and back. A key's row is written in
 * two steps: claimed (principal, key, time) at the start of its unit of work, answered
 * (`answer`) at its end; a row without an answer is a claim, not a record.
 */
import { type IdempotencyRecord, Ids } from "@agentledger/domain"
import { DateTime, Option } from "effect"
import * as Columns from "./Columns.js"

export const table = "idempotency_keys"

/** The columns the answer writes. */
export const answer = (record: IdempotencyRecord) => ({
  operation: record.operation,
  request_fingerprint: record.request_fingerprint,
  response: record.response
})

/**
 * The runs an answer is about, as one text parameter (`string_to_array(…, ',')` in the statement:
 * ids hold no comma), or null for none — the GIN index skips nulls.
 */
export const runsParam = (record: IdempotencyRecord): string | null => (record.runs.length === 0 ? null : record.runs.join(","))

const runsOf = (row: Columns.Row): ReadonlyArray<Ids.InstanceId> => {
  const value = row["agent_instance_ids"]
  if (value === null || value === undefined) return []
  if (!Array.isArray(value)) return Columns.mismatch("agent_instance_ids", value)
  return value.map((id) => (typeof id === "string" ? Ids.InstanceId.make(id, true) : Columns.mismatch("agent_instance_ids", value)))
}

/** The record a row holds, once answered. */
export const fromRow = (row: Columns.Row): Option.Option<IdempotencyRecord> =>
  Columns.textOrNull(row, "response") === null ? Option.none() : Option.some({
    principal: Columns.text(row, "principal"),
    key: Columns.text(row, "key"),
    operation: Columns.text(row, "operation"),
    request_fingerprint: Columns.text(row, "request_fingerprint"),
    response: Columns.text(row, "response"),
    recorded_at: DateTime.toEpochMillis(Columns.time(row, "inserted_at")),
    runs: runsOf(row)
  })
