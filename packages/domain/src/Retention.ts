/**
 * Retention: how long an account keeps its finished runs. A policy names a number of days for the
 * account (`run_days`, or null: kept forever) and may override it per environment (a number, or
 * null: that environment's runs are kept forever). The server deletes, on a schedule, every run
 * the policy selects with its spans (`usecases/Retention.ts`).
 *
 * A run is selected when it finished more than its environment's number of days before now —
 * days of 24 hours, counted from `finished_at` to the millisecond: a run that finished at `t` is
 * selected from `t + N days + 1 ms` on. A run that never finished (pending, active) is kept,
 * however old. `cutoffsOf` turns a policy and a time into the instants before which a finish
 * is old enough; `selects` is the rule over one run, which a store translates into its query.
 */
import { DateTime, Duration, Either, Schema } from "effect"
import { InvalidInput } from "./Errors.js"
import { AccountId, EnvironmentId } from "./Ids.js"
import type { Instance } from "./Instance.js"

/** The longest retention a policy may name: a hundred years. */
export const maxRunDays = 36_500

/** The most environments one policy overrides. */
export const maxOverrides = 100

/** One environment's own retention: days, or null to keep its runs forever. */
export const EnvironmentRetention = Schema.Struct({
  environment_id: EnvironmentId,
  run_days: Schema.NullOr(Schema.Int)
}).annotations({ identifier: "EnvironmentRetention" })
export type EnvironmentRetention = typeof EnvironmentRetention.Type

/** An account's policy; `updated_at` is null for the policy an account has before any is set. */
export const RetentionPolicy = Schema.Struct({
  account_id: AccountId,
  run_days: Schema.NullOr(Schema.Int),
  environments: Schema.Array(EnvironmentRetention),
  updated_at: Schema.NullOr(Schema.DateTimeUtc)
}).annotations({ identifier: "RetentionPolicy" })
export type RetentionPolicy = typeof RetentionPolicy.Type

/** `PUT /retention_policy`: the whole policy, replacing the one before (an omitted field: none). */
export const RetentionPolicyInput = Schema.Struct({
  run_days: Schema.optional(Schema.NullOr(Schema.Int)),
  environments: Schema.optional(Schema.Array(EnvironmentRetention))
}).annotations({ identifier: "RetentionPolicyInput" })
export type RetentionPolicyInput = typeof RetentionPolicyInput.Type

/** The policy of an account that set none: every run kept. */
export const keepForever = (account: AccountId): RetentionPolicy => ({ account_id: account, run_days: null, environments: [], updated_at: null })

const validDays = (field: string, days: number | null): InvalidInput | null =>
  days === null || (Number.isInteger(days) && days >= 1 && days <= maxRunDays)
    ? null
    : InvalidInput.field(field, `must be a whole number of days from 1 to ${maxRunDays}, or null to keep runs forever`)

/** The policy an input sets at `at`, or why it is refused (days out of range, an environment named twice). */
export const update = (account: AccountId, input: RetentionPolicyInput, at: DateTime.Utc): Either.Either<RetentionPolicy, InvalidInput> => {
  const runDays = input.run_days ?? null
  const environments = input.environments ?? []
  const refusal = validDays("run_days", runDays)
  if (refusal !== null) return Either.left(refusal)
  if (environments.length > maxOverrides) {
    return Either.left(InvalidInput.field("environments", `holds ${environments.length} environments; a policy overrides at most ${maxOverrides}`))
  }
  const seen = new Set<string>()
  for (const [index, override] of environments.entries()) {
    const invalid = validDays(`environments.${index}.run_days`, override.run_days)
    if (invalid !== null) return Either.left(invalid)
    if (seen.has(override.environment_id)) {
      return Either.left(InvalidInput.field(`environments.${index}.environment_id`, "names an environment the policy already overrides"))
    }
    seen.add(override.environment_id)
  }
  return Either.right({ account_id: account, run_days: runDays, environments, updated_at: at })
}

/** Whether the policy can select any run: some number of days is set. */
export const deletesAny = (policy: RetentionPolicy): boolean =>
  policy.run_days !== null || policy.environments.some((override) => override.run_days !== null)

/**
 * The instants before which a finish is old enough, as epoch milliseconds: the account's (null:
 * none), and each overridden environment's (null: none there).
 */
export interface Cutoffs {
  readonly default: number | null
  readonly environments: ReadonlyArray<{ readonly environment_id: EnvironmentId; readonly cutoff: number | null }>
}

const cutoffOf = (days: number | null, now: number): number | null =>
  days === null ? null : now - Duration.toMillis(Duration.days(days))

/** The policy's cutoffs at `now`. */
export const cutoffsOf = (policy: RetentionPolicy, now: DateTime.Utc): Cutoffs => {
  const at = DateTime.toEpochMillis(now)
  return {
    default: cutoffOf(policy.run_days, at),
    environments: policy.environments.map((override) => ({ environment_id: override.environment_id, cutoff: cutoffOf(override.run_days, at) }))
  }
}

/** The cutoff that holds in an environment: its override's when it has one, else the account's. */
export const cutoffIn = (cutoffs: Cutoffs, environment: EnvironmentId): number | null => {
  for (const override of cutoffs.environments) if (override.environment_id === environment) return override.cutoff
  return cutoffs.default
}

/** Whether retention deletes the run: it finished before its environment's cutoff. */
export const selects = (cutoffs: Cutoffs) => (instance: Pick<Instance, "environment_id" | "finished_at">): boolean => {
  if (instance.finished_at === null) return false
  const cutoff = cutoffIn(cutoffs, instance.environment_id)
  return cutoff !== null && DateTime.toEpochMillis(instance.finished_at) < cutoff
}

/** The cutoffs as the audit log records them: instants, null where nothing is deleted. */
export const SweepCutoffs = Schema.Struct({
  default: Schema.NullOr(Schema.DateTimeUtc),
  environments: Schema.Array(Schema.Struct({ environment_id: EnvironmentId, cutoff: Schema.NullOr(Schema.DateTimeUtc) }))
}).annotations({ identifier: "SweepCutoffs" })
export type SweepCutoffs = typeof SweepCutoffs.Type

const instant = (millis: number | null): DateTime.Utc | null => (millis === null ? null : DateTime.unsafeMake(millis))

export const recordedCutoffs = (cutoffs: Cutoffs): SweepCutoffs => ({
  default: instant(cutoffs.default),
  environments: cutoffs.environments.map((override) => ({ environment_id: override.environment_id, cutoff: instant(override.cutoff) }))
})

/** What the audit log records of one account's pass (`retention.sweep`'s `after`): what was deleted, under which cutoffs. */
export const SweepRecord = Schema.Struct({
  runs: Schema.Int,
  spans: Schema.Int,
  cutoffs: SweepCutoffs
}).annotations({ identifier: "SweepRecord" })
export type SweepRecord = typeof SweepRecord.Type

/** One account's part of a pass. */
export const AccountSweep = Schema.Struct({ account_id: AccountId, ...SweepRecord.fields }).annotations({ identifier: "AccountSweep" })
export type AccountSweep = typeof AccountSweep.Type

/** A pass of the retention job: when it began and each account with a policy it visited. */
export const RetentionSweep = Schema.Struct({
  started_at: Schema.DateTimeUtc,
  accounts: Schema.Array(AccountSweep)
}).annotations({ identifier: "RetentionSweep" })
export type RetentionSweep = typeof RetentionSweep.Type

/** How many runs one unit of work of a pass deletes, unless the server says otherwise. */
export const defaultBatchRuns = 500

/** How many accounts' policies a pass reads at a time. */
export const policiesPerRead = 100
