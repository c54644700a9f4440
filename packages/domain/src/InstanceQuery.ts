/**
 * Which runs a list (or an aggregate) keeps, and in what order: the rules a reviewer's query of
 * runs is answered by, as values and pure predicates. `matches` is the rule; a store that cannot
 * run it over its rows (a database) translates each field of an `InstanceFilter` into its own
 * query language, and the conformance suite checks that both give the same runs.
 *
 * A run is placed in time by when it started, or by when it registered if it never started
 * (`runStart`): a pending run is still in a reviewer's window, and every run has a place in the
 * order. A run needs attention when it is flagged (one of its spans does not conform) or its risk
 * is high or critical (`needsAttention`).
 */
import { DateTime, Either } from "effect"
import type * as Commands from "./Commands.js"
import { InvalidInput } from "./Errors.js"
import type { AgentId, AgentVersionId, DeploymentId, EnvironmentId } from "./Ids.js"
import type { Instance, InstancePurpose } from "./Instance.js"
import type { SortField } from "./LedgerStore.js"
import type { ReportingProtocol } from "./Reporter.js"
import type { RiskLevel } from "./Risk.js"
import type { Status } from "./Status.js"

/** Every field is optional; the fields given must all hold (AND). */
export interface InstanceFilter {
  readonly agent_id?: AgentId | undefined
  readonly agent_deployment_id?: DeploymentId | undefined
  readonly agent_version_id?: AgentVersionId | undefined
  readonly environment_id?: EnvironmentId | undefined
  readonly status?: Status | undefined
  /** The run's current level (`risk.level`); a run scored by no profile has none, and never matches. */
  readonly risk_level?: RiskLevel | undefined
  /** The highest level the run reached (`risk.peak_level`); a run scored by no profile never matches. */
  readonly peak_risk_level?: RiskLevel | undefined
  /** `true`: runs with a flagged span; `false`: runs with none. */
  readonly flagged?: boolean | undefined
  readonly purpose?: InstancePurpose | undefined
  /** Runs reported by this protocol (`Reporter`); a run whose reporter is not recorded never matches. */
  readonly protocol?: ReportingProtocol | undefined
  /** Runs whose `runStart` is at or after this time (epoch milliseconds). */
  readonly started_after?: number | undefined
  /** Runs whose `runStart` is before this time (epoch milliseconds). */
  readonly started_before?: number | undefined
  /** `true`: runs that need attention (`needsAttention`); `false`: runs that do not. */
  readonly attention?: boolean | undefined
}

/** The risk levels at which a run needs a reviewer's attention. */
export const attentionLevels: ReadonlyArray<RiskLevel> = ["high", "critical"]

/** When a run took place: its start, or its registration if it never started (epoch milliseconds). */
export const runStart = (instance: Pick<Instance, "started_at" | "inserted_at">): number =>
  DateTime.toEpochMillis(instance.started_at ?? instance.inserted_at)

/** Whether one of the run's spans was flagged for review. */
export const isFlagged = (instance: Pick<Instance, "conformance_counts">): boolean => instance.conformance_counts.flagged > 0

/** Whether a reviewer should look at the run: flagged, or at a high or critical risk level. */
export const needsAttention = (instance: Pick<Instance, "conformance_counts" | "risk">): boolean =>
  isFlagged(instance) || (instance.risk !== null && attentionLevels.includes(instance.risk.level))

/** What a run is ordered by under a sort field: `started_at` orders by `runStart`, so no run lacks a place. */
export const sortValue = (instance: Instance, field: SortField<"agent_instance">): Instance[SortField<"agent_instance">] | number =>
  field === "started_at" ? runStart(instance) : instance[field]

const holds = <A>(wanted: A | undefined, actual: A): boolean => wanted === undefined || wanted === actual

/** Whether a run is one the filter keeps. */
export const matches = (filter: InstanceFilter) => (instance: Instance): boolean => {
  if (!holds(filter.agent_id, instance.agent_id)) return false
  if (!holds(filter.agent_deployment_id, instance.agent_deployment_id)) return false
  if (!holds(filter.agent_version_id, instance.agent_version_id)) return false
  if (!holds(filter.environment_id, instance.environment_id)) return false
  if (!holds(filter.status, instance.status)) return false
  if (!holds(filter.purpose, instance.purpose)) return false
  if (filter.protocol !== undefined && instance.reported_by?.protocol !== filter.protocol) return false
  if (filter.risk_level !== undefined && instance.risk?.level !== filter.risk_level) return false
  if (filter.peak_risk_level !== undefined && instance.risk?.peak_level !== filter.peak_risk_level) return false
  if (!holds(filter.flagged, isFlagged(instance))) return false
  if (!holds(filter.attention, needsAttention(instance))) return false
  if (filter.started_after === undefined && filter.started_before === undefined) return true
  const start = runStart(instance)
  return (filter.started_after === undefined || start >= filter.started_after) &&
    (filter.started_before === undefined || start < filter.started_before)
}

const epochMillis = (time: DateTime.Utc | undefined): number | undefined => time === undefined ? undefined : DateTime.toEpochMillis(time)

/** The filter a list request asks for. */
export const fromRequest = (request: Commands.ListInstances): InstanceFilter => ({
  agent_id: request.agent_id,
  agent_version_id: request.agent_version_id,
  environment_id: request.environment_id,
  status: request.status,
  risk_level: request.risk_level,
  peak_risk_level: request.peak_risk_level,
  flagged: request.flagged,
  purpose: request.purpose,
  protocol: request.protocol,
  started_after: epochMillis(request.started_after),
  started_before: epochMillis(request.started_before)
})

/**
 * The filter as a token bound to one agent may ask it: a deployment token reads its own agent's
 * runs, so its agent is added; a filter that names another agent keeps nothing (undefined). The
 * same holds for any filter naming an agent (a run list's, the activity's).
 */
export const within = <F extends { readonly agent_id?: AgentId | undefined }>(filter: F, agent: AgentId | undefined): F | undefined =>
  agent === undefined || filter.agent_id === undefined || filter.agent_id === agent ? { ...filter, agent_id: agent ?? filter.agent_id } : undefined

/**
 * The page and order a run list asks for: `sort` (`started_at` / `-started_at`) and `sorting`
 * (any sort field) are two spellings of one choice, so a request names one or neither (then the
 * list's default holds).
 */
export const pageRequest = (request: Commands.ListInstances): Either.Either<Commands.ListRequest, InvalidInput> => {
  if (request.sort !== undefined && request.sorting !== undefined) {
    return Either.left(InvalidInput.field("sort", "names the order sorting already names: give one of them"))
  }
  const sorting = request.sort ?? request.sorting
  return Either.right({ offset: request.offset, page_size: request.page_size, ...(sorting === undefined ? {} : { sorting }) })
}
