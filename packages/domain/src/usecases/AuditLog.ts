/**
 * Reading the audit log: a page of the account's events, and the verification of its hash chain.
 * Both need an account token (a deployment token acts for one agent, the log is the account's).
 * Nothing here, nor anywhere in a session, changes or removes an event.
 */
import { DateTime, Effect, Option } from "effect"
import * as Audit from "../Audit.js"
import type { LedgerSession } from "../Ledger.js"
import { sortFields, type StoreTx } from "../LedgerStore.js"
import { list } from "./Listing.js"
import type { Session } from "./Session.js"
import { useCase } from "./Tracing.js"
import { checkStorable } from "./UnitOfWork.js"

/** How many events a verification reads per statement. */
export const verifyBatch = 500

const millis = (time: DateTime.Utc | undefined) => (time === undefined ? undefined : DateTime.toEpochMillis(time))

/**
 * Verifies the account's chain: the recorded head first, then the events up to it in batches,
 * folded by `Audit.checkAll` until the first mismatch, then `Audit.conclude`. Events appended
 * after the head was read are left for the next verification.
 */
export const verifyChain = (tx: StoreTx, batch = verifyBatch): Effect.Effect<Audit.Verification> =>
  Effect.gen(function*() {
    const recorded = Option.getOrNull(yield* tx.audit.head)
    const last = recorded?.sequence ?? 0
    let state = Audit.unverified
    let after = 0
    while (state.valid && after < last) {
      const events = yield* tx.audit.batch(after, Math.min(batch, last - after))
      if (events.length === 0) break
      state = Audit.checkAll(state, events)
      after = events[events.length - 1]?.sequence ?? last
    }
    return Audit.conclude(state, recorded)
  })

export const make = ({ work }: Session): Pick<LedgerSession, "listAuditEvents" | "verifyAuditChain"> => ({
  listAuditEvents: useCase("Ledger.listAuditEvents", (request) =>
    work.read((tx) =>
      // The filters go to the store as text: text it cannot hold is refused, not sent.
      Effect.zipRight(
        checkStorable(request),
        list(request, sortFields.audit_event, "-sequence", (query) =>
          tx.audit.list({
            entity: request.entity,
            entity_id: request.entity_id,
            actor_type: request.actor_type,
            actor_id: request.actor_id,
            action: request.action,
            occurred_after: millis(request.occurred_after),
            occurred_before: millis(request.occurred_before)
          }, query))
      )
    )),

  verifyAuditChain: useCase("Ledger.verifyAuditChain", () => work.read((tx) => verifyChain(tx)))
})
