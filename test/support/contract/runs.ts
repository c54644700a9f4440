/**
 * The reference's runs (the SDK's wire protocol, the Prefactor platform's API): span counts that reconcile, agent instances
 * and agent spans with agentledger's documented extensions (risk, conformance), a run's
 * timeline, the overview of the runs and the activity of spans over time (extensions).
 * (Reference Schemas: see fields.ts for where they come from and why nothing here is imported
 * from packages/http.)
 */
import { Schema } from "effect"
import { Count, JsonObject, Pfid, RiskLevel, RunStatus, Timestamp } from "./fields.js"

/**
 * the Prefactor platform's API: `finished` = complete + failed + cancelled; `total` counts every status. A
 * `terminated` count is not in the reference's list; when present it is counted the same way.
 */
export const SpanCounts = Schema.Struct({
  total: Count,
  pending: Count,
  active: Count,
  complete: Count,
  failed: Count,
  cancelled: Count,
  finished: Count,
  terminated: Schema.optional(Count)
}).pipe(
  Schema.filter((counts) => {
    const terminated = counts.terminated ?? 0
    const finished = counts.complete + counts.failed + counts.cancelled + terminated
    if (counts.finished !== finished) return `finished is ${counts.finished}, the terminal counts sum to ${finished}`
    const total = counts.pending + counts.active + finished
    return counts.total === total || `total is ${counts.total}, the counts sum to ${total}`
  })
).annotations({ identifier: "SpanCounts" })

/** the SDK's wire protocol and the Prefactor platform's API, plus the agentledger extensions of docs/http.md. */
export const AgentInstance = Schema.Struct({
  type: Schema.Literal("agent_instance"),
  id: Pfid,
  account_id: Pfid,
  agent_id: Pfid,
  agent_version_id: Pfid,
  environment_id: Pfid,
  agent_deployment_id: Pfid,
  status: RunStatus,
  inserted_at: Timestamp,
  updated_at: Timestamp,
  started_at: Schema.NullOr(Timestamp),
  finished_at: Schema.NullOr(Timestamp),
  termination_reason: Schema.NullOr(Schema.String),
  span_counts: SpanCounts,
  purpose: Schema.Literal("live", "smoke_test", "eval"),
  quality_payloads: Schema.Record({ key: Schema.String, value: JsonObject }),
  quality_summaries: Schema.Record({ key: Schema.String, value: Schema.String }),
  // extensions
  /** docs/http.md, "The newer Prefactor wire": the protocol and SDK that registered the run, null when not recorded. */
  reported_by: Schema.NullOr(Schema.Struct({ protocol: Schema.Literal("prefactor", "otlp"), sdk: Schema.NullOr(Schema.String) })),
  risk_score: Schema.NullOr(Schema.Number),
  risk_level: Schema.NullOr(RiskLevel),
  peak_risk_level: Schema.NullOr(RiskLevel),
  risk_profile_revision_id: Schema.NullOr(Pfid),
  conformance_counts: Schema.Struct({ conforms: Count, flagged: Count })
}).annotations({ identifier: "AgentInstance" })

/** the SDK's wire protocol and the Prefactor platform's API, plus conformance and risk (docs/http.md). */
export const AgentSpan = Schema.Struct({
  type: Schema.Literal("agent_span"),
  id: Pfid,
  account_id: Pfid,
  agent_id: Pfid,
  agent_instance_id: Pfid,
  parent_span_id: Schema.NullOr(Pfid),
  schema_name: Schema.String,
  schema_title: Schema.String,
  status: RunStatus,
  payload: JsonObject,
  result_payload: Schema.NullOr(JsonObject),
  summary: Schema.NullOr(Schema.String),
  started_at: Timestamp,
  finished_at: Schema.NullOr(Timestamp),
  inserted_at: Timestamp,
  updated_at: Timestamp,
  // extensions
  conformance: Schema.Struct({ payload: Schema.String, result: Schema.String, errors: Schema.Array(Schema.Unknown) }),
  risk_points: Count,
  risk_score: Schema.Number,
  /** docs/http.md: the newer SDKs' flag as the client said it, null when it said nothing. */
  sensitive_encoding: Schema.NullOr(Schema.Boolean)
}).annotations({ identifier: "AgentSpan" })

/** The newer SDKs' wire (docs/http.md, "The newer Prefactor wire"): what a span answer tells the agent. */
export const RunControl = Schema.Struct({ terminate: Schema.Boolean, reason: Schema.optional(Schema.NullOr(Schema.String)) })

/** A span create's or finish's answer: the span, and `control` when the run tells its agent something. */
export const SpanAnswer = Schema.Struct({ status: Schema.Literal("success"), details: AgentSpan, control: Schema.optional(RunControl) })

/** docs/http.md: the timeline of a run, its spans in order with their depth. */
export const Timeline = Schema.Struct({
  instance: AgentInstance,
  spans: Schema.Array(Schema.Struct({ span: AgentSpan, depth: Count }))
}).annotations({ identifier: "Timeline" })

/** docs/http.md: runs by status, every status named. */
const RunsByStatus = Schema.Struct({ pending: Count, active: Count, complete: Count, failed: Count, cancelled: Count, terminated: Count })

/** docs/http.md: runs by current risk level; `none` for runs no profile scores. */
const RunsByRiskLevel = Schema.Struct({ low: Count, medium: Count, high: Count, critical: Count, none: Count })

/** docs/http.md: the overview, an agentledger extension. */
export const Overview = Schema.Struct({
  since: Timestamp,
  agents: Schema.Array(Schema.Struct({
    agent_id: Pfid,
    name: Schema.String,
    status: Schema.Literal("pending", "active", "dormant", "retired"),
    runs_by_status: RunsByStatus,
    runs_by_risk_level: RunsByRiskLevel,
    flagged_runs: Count
  })),
  runs_by_status: RunsByStatus,
  runs_by_risk_level: RunsByRiskLevel,
  flagged_runs: Count,
  recent_attention: Schema.Array(AgentInstance)
}).annotations({ identifier: "Overview" })

/** docs/http.md: spans by status, every status named. */
const SpansByStatus = Schema.Struct({ pending: Count, active: Count, complete: Count, failed: Count, cancelled: Count, terminated: Count })

/** docs/http.md: the activity, an agentledger extension: every bucket of the window, oldest first. */
export const Activity = Schema.Struct({
  since: Timestamp,
  until: Timestamp,
  bucket_minutes: Count,
  buckets: Schema.Array(Schema.Struct({ start: Timestamp, counts: SpansByStatus }))
}).annotations({ identifier: "Activity" })
