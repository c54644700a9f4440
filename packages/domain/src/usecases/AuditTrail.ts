/**
 * Writing the audit trail: the one way an event is written. `appendEvent` takes the account's
 * chain head under its lock, links the event to it and appends it, inside the caller's unit of
 * work — so the event commits with the change it records, or neither does. Every mutation of a
 * session does this through `UnitOfWork.mutate`; work outside a session (the operator opening an
 * account, a scheduled job) calls it directly, as the last step of its unit of work.
 */
import { Effect, Option, Schema } from "effect"
import * as Audit from "../Audit.js"
import * as Ids from "../Ids.js"
import { Json } from "../Json.js"
import type { StoreTx } from "../LedgerStore.js"
import type { Shared } from "./Shared.js"

/**
 * Appends the entry as the account's next event and answers it. Takes the account's audit lock
 * (`StoreTx.audit.head`): call it after the unit's every other lock.
 */
export const appendEvent = (shared: Shared, tx: StoreTx, entry: Audit.AuditEntry): Effect.Effect<Audit.AuditEvent> =>
  Effect.gen(function*() {
    const head = yield* tx.audit.head
    const at = yield* shared.now
    const event = Audit.link(Option.getOrNull(head), {
      ...entry,
      id: shared.newId(Ids.AuditEventId, tx.account_id, at),
      account_id: tx.account_id,
      occurred_at: at
    })
    yield* tx.audit.append(event)
    return event
  })

/**
 * A record as the audit log keeps it: encoded with its schema, as JSON (what the API would show
 * of it). A record that does not encode is a defect: it came from the use case that made it.
 */
export const recorded = <A, I>(schema: Schema.Schema<A, I>, value: A): Effect.Effect<Json> =>
  Schema.encode(Schema.parseJson(schema))(value).pipe(
    Effect.flatMap(Schema.decode(Schema.parseJson(Json))),
    Effect.orDie
  )

/** What a mutation's work may say for its event: the state before it changed something. */
export interface Trail {
  /** Records `value`, encoded with `schema`, as the event's `before`. */
  readonly before: <A, I>(schema: Schema.Schema<A, I>, value: A) => Effect.Effect<void>
}

/** A trail for one run of a mutation's work, and what the work said through it. */
export const makeTrail = (): { readonly trail: Trail; readonly before: () => Json } => {
  let before: Json = null
  return {
    trail: {
      before: (schema, value) => Effect.map(recorded(schema, value), (json) => {
        before = json
      })
    },
    before: () => before
  }
}

/** The trail of work that writes no event (reads, ingest): what it says is dropped. */
export const ignored: Trail = { before: () => Effect.void }
