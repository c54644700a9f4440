/**
 * The retention job: a fiber of the server's scope that runs a pass of `Ledger.sweepRetention`
 * every `intervalSeconds` (`Schedule.spaced`, the first one interval after the start), deleting
 * in units of `batchRuns` runs the runs each account's policy selects. An interval of 0 turns
 * it off. Every process of a cluster, and every server on one PostgreSQL, runs it: the passes
 * take turns per account in the store (`StoreTx.exclusive`), so a run is deleted once.
 *
 * A pass that fails is logged and the next one comes at its time: a failing store stops no
 * server, and what a pass left is the next one's.
 */
import { Ledger, Retention as Policy } from "@agentledger/domain"
import { Duration, Effect, Layer, Schedule } from "effect"

export interface RetentionSettings {
  /** Seconds between passes; 0: no retention job. */
  readonly intervalSeconds: number
  /** Runs deleted per unit of work. */
  readonly batchRuns: number
}

/** Every hour, in the domain's default units (500 runs). */
export const defaults: RetentionSettings = { intervalSeconds: 3600, batchRuns: Policy.defaultBatchRuns }

/** What a pass deleted, for the log: the accounts where it deleted anything. */
const summary = (sweep: Policy.RetentionSweep): string =>
  sweep.accounts.filter((account) => account.runs > 0).map((account) => `${account.account_id}: ${account.runs} runs, ${account.spans} spans`).join("; ")

/** One pass, logged; its failure is logged, not raised. */
export const pass = (settings: RetentionSettings): Effect.Effect<void, never, Ledger> =>
  Effect.flatMap(Ledger, (ledger) => ledger.sweepRetention({ batchRuns: settings.batchRuns })).pipe(
    Effect.flatMap((sweep) => {
      const deleted = summary(sweep)
      return deleted === "" ? Effect.void : Effect.logInfo(`retention deleted ${deleted}`)
    }),
    Effect.catchAllCause((cause) => Effect.logError("a retention pass failed; the next one runs at its time", cause))
  )

/** The job as a fiber of the layer's scope (none when the interval is 0). */
export const layer = (settings: RetentionSettings): Layer.Layer<never, never, Ledger> => {
  if (settings.intervalSeconds === 0) return Layer.empty
  const interval = Duration.seconds(settings.intervalSeconds)
  return Layer.scopedDiscard(Effect.forkScoped(pass(settings).pipe(Effect.repeat(Schedule.spaced(interval)), Effect.delay(interval))))
}
