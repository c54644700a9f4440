/**
 * The audit log as the console reads it (`GET /audit_event`, `GET /audit_event/verify`): an
 * event (what changed, who changed it, when, the record before and after, its place in the
 * account's hash chain), the filters of the list as the API names them, and what a verification
 * of the chain answers. Field names are the API's; `Contract.ts` checks them against the contract.
 */
import type { Reader } from "./Read.js"

export const actorTypes = ["api_token", "operator", "system"] as const
export type ActorType = (typeof actorTypes)[number]

export interface Actor {
  readonly type: ActorType
  /** A token's id, a scheduled job's name (`retention`); null for the operator. */
  readonly id: string | null
  readonly scope: "account" | "agent_deployment" | null
}

export interface AuditEvent {
  readonly id: string
  readonly sequence: number
  readonly action: string
  readonly entity: string
  readonly entity_id: string | null
  readonly actor: Actor
  readonly occurred_at: string
  readonly before: unknown
  readonly after: unknown
  readonly previous_hash: string
  readonly hash: string
}

const actor = (r: Reader): Actor => ({
  type: r.oneOf("type", actorTypes),
  id: r.nullableString("id"),
  scope: r.nullableOneOf("scope", ["account", "agent_deployment"])
})

export const auditEvent = (r: Reader): AuditEvent => ({
  id: r.string("id"),
  sequence: r.number("sequence"),
  action: r.string("action"),
  entity: r.string("entity"),
  entity_id: r.nullableString("entity_id"),
  actor: r.object("actor", actor, { type: "system", id: null, scope: null }),
  occurred_at: r.string("occurred_at"),
  before: r.json("before"),
  after: r.json("after"),
  previous_hash: r.string("previous_hash"),
  hash: r.string("hash")
})

/** Why the chain breaks at an event (docs/security.md, "Audit trail"). */
export const mismatchReasons = ["out_of_sequence", "broken_link", "altered", "head_mismatch"] as const
export type MismatchReason = (typeof mismatchReasons)[number]

export interface Verification {
  readonly valid: boolean
  /** The events the chain holds for: all of them, or those before the first mismatch. */
  readonly events: number
  readonly first_mismatch: { readonly sequence: number; readonly id: string | null; readonly reason: MismatchReason } | null
  readonly head: { readonly sequence: number; readonly hash: string } | null
}

export const verification = (r: Reader): Verification => ({
  valid: r.boolean("valid"),
  events: r.number("events"),
  first_mismatch: r.nullableObject("first_mismatch", (m) => ({ sequence: m.number("sequence"), id: m.nullableString("id"), reason: m.oneOf("reason", mismatchReasons) })),
  head: r.nullableObject("head", (h) => ({ sequence: h.number("sequence"), hash: h.string("hash") }))
})

export const verificationPlaceholder: Verification = { valid: false, events: 0, first_mismatch: null, head: null }

/** The list's filters, as the API names its query parameters. */
export const auditFilterNames = ["entity", "entity_id", "actor_type", "actor_id", "action", "occurred_after", "occurred_before"] as const
export type AuditFilterName = (typeof auditFilterNames)[number]
export type AuditFilters = Readonly<Partial<Record<AuditFilterName, string | undefined>>>

/** The filters a query names (an address's, or a form's). */
export const auditFiltersOf = (query: URLSearchParams): AuditFilters => {
  const out: Partial<Record<AuditFilterName, string>> = {}
  for (const name of auditFilterNames) {
    const value = query.get(name)
    if (value !== null && value !== "") out[name] = value
  }
  return out
}

/** The kinds of record the log names today, offered as suggestions (the API takes any text). */
export const knownEntities = [
  "account",
  "agent",
  "agent_deployment",
  "agent_instance",
  "api_token",
  "environment",
  "retention",
  "retention_policy",
  "risk_profile"
] as const

/** The actions the log records today, offered as suggestions (the API takes any text). */
export const knownActions = [
  "account.bootstrap",
  "account.create",
  "agent.create",
  "agent.update",
  "agent.retire",
  "agent.reinstate",
  "agent.delete",
  "agent_deployment.create",
  "agent_deployment.update",
  "agent_deployment.rollback",
  "agent_deployment.delete",
  "agent_instance.terminate",
  "agent_instance.delete",
  "agent_instance.redact",
  "agent_instance.erase",
  "api_token.create",
  "api_token.suspend",
  "api_token.activate",
  "api_token.revoke",
  "api_token.expire",
  "api_token.delete",
  "environment.create",
  "environment.update",
  "environment.delete",
  "retention.sweep",
  "retention_policy.update",
  "risk_profile.create",
  "risk_profile.update",
  "risk_profile.delete"
] as const
