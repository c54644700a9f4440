/**
 * The audit trail: who changed what, when, with the state before and after, as an append-only
 * list of events per account that forms a hash chain.
 *
 * Each event carries the SHA-256 of its canonical form (`canonicalForm`: RFC 8785 JSON of every
 * field but `hash`, so `previous_hash` is inside it), and `previous_hash`, its predecessor's
 * `hash` (64 zeros for an account's first event). Changing, removing or reordering an event
 * therefore breaks the chain at that event, and `verify` — a fold over the events in sequence
 * order, fed one batch at a time — names the first one that does not match. Nothing here reads
 * or writes: the use cases (`usecases/AuditTrail.ts`) link and append, the stores keep.
 */
import { DateTime, Schema } from "effect"
import { canonicalJson, sha256Hex } from "./Digest.js"
import { AccountId, AuditEventId } from "./Ids.js"
import { Json, type JsonObject } from "./Json.js"

/** Who acted: an API token (its id and scope), the operator, or the server itself (`system`, the job's name as id). */
export const ActorType = Schema.Literal("api_token", "operator", "system")
export type ActorType = typeof ActorType.Type

export const ActorScope = Schema.Literal("account", "agent_deployment")
export type ActorScope = typeof ActorScope.Type

export const Actor = Schema.Struct({
  type: ActorType,
  id: Schema.NullOr(Schema.String),
  scope: Schema.NullOr(ActorScope)
}).annotations({ identifier: "Actor" })
export type Actor = typeof Actor.Type

/** The operator (account creation, bootstrap): it has no token of its own. */
export const operator: Actor = { type: "operator", id: null, scope: null }

/** The server acting on a schedule, named by its job (`"retention"`). */
export const system = (job: string): Actor => ({ type: "system", id: job, scope: null })

/** The token a caller authenticated with. */
export const ofToken = (token: { readonly token_id: string; readonly token_scope: ActorScope }): Actor => ({
  type: "api_token",
  id: token.token_id,
  scope: token.token_scope
})

/** A SHA-256 in lowercase hexadecimal. */
export const Sha256Hex = Schema.String.pipe(Schema.pattern(/^[0-9a-f]{64}$/)).annotations({ identifier: "Sha256Hex" })

/** The `previous_hash` of an account's first event. */
export const genesisHash = "0".repeat(64)

export class AuditEvent extends Schema.Class<AuditEvent>("AuditEvent")({
  id: AuditEventId,
  account_id: AccountId,
  /** 1, 2, 3… per account, without gaps. */
  sequence: Schema.Int.pipe(Schema.positive()),
  /** The mutation (`agent.update`). */
  action: Schema.String,
  /** What it changed (`agent`): the action's text before its last `.`. */
  entity: Schema.String,
  entity_id: Schema.NullOr(Schema.String),
  actor: Actor,
  occurred_at: Schema.DateTimeUtc,
  /** The record before the change (null when there was none, or it is not recorded). */
  before: Json,
  /** The record after the change (null for a deletion). */
  after: Json,
  previous_hash: Sha256Hex,
  hash: Sha256Hex
}) {}

/** What a mutation says of itself; the trail adds who, when, where in the chain. */
export interface AuditEntry {
  readonly actor: Actor
  readonly action: string
  readonly entity: string
  readonly entity_id: string | null
  readonly before: Json
  readonly after: Json
}

/** The entity an action is about: its text before the last `.` (`agent_instance.register` → `agent_instance`). */
export const entityOf = (action: string): string => {
  const dot = action.lastIndexOf(".")
  return dot < 0 ? action : action.slice(0, dot)
}

/** An account's last event, as a chain's next link needs it. */
export const ChainHead = Schema.Struct({ sequence: Schema.Int, hash: Sha256Hex }).annotations({ identifier: "ChainHead" })
export type ChainHead = typeof ChainHead.Type

/** The event as hashed: every field but `hash`, times as ISO 8601 text (as the API writes them). */
export const canonicalForm = (event: Omit<AuditEvent, "hash">): JsonObject => ({
  id: event.id,
  account_id: event.account_id,
  sequence: event.sequence,
  action: event.action,
  entity: event.entity,
  entity_id: event.entity_id,
  actor: { type: event.actor.type, id: event.actor.id, scope: event.actor.scope },
  occurred_at: DateTime.formatIso(event.occurred_at),
  before: event.before,
  after: event.after,
  previous_hash: event.previous_hash
})

/** SHA-256 of the RFC 8785 text of the canonical form. */
export const hashOf = (event: Omit<AuditEvent, "hash">): string => sha256Hex(canonicalJson(canonicalForm(event)))

/** The event that follows `head` (null: the account's first), hashed. */
export const link = (
  head: ChainHead | null,
  fields: AuditEntry & { readonly id: AuditEventId; readonly account_id: AccountId; readonly occurred_at: DateTime.Utc }
): AuditEvent => {
  const unhashed = {
    id: fields.id,
    account_id: fields.account_id,
    sequence: head === null ? 1 : head.sequence + 1,
    action: fields.action,
    entity: fields.entity,
    entity_id: fields.entity_id,
    actor: fields.actor,
    occurred_at: fields.occurred_at,
    before: fields.before,
    after: fields.after,
    previous_hash: head === null ? genesisHash : head.hash
  }
  return new AuditEvent({ ...unhashed, hash: hashOf(unhashed) }, true)
}

/**
 * Why an event does not match: its sequence is not its position (an event before it is missing
 * or moved), its `previous_hash` is not its predecessor's hash (an event before it was changed
 * and re-hashed, or replaced), its `hash` is not its content's (it was changed); or the chain
 * ends elsewhere than at the head the store recorded (events removed from the end).
 */
export const MismatchReason = Schema.Literal("out_of_sequence", "broken_link", "altered", "head_mismatch")
export type MismatchReason = typeof MismatchReason.Type

export const Mismatch = Schema.Struct({
  /** The position where the chain breaks. */
  sequence: Schema.Int,
  /** The event found there (null when there is none). */
  id: Schema.NullOr(Schema.String),
  reason: MismatchReason
}).annotations({ identifier: "AuditMismatch" })
export type Mismatch = typeof Mismatch.Type

/**
 * A verification, complete or under way: whether the chain holds, how many events it covers
 * (those before the first mismatch), and the last of them.
 */
export const Verification = Schema.Struct({
  valid: Schema.Boolean,
  events: Schema.Int,
  first_mismatch: Schema.NullOr(Mismatch),
  head: Schema.NullOr(ChainHead)
}).annotations({ identifier: "AuditVerification" })
export type Verification = typeof Verification.Type

/** A verification before any event. */
export const unverified: Verification = { valid: true, events: 0, first_mismatch: null, head: null }

const broken = (state: Verification, mismatch: Mismatch): Verification => ({ ...state, valid: false, first_mismatch: mismatch })

/** One step of the fold: the next event in sequence order. After a mismatch, nothing changes. */
export const check = (state: Verification, event: AuditEvent): Verification => {
  if (!state.valid) return state
  const position = (state.head?.sequence ?? 0) + 1
  if (event.sequence !== position) return broken(state, { sequence: position, id: event.id, reason: "out_of_sequence" })
  if (event.previous_hash !== (state.head?.hash ?? genesisHash)) return broken(state, { sequence: position, id: event.id, reason: "broken_link" })
  if (event.hash !== hashOf(event)) return broken(state, { sequence: position, id: event.id, reason: "altered" })
  return { valid: true, events: state.events + 1, first_mismatch: null, head: { sequence: event.sequence, hash: event.hash } }
}

/** The fold over one batch of events, in sequence order: call again with the next batch. */
export const checkAll = (state: Verification, events: Iterable<AuditEvent>): Verification => {
  let current = state
  for (const event of events) {
    if (!current.valid) break
    current = check(current, event)
  }
  return current
}

/**
 * The end of the fold: the chain must end at the head the store recorded (null: no event). An
 * event past it is not read by a verification, which fixes the head first; so a chain that
 * ends early lost its last events, and one that ends at another hash had its last event replaced.
 */
export const conclude = (state: Verification, recorded: ChainHead | null): Verification => {
  if (!state.valid) return state
  const sequence = recorded?.sequence ?? 0
  if ((state.head?.sequence ?? 0) === sequence && (state.head?.hash ?? genesisHash) === (recorded?.hash ?? genesisHash)) return state
  return broken(state, { sequence, id: null, reason: "head_mismatch" })
}

/** A whole chain at once: `checkAll` from the start, then `conclude` against the recorded head (the last event's, when omitted). */
export const verify = (events: ReadonlyArray<AuditEvent>, recorded?: ChainHead | null): Verification => {
  const last = events[events.length - 1]
  const checked = checkAll(unverified, events)
  return conclude(checked, recorded !== undefined ? recorded : last === undefined ? null : { sequence: last.sequence, hash: last.hash })
}

/** The filters of the audit log's list: all optional, combined with AND; times in epoch milliseconds. */
export interface AuditFilter {
  readonly entity?: string | undefined
  readonly entity_id?: string | undefined
  readonly actor_type?: ActorType | undefined
  readonly actor_id?: string | undefined
  readonly action?: string | undefined
  /** Events at or after this time. */
  readonly occurred_after?: number | undefined
  /** Events before this time. */
  readonly occurred_before?: number | undefined
}

/** Whether an event passes a filter: what every store's list keeps. */
export const matches = (filter: AuditFilter, event: AuditEvent): boolean => {
  const at = DateTime.toEpochMillis(event.occurred_at)
  return (filter.entity === undefined || event.entity === filter.entity) &&
    (filter.entity_id === undefined || event.entity_id === filter.entity_id) &&
    (filter.actor_type === undefined || event.actor.type === filter.actor_type) &&
    (filter.actor_id === undefined || event.actor.id === filter.actor_id) &&
    (filter.action === undefined || event.action === filter.action) &&
    (filter.occurred_after === undefined || at >= filter.occurred_after) &&
    (filter.occurred_before === undefined || at < filter.occurred_before)
}
