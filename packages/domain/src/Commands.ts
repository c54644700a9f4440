/**
 * The inputs of the Ledger's use cases, as Schemas: the HTTP adapter decodes request bodies with
 * them, the testkit derives its arbitraries from them, and the Ledger takes their decoded types.
 * Field names are the Prefactor API's.
 */
import { Either, Schema } from "effect"
import { InvalidInput } from "./Errors.js"
import { Timestamp } from "./Timestamp.js"
import { ActivitySchemaInput } from "./ActivitySchema.js"
import { VersionMetadataInput } from "./AgentVersion.js"
import { TokenScope } from "./ApiToken.js"
import { ActorType } from "./Audit.js"
import { EnvironmentPurpose } from "./Environment.js"
import {
  AgentId,
  AgentVersionId,
  DeploymentId,
  EnvironmentId,
  InstanceId,
  RiskProfileId,
  SpanId
} from "./Ids.js"
import { InstancePurpose } from "./Instance.js"
import { RecordQuality as RecordQualityInput } from "./Quality.js"
import { type ReporterClaim, ReportingProtocol } from "./Reporter.js"
import { RiskLevel } from "./Risk.js"
import { RiskRulesInput } from "./RiskProfile.js"
import { SpanFinishInput, SpanInput } from "./Span.js"
import { FinishStatus, Status } from "./Status.js"

const optionalNullable = <S extends Schema.Schema.Any>(schema: S) => Schema.optional(Schema.NullOr(schema))

/** Options every mutating use case takes. */
export interface MutationOptions {
  /** Repeating a call with the same key (1–64 characters) returns the first result and has one effect. */
  readonly idempotencyKey?: string | undefined
}

/**
 * A registration's options.
 * - `reportedBy`: who reports the run, as the adapter that received it says (its protocol, and the
 *   SDK text the client sent, `Reporter.sdkOf`). Never read from a request's body; none from a
 *   caller of the `Ledger` itself.
 * - `version: "deployment"`: the run runs the version its deployment points at, with that
 *   version's schema version, when the deployment points at one; the version and schema the call
 *   reports otherwise. The OTLP ingestion's (a trace reports no version of its own).
 */
export interface RegisterOptions extends MutationOptions {
  readonly reportedBy?: ReporterClaim | undefined
  readonly version?: "deployment" | undefined
}

/** Options of recording spans. */
export interface RecordOptions extends MutationOptions {
  /**
   * `"completed"`: the spans are reported after they completed, as OpenTelemetry exports them
   * (`ReportedSpans`: a parent may arrive after its child, a finished run takes a span within its
   * time). Only the OTLP ingestion says it; the Prefactor wire never does.
   */
  readonly reported?: "completed" | undefined
}

export const maxIdempotencyKeyLength = 64

/**
 * How many spans one batch may record (`recordSpans`, `POST /agent_spans/batch`). A batch is one
 * unit of work and, on PostgreSQL, about one statement: unbounded, a client could hold a run's
 * lock and the server's memory for as long as it liked, and ≈22,000 spans passed PostgreSQL's
 * 65,535 bind parameters. A thousand is far above what an SDK sends at once.
 */
export const maxBatchSpans = 1000

/** Checks a span batch's size before anything is read. */
export const validateSpanBatch = <A>(inputs: ReadonlyArray<A>): Either.Either<ReadonlyArray<A>, InvalidInput> =>
  inputs.length > maxBatchSpans
    ? Either.left(InvalidInput.field("details", `holds ${inputs.length} spans; a batch holds at most ${maxBatchSpans}`))
    : Either.right(inputs)

export const CreateEnvironment = Schema.Struct({
  id: optionalNullable(EnvironmentId),
  name: Schema.String,
  purpose: Schema.optionalWith(EnvironmentPurpose, { default: () => "development" as const, exact: true }),
  description: optionalNullable(Schema.String)
}).annotations({ identifier: "CreateEnvironment" })
export type CreateEnvironment = typeof CreateEnvironment.Type

export const UpdateEnvironment = Schema.Struct({
  name: Schema.optional(Schema.String),
  purpose: Schema.optional(EnvironmentPurpose),
  description: optionalNullable(Schema.String)
}).annotations({ identifier: "UpdateEnvironment" })
export type UpdateEnvironment = typeof UpdateEnvironment.Type

export const CreateToken = Schema.Struct({
  token_scope: TokenScope,
  agent_deployment_id: optionalNullable(DeploymentId),
  expires_at: optionalNullable(Timestamp)
}).annotations({ identifier: "CreateToken" })
export type CreateToken = typeof CreateToken.Type

export const CreateAgent = Schema.Struct({
  id: optionalNullable(AgentId),
  name: Schema.String,
  description: optionalNullable(Schema.String),
  external_identifier: optionalNullable(Schema.String),
  risk_profile_id: optionalNullable(RiskProfileId)
}).annotations({ identifier: "CreateAgent" })
export type CreateAgent = typeof CreateAgent.Type

/** Omitted fields stay; `risk_profile_id: null` clears the profile. */
export const UpdateAgent = Schema.Struct({
  name: Schema.optional(Schema.String),
  description: optionalNullable(Schema.String),
  risk_profile_id: optionalNullable(RiskProfileId)
}).annotations({ identifier: "UpdateAgent" })
export type UpdateAgent = typeof UpdateAgent.Type

export const RegisterRun = Schema.Struct({
  id: optionalNullable(InstanceId),
  agent_id: optionalNullable(AgentId),
  environment_id: optionalNullable(EnvironmentId),
  agent_version: optionalNullable(VersionMetadataInput),
  agent_schema_version: optionalNullable(ActivitySchemaInput),
  update_current_version: Schema.optionalWith(Schema.Boolean, { default: () => true, exact: true }),
  purpose: Schema.optionalWith(InstancePurpose, { default: () => "live" as const, exact: true })
}).annotations({ identifier: "RegisterRun" })
export type RegisterRun = typeof RegisterRun.Type

export const StartRun = Schema.Struct({
  timestamp: optionalNullable(Timestamp)
}).annotations({ identifier: "StartRun" })
export type StartRun = typeof StartRun.Type

export const FinishRun = Schema.Struct({
  status: Schema.optionalWith(FinishStatus, { default: () => "complete" as const, exact: true }),
  timestamp: optionalNullable(Timestamp)
}).annotations({ identifier: "FinishRun" })
export type FinishRun = typeof FinishRun.Type

export const TerminateRun = Schema.Struct({
  reason: Schema.String
}).annotations({ identifier: "TerminateRun" })
export type TerminateRun = typeof TerminateRun.Type

/** A span to record: `SpanInput` plus its instance and an optional client-chosen id. */
export const CreateSpan = Schema.extend(
  SpanInput,
  Schema.Struct({
    agent_instance_id: Schema.NullOr(InstanceId),
    id: optionalNullable(SpanId)
  })
).annotations({ identifier: "CreateSpan" })
export type CreateSpan = typeof CreateSpan.Type

export const FinishSpan = SpanFinishInput
export type FinishSpan = typeof FinishSpan.Type

/** `{name, payload}` recorded on a run (`Quality`); a null payload removes the name. */
export const RecordQuality = RecordQualityInput
export type RecordQuality = typeof RecordQuality.Type

export const CreateDeployment = Schema.Struct({
  id: optionalNullable(DeploymentId),
  agent_id: AgentId,
  environment_id: EnvironmentId,
  current_version_id: optionalNullable(AgentVersionId)
}).annotations({ identifier: "CreateDeployment" })
export type CreateDeployment = typeof CreateDeployment.Type

export const UpdateDeployment = Schema.Struct({
  current_version_id: Schema.NullOr(AgentVersionId)
}).annotations({ identifier: "UpdateDeployment" })
export type UpdateDeployment = typeof UpdateDeployment.Type

export const RollbackDeployment = Schema.Struct({
  version_id: AgentVersionId
}).annotations({ identifier: "RollbackDeployment" })
export type RollbackDeployment = typeof RollbackDeployment.Type

export const CreateRiskProfile = Schema.extend(
  Schema.Struct({ name: Schema.String, description: optionalNullable(Schema.String) }),
  RiskRulesInput
).annotations({ identifier: "CreateRiskProfile" })
export type CreateRiskProfile = typeof CreateRiskProfile.Type

/** An edit names the whole new rule set (it becomes a new revision); name and description may change. */
export const UpdateRiskProfile = Schema.extend(
  Schema.Struct({ name: Schema.optional(Schema.String), description: optionalNullable(Schema.String) }),
  RiskRulesInput
).annotations({ identifier: "UpdateRiskProfile" })
export type UpdateRiskProfile = typeof UpdateRiskProfile.Type

/** A page request: zero-based offset, page size 1–100, `field` or `-field`. */
export const ListRequest = Schema.Struct({
  offset: Schema.optionalWith(Schema.Int, { default: () => 0, exact: true }),
  page_size: Schema.optionalWith(Schema.Int, { default: () => 25, exact: true }),
  sorting: Schema.optional(Schema.String)
}).annotations({ identifier: "ListRequest" })
export type ListRequest = typeof ListRequest.Type

export const ListAgents = Schema.extend(
  ListRequest,
  Schema.Struct({ risk_profile_id: Schema.optional(RiskProfileId) })
)
export type ListAgents = typeof ListAgents.Type

/** `sort` orders runs by when they took place (`InstanceQuery.runStart`), newest first with `-`. */
export const InstanceSort = Schema.Literal("started_at", "-started_at")
export type InstanceSort = typeof InstanceSort.Type

/** The filters of a run list (`InstanceQuery`): all optional, combined with AND. */
export const ListInstances = Schema.extend(
  ListRequest,
  Schema.Struct({
    agent_id: Schema.optional(AgentId),
    agent_version_id: Schema.optional(AgentVersionId),
    environment_id: Schema.optional(EnvironmentId),
    status: Schema.optional(Status),
    risk_level: Schema.optional(RiskLevel),
    peak_risk_level: Schema.optional(RiskLevel),
    flagged: Schema.optional(Schema.Boolean),
    purpose: Schema.optional(InstancePurpose),
    /** Runs reported by this protocol (`Reporter`). */
    protocol: Schema.optional(ReportingProtocol),
    started_after: Schema.optional(Timestamp),
    started_before: Schema.optional(Timestamp),
    sort: Schema.optional(InstanceSort)
  })
)
export type ListInstances = typeof ListInstances.Type

export const ListSpans = Schema.extend(
  ListRequest,
  Schema.Struct({
    agent_instance_id: Schema.optional(InstanceId),
    agent_id: Schema.optional(AgentId),
    start_time: Schema.optional(Timestamp),
    end_time: Schema.optional(Timestamp)
  })
)
export type ListSpans = typeof ListSpans.Type

/** A page of a run's span outline, narrowed by type and by flag (`SpanOutline.OutlineFilter`). */
export const ListSpanOutlines = Schema.extend(
  ListRequest,
  Schema.Struct({ schema_name: Schema.optional(Schema.String), flagged: Schema.optional(Schema.Boolean) })
)
export type ListSpanOutlines = typeof ListSpanOutlines.Type

export const ListDeployments = Schema.extend(
  ListRequest,
  Schema.Struct({ agent_id: Schema.optional(AgentId), environment_id: Schema.optional(EnvironmentId) })
)
export type ListDeployments = typeof ListDeployments.Type

export const ListOfAgent = Schema.extend(ListRequest, Schema.Struct({ agent_id: AgentId }))
export type ListOfAgent = typeof ListOfAgent.Type

/**
 * A page of the audit log (`Audit`), newest first by default, narrowed by what changed, who
 * changed it and when: all optional, combined with AND. `occurred_after` is inclusive,
 * `occurred_before` exclusive.
 */
export const ListAuditEvents = Schema.extend(
  ListRequest,
  Schema.Struct({
    entity: Schema.optional(Schema.String),
    entity_id: Schema.optional(Schema.String),
    actor_type: Schema.optional(ActorType),
    actor_id: Schema.optional(Schema.String),
    action: Schema.optional(Schema.String),
    occurred_after: Schema.optional(Timestamp),
    occurred_before: Schema.optional(Timestamp)
  })
)
export type ListAuditEvents = typeof ListAuditEvents.Type

/** The overview of the runs since a time (default: the last day, `Overview.defaultWindow`). */
export const GetOverview = Schema.Struct({ since: Schema.optional(Timestamp) }).annotations({ identifier: "GetOverview" })
export type GetOverview = typeof GetOverview.Type

/**
 * Spans counted by status in buckets of a window (`Activity`): the account's, one agent's or
 * one run's; by default the last day in 5-minute buckets (`Activity.windowOf`).
 */
export const GetActivity = Schema.Struct({
  since: Schema.optional(Timestamp),
  until: Schema.optional(Timestamp),
  agent_id: Schema.optional(AgentId),
  agent_instance_id: Schema.optional(InstanceId),
  bucket_minutes: Schema.optional(Schema.Int)
}).annotations({ identifier: "GetActivity" })
export type GetActivity = typeof GetActivity.Type

/** Bulk requests: every item names its idempotency key, 8–64 characters, unique in the request. */
export const bulkKeyLength = { min: 8, max: maxIdempotencyKeyLength } as const
export const maxBulkItems = 1000

/** Checks a bulk request's keys before any item runs, so a bad request changes nothing. */
export const validateBulkKeys = (keys: ReadonlyArray<string>): Either.Either<ReadonlyArray<string>, InvalidInput> => {
  if (keys.length === 0) return Either.left(InvalidInput.field("items", "must hold at least one item"))
  if (keys.length > maxBulkItems) return Either.left(InvalidInput.field("items", `must hold at most ${maxBulkItems} items`))
  const seen = new Set<string>()
  for (const [index, key] of keys.entries()) {
    if (key.length < bulkKeyLength.min || key.length > bulkKeyLength.max) {
      return Either.left(InvalidInput.field(`items.${index}.idempotency_key`, `must be ${bulkKeyLength.min}–${bulkKeyLength.max} characters`))
    }
    if (seen.has(key)) return Either.left(InvalidInput.field(`items.${index}.idempotency_key`, `repeats ${key}; keys must be unique in a request`))
    seen.add(key)
  }
  return Either.right(keys)
}
