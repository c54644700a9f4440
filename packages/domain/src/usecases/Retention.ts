/**
 * The retention job's pass (`Ledger.sweepRetention`), work of the server rather than of a caller:
 * for each account whose policy deletes anything, the runs its cutoffs select at the pass's start
 * (`Retention.selects`) are deleted with their spans, `batchRuns` runs per unit of work, until
 * none is left.
 *
 * Each unit of work first takes the account's named turn (`StoreTx.exclusive`) and reads the
 * policy again under it: two servers sweeping one store at once take turns batch by batch, and
 * each run is deleted once — the second finds the first's runs gone. A run some other unit of
 * work holds at that moment (a span being finished) is passed over; the next pass takes it.
 *
 * Each account's pass appends one `retention.sweep` event (actor `system`, `"retention"`) in the
 * unit of work of its last batch, with what the whole pass deleted and under which cutoffs; a
 * pass that deleted nothing records nothing. The batches before the last commit on their own, so
 * a server that stops in the middle of a pass leaves what they deleted in no event.
 */
import { type Context, type DateTime, Effect, Option } from "effect"
import * as Audit from "../Audit.js"
import type { AccountId, InstanceId } from "../Ids.js"
import type { Ledger } from "../Ledger.js"
import * as Retention from "../Retention.js"
import { appendEvent, recorded } from "./AuditTrail.js"
import { forgetRuns } from "./Erasure.js"
import type { Shared } from "./Shared.js"
import { useCase } from "./Tracing.js"

type RetentionUseCases = Pick<Context.Tag.Service<Ledger>, "sweepRetention">

/** The job's name: the audit log's actor (`system`, `"retention"`). */
export const job = "retention"

/** The named turn of an account's retention. */
export const turnOf = (account: AccountId): string => JSON.stringify(["retention", account])

/** What one unit of work of a pass did. */
interface Step {
  readonly ids: ReadonlyArray<InstanceId>
  readonly spans: number
  readonly cutoffs: Retention.Cutoffs
}

export const make = (shared: Shared): RetentionUseCases => {
  const { store } = shared

  /** One account's part of the pass: batches until one comes back short. */
  const sweepAccount = (account: AccountId, at: DateTime.Utc, batchRuns: number) =>
    Effect.gen(function*() {
      let runs = 0
      let spans = 0
      let cutoffs = Retention.cutoffsOf(Retention.keepForever(account), at)
      while (true) {
        const step: Step = yield* store.transact(account, (tx) =>
          Effect.gen(function*() {
            yield* tx.exclusive(turnOf(account))
            // Read again under the turn: the policy may have changed since the pass listed it.
            const policy = Option.getOrElse(yield* tx.retention.get, () => Retention.keepForever(account))
            const stepCutoffs = Retention.cutoffsOf(policy, at)
            const ids = Retention.deletesAny(policy) ? yield* tx.erasure.expired(stepCutoffs, batchRuns) : []
            const deleted = ids.length === 0 ? { runs: 0, spans: 0 } : yield* tx.erasure.delete(ids)
            // The pass's one event, in the unit of work of its last batch: with what the whole
            // pass deleted in the account. A pass that deleted nothing records nothing.
            const passRuns = runs + ids.length
            if (ids.length < batchRuns && passRuns > 0) {
              const after = { runs: passRuns, spans: spans + deleted.spans, cutoffs: Retention.recordedCutoffs(stepCutoffs) }
              yield* appendEvent(shared, tx, {
                actor: Audit.system(job),
                action: "retention.sweep",
                entity: Audit.entityOf("retention.sweep"),
                entity_id: null,
                before: null,
                after: yield* recorded(Retention.SweepRecord, after)
              })
            }
            return { ids, spans: deleted.spans, cutoffs: stepCutoffs }
          }))
        forgetRuns(shared, account, step.ids)
        runs += step.ids.length
        spans += step.spans
        cutoffs = step.cutoffs
        if (step.ids.length < batchRuns) break
      }
      return Retention.AccountSweep.make({ account_id: account, runs, spans, cutoffs: Retention.recordedCutoffs(cutoffs) })
    })

  return {
    sweepRetention: useCase("Ledger.sweepRetention", (options?: { readonly batchRuns?: number | undefined }) =>
      Effect.gen(function*() {
        const batchRuns = Math.max(1, Math.floor(options?.batchRuns ?? Retention.defaultBatchRuns))
        const startedAt = yield* shared.now
        const accounts: Array<Retention.AccountSweep> = []
        let after: AccountId | null = null
        while (true) {
          const policies: ReadonlyArray<Retention.RetentionPolicy> = yield* store.retentionPolicies(after, Retention.policiesPerRead)
          for (const policy of policies) {
            if (Retention.deletesAny(policy)) accounts.push(yield* sweepAccount(policy.account_id, startedAt, batchRuns))
          }
          const last = policies.at(-1)
          if (last === undefined || policies.length < Retention.policiesPerRead) break
          after = last.account_id
        }
        return Retention.RetentionSweep.make({ started_at: startedAt, accounts })
      }))
  }
}
