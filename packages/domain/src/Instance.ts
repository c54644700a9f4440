/**
 * Instances: one per agent run. Stamped at register with agent, version, schema version,
 * environment and deployment — stamps that never change. Status machine of `Status.ts`:
 * a second `start` on an active instance is accepted and changes nothing; a finish with no
 * status means `complete`; a pending instance may only be cancelled or terminated; a span
 * arriving on a pending instance starts it; nothing leaves a terminal status. (A span reported to
 * a terminated run is still recorded, closed, without moving the run: `Span.recordSpan`.)
 */
import { DateTime, Either, Schema } from "effect"
import { InvalidAction, InvalidInput } from "./Errors.js"
import {
  AccountId,
  AgentId,
  AgentVersionId,
  DeploymentId,
  EnvironmentId,
  InstanceId,
  RiskProfileRevisionId,
  SchemaVersionId
} from "./Ids.js"
import { noQuality, QualityPayloads } from "./Quality.js"
import { ReportedBy } from "./Reporter.js"
import { initialRisk, InstanceRisk } from "./Risk.js"
import { type FinishStatus, isTerminal, noCounts, Status, StatusCounts } from "./Status.js"

export const InstancePurpose = Schema.Literal("live", "smoke_test", "eval")
export type InstancePurpose = typeof InstancePurpose.Type

/** How many of the instance's spans conform and how many are flagged for review. */
export const ConformanceCounts = Schema.Struct({ conforms: Schema.Int, flagged: Schema.Int })
  .annotations({ identifier: "ConformanceCounts" })
export type ConformanceCounts = typeof ConformanceCounts.Type

/** A plain record, not a class: one is written per span (docs/decisions.md, "Speed"). */
export const Instance = Schema.Struct({
  id: InstanceId,
  account_id: AccountId,
  agent_id: AgentId,
  agent_version_id: AgentVersionId,
  agent_schema_version_id: SchemaVersionId,
  environment_id: EnvironmentId,
  agent_deployment_id: Schema.NullOr(DeploymentId),
  status: Status,
  purpose: InstancePurpose,
  started_at: Schema.NullOr(Schema.DateTimeUtc),
  finished_at: Schema.NullOr(Schema.DateTimeUtc),
  termination_reason: Schema.NullOr(Schema.String),
  span_counts: StatusCounts,
  conformance_counts: ConformanceCounts,
  /** The profile revision the run is scored with; null when its agent has no profile. */
  risk_profile_revision_id: Schema.NullOr(RiskProfileRevisionId),
  /** Null exactly when `risk_profile_revision_id` is null. */
  risk: Schema.NullOr(InstanceRisk),
  /** When the run's payloads were redacted (`Erasure.redact`); null while they are as recorded. */
  redacted_at: Schema.NullOr(Schema.DateTimeUtc),
  /** The quality payloads recorded on the run, by name (`Quality`). */
  quality_payloads: QualityPayloads,
  /** The protocol and SDK that registered the run (`Reporter`); null when the caller named none. */
  reported_by: Schema.NullOr(ReportedBy),
  inserted_at: Schema.DateTimeUtc,
  updated_at: Schema.DateTimeUtc
}).annotations({ identifier: "Instance" })
export type Instance = typeof Instance.Type

/**
 * A run as it registers: `pending`, no spans, and stamped with what it runs — scored from zero
 * with the profile revision in force, or not scored when there is none.
 */
export const register = (
  stamps: {
    readonly id: InstanceId
    readonly account_id: AccountId
    readonly agent_id: AgentId
    readonly agent_version_id: AgentVersionId
    readonly agent_schema_version_id: SchemaVersionId
    readonly environment_id: EnvironmentId
    readonly agent_deployment_id: DeploymentId | null
    readonly purpose: InstancePurpose
    readonly risk_profile_revision_id: RiskProfileRevisionId | null
    readonly reported_by: ReportedBy | null
  },
  now: DateTime.Utc
): Instance => ({
  id: stamps.id,
  account_id: stamps.account_id,
  agent_id: stamps.agent_id,
  agent_version_id: stamps.agent_version_id,
  agent_schema_version_id: stamps.agent_schema_version_id,
  environment_id: stamps.environment_id,
  agent_deployment_id: stamps.agent_deployment_id,
  status: "pending",
  purpose: stamps.purpose,
  started_at: null,
  finished_at: null,
  termination_reason: null,
  span_counts: noCounts,
  conformance_counts: { conforms: 0, flagged: 0 },
  risk_profile_revision_id: stamps.risk_profile_revision_id,
  risk: stamps.risk_profile_revision_id === null ? null : initialRisk,
  redacted_at: null,
  quality_payloads: noQuality,
  reported_by: stamps.reported_by,
  inserted_at: now,
  updated_at: now
})

/** The fields fixed at register, which no later call may change. */
export const stampsOf = (instance: Instance) => ({
  id: instance.id,
  account_id: instance.account_id,
  agent_id: instance.agent_id,
  agent_version_id: instance.agent_version_id,
  agent_schema_version_id: instance.agent_schema_version_id,
  environment_id: instance.environment_id,
  agent_deployment_id: instance.agent_deployment_id,
  risk_profile_revision_id: instance.risk_profile_revision_id,
  purpose: instance.purpose,
  reported_by: instance.reported_by,
  inserted_at: instance.inserted_at
})

const refuse = (instance: Instance, action: string) =>
  Either.left(new InvalidAction({ entity: "agent_instance", id: instance.id, action, status: instance.status }))

const with_ = (instance: Instance, changes: Partial<Instance>): Instance => ({ ...instance, ...changes })

/**
 * pending → active; active stays active (a repeated start is harmless). `at` is when the run
 * started (a client may say), `now` when it was recorded.
 */
export const start = (instance: Instance, at: DateTime.Utc, now: DateTime.Utc = at): Either.Either<Instance, InvalidAction> => {
  switch (instance.status) {
    case "pending":
      return Either.right(with_(instance, { status: "active", started_at: at, updated_at: now }))
    case "active":
      return Either.right(instance)
    default:
      return refuse(instance, "start")
  }
}

/** active → complete | failed | cancelled; pending → cancelled. */
export const finish = (
  instance: Instance,
  status: FinishStatus,
  at: DateTime.Utc,
  now: DateTime.Utc = at
): Either.Either<Instance, InvalidAction> => {
  if (instance.status === "active" || (instance.status === "pending" && status === "cancelled")) {
    return Either.right(with_(instance, { status, finished_at: at, updated_at: now }))
  }
  return refuse(instance, `finish (${status})`)
}

export const maxTerminationReasonLength = 2000

/** pending | active → terminated, with a reason; the caller closes the open spans. */
export const terminate = (
  instance: Instance,
  reason: string,
  at: DateTime.Utc
): Either.Either<Instance, InvalidAction | InvalidInput> => {
  const trimmed = reason.trim()
  if (trimmed.length === 0 || trimmed.length > maxTerminationReasonLength) {
    return Either.left(InvalidInput.field("reason", `is required, 1–${maxTerminationReasonLength} characters`))
  }
  if (isTerminal(instance.status)) return refuse(instance, "terminate")
  return Either.right(with_(instance, { status: "terminated", termination_reason: trimmed, finished_at: at, updated_at: at }))
}

/** A span may be recorded on a pending or active instance; one on a pending instance starts it. */
export const admitSpan = (instance: Instance, at: DateTime.Utc): Either.Either<Instance, InvalidAction> => {
  if (isTerminal(instance.status)) return refuse(instance, "record a span on")
  return instance.status === "pending" ? Either.right(with_(instance, { status: "active", started_at: at })) : Either.right(instance)
}
