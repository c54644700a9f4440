/**
 * The audit log's routes: `GET /audit_event`, a page of the account's events narrowed by what
 * changed, who changed it and when (each filter decoded by the domain's own schema, so a value
 * the domain does not know is a 400 naming the parameter), and `GET /audit_event/verify`, the
 * recomputation of the account's hash chain. Read-only by design: no route changes or deletes an
 * event. The group is declared here without its authentication, which `Api.ts` adds when it
 * takes the group in (this module cannot import `Api.ts`, which imports it).
 */
import { Audit, Timestamp } from "@agentledger/domain"
import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import * as OpenApi from "@effect/platform/OpenApi"
import { Schema } from "effect"
import { Details, List, PlainResource } from "./Envelope.js"
import { PageParams } from "./Queries.js"

export const AuditEventResource = PlainResource("audit_event", Audit.AuditEvent.fields)

/** `GET /audit_event`: a page of events, filtered (`Commands.ListAuditEvents`). */
export const AuditQuery = Schema.Struct({
  ...PageParams,
  entity: Schema.optional(Schema.String),
  entity_id: Schema.optional(Schema.String),
  actor_type: Schema.optional(Audit.ActorType),
  actor_id: Schema.optional(Schema.String),
  action: Schema.optional(Schema.String),
  occurred_after: Schema.optional(Timestamp.Timestamp),
  occurred_before: Schema.optional(Timestamp.Timestamp)
})

export const auditListDescription = "The account's audit events, every filter combined: entity (agent, api_token, …), entity_id, " +
  "actor_type (api_token, operator, system), actor_id (a token's id, a job's name), action (agent.update, …), occurred_after " +
  "(inclusive) and occurred_before (exclusive); sorted by sequence, occurred_at or id (default: -sequence, newest first). Account tokens only"

export const auditVerifyDescription = "Recomputes the account's hash chain, every event in sequence order, and answers whether it holds, " +
  "how many events it covers, the last of them (head) and the first event that does not match (first_mismatch: its position, its id, " +
  "why); docs/security.md says how to check it without trusting the server. Account tokens only"

export class AuditGroup extends HttpApiGroup.make("audit")
  .add(HttpApiEndpoint.get("list", "/audit_event").setUrlParams(AuditQuery).addSuccess(List(AuditEventResource))
    .annotate(OpenApi.Description, auditListDescription))
  .add(HttpApiEndpoint.get("verify", "/audit_event/verify").addSuccess(Details(Audit.Verification))
    .annotate(OpenApi.Description, auditVerifyDescription))
  .annotate(OpenApi.Description, "The audit log: every change to the account's records, who made it and when, as a hash chain")
{}
