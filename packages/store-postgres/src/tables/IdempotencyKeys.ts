/**
 * The `idempotency_keys` table: a principal's key as a row and back. A key's row is written in
 * two steps: claimed (principal, key, time) at the start of its unit of work, answered
 * (`answer`) at its end; a row without an answer is a claim, not a record.
 */
import type { IdempotencyRecord } from "@agentledger/domain"
import { DateTime, Option } from "effect"
import * as Columns from "./Columns.js"

export const table = "idempotency_keys"

/** The columns the answer writes. */
export const answer = (record: IdempotencyRecord) => ({
  operation: record.operation,
  request_fingerprint: record.request_fingerprint,
  response: record.response
})

/** The record a row holds, once answered. */
export const fromRow = (row: Columns.Row): Option.Option<IdempotencyRecord> =>
  Columns.textOrNull(row, "response") === null ? Option.none() : Option.some({
    principal: Columns.text(row, "principal"),
    key: Columns.text(row, "key"),
    operation: Columns.text(row, "operation"),
    request_fingerprint: Columns.text(row, "request_fingerprint"),
    response: Columns.text(row, "response"),
    recorded_at: DateTime.toEpochMillis(Columns.time(row, "inserted_at"))
  })
