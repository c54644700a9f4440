/**
 * The `audit_events` table: an audit event as a row and back (never updated). The actor is
 * three columns, so the log's filters are plain comparisons; `before` and `after` are jsonb
 * holding the JSON value itself (`null` too), never SQL NULL.
 */
import { Audit, Ids, Json } from "@agentledger/domain"
import * as Actors from "./Actors.js"
import * as Columns from "./Columns.js"

export const table = "audit_events"

export const columns = [
  "account_id",
  "sequence",
  "id",
  "action",
  "entity",
  "entity_id",
  "actor_type",
  "actor_id",
  "actor_scope",
  "occurred_at",
  "before",
  "after",
  "previous_hash",
  "hash"
] as const

const actorColumns = { type: "actor_type", id: "actor_id", scope: "actor_scope" } as const

export const toRow = (event: Audit.AuditEvent): Columns.RowOf<(typeof columns)[number]> => ({
  account_id: event.account_id,
  sequence: event.sequence,
  id: event.id,
  action: event.action,
  entity: event.entity,
  entity_id: event.entity_id,
  actor_type: event.actor.type,
  actor_id: event.actor.id,
  actor_scope: event.actor.scope,
  occurred_at: Columns.toTimestamp(event.occurred_at),
  before: JSON.stringify(event.before),
  after: JSON.stringify(event.after),
  previous_hash: event.previous_hash,
  hash: event.hash
})

/** Every event has an actor (the column is NOT NULL): a row without one is a defect. */
const actorOf = (row: Columns.Row): Audit.Actor => Actors.read(row, actorColumns) ?? Columns.mismatch("actor_type", null)

/**
 * A row as the event it holds, whatever it holds: a row edited behind the ledger's back still
 * reads (its hash then tells), as long as its columns have their types.
 */
export const fromRow = (row: Columns.Row): Audit.AuditEvent =>
  new Audit.AuditEvent({
    id: Columns.id(Ids.AuditEventId)(row, "id"),
    account_id: Columns.id(Ids.AccountId)(row, "account_id"),
    sequence: Columns.integer(row, "sequence"),
    action: Columns.text(row, "action"),
    entity: Columns.text(row, "entity"),
    entity_id: Columns.textOrNull(row, "entity_id"),
    actor: actorOf(row),
    occurred_at: Columns.time(row, "occurred_at"),
    before: Columns.json(row, "before", Json.Json),
    after: Columns.json(row, "after", Json.Json),
    previous_hash: Columns.text(row, "previous_hash"),
    hash: Columns.text(row, "hash")
  }, true)
