/**
 * Our documented extension (docs/http.md, "The audit log"): an audit event, and the answer of the
 * chain's verification. (Reference Schemas: see fields.ts for where they come from and why nothing
 * here is imported from packages/http.)
 */
import { Schema } from "effect"
import { Pfid, Timestamp } from "./fields.js"

const Sha256 = Schema.String.pipe(Schema.pattern(/^[0-9a-f]{64}$/))

/** docs/http.md: the actor of an event. */
export const Actor = Schema.Struct({
  type: Schema.Literal("api_token", "operator", "system"),
  id: Schema.NullOr(Schema.String),
  scope: Schema.NullOr(Schema.Literal("account", "agent_deployment"))
})

/** docs/http.md: one event of the audit log. */
export const AuditEvent = Schema.Struct({
  type: Schema.Literal("audit_event"),
  id: Pfid,
  account_id: Pfid,
  sequence: Schema.Int.pipe(Schema.positive()),
  action: Schema.String,
  entity: Schema.String,
  entity_id: Schema.NullOr(Schema.String),
  actor: Actor,
  occurred_at: Timestamp,
  before: Schema.Unknown,
  after: Schema.Unknown,
  previous_hash: Sha256,
  hash: Sha256
}).annotations({ identifier: "AuditEvent" })

/** docs/http.md: what `GET audit_event/verify` answers. */
export const AuditVerification = Schema.Struct({
  valid: Schema.Boolean,
  events: Schema.Int.pipe(Schema.nonNegative()),
  first_mismatch: Schema.NullOr(Schema.Struct({
    sequence: Schema.Int,
    id: Schema.NullOr(Schema.String),
    reason: Schema.Literal("out_of_sequence", "broken_link", "altered", "head_mismatch")
  })),
  head: Schema.NullOr(Schema.Struct({ sequence: Schema.Int, hash: Sha256 }))
}).annotations({ identifier: "AuditVerification" })
