/**
 * The records of the domain as Prefactor resources: each carries `type`, and the run and
 * deployment resources add the fields the platform's clients read (risk score and levels,
 * quality maps, deployment history).
 */
import {
  Account,
  Agent,
  AgentVersion,
  ApiToken,
  Deployment,
  Environment,
  Instance,
  Overview,
  Principal,
  Risk,
  RiskReport,
  RiskProfile,
  SchemaVersion,
  Span,
  SpanOutline,
  Status,
  VersionRisk
} from "@agentledger/domain"
import { Schema } from "effect"
import { PlainResource, Resource } from "./Envelope.js"

export const AccountResource = PlainResource("account", Account.Account.fields)
export const EnvironmentResource = PlainResource("environment", Environment.Environment.fields)
// Without `secret_hash`: the hash is what authentication looks up, and never leaves the store.
export const ApiTokenResource = PlainResource("api_token", ApiToken.ApiTokenView.fields)
/** An agent as the platform shows it: what may be done with it now, and its runs by status on request. */
export const AgentView = Schema.Struct({
  ...Agent.Agent.fields,
  available_actions: Agent.AvailableActions,
  instance_counts: Schema.optional(Status.StatusCounts)
})
export type AgentView = typeof AgentView.Type
export const AgentResource = PlainResource("agent", AgentView.fields)

/** What the platform shows beside a version: the deployments on it, and its identifier's reuse. */
const VersionUsage = {
  current_agent_deployment_refs: Schema.Array(Deployment.DeploymentRef),
  external_identifier_repeats: Schema.Int
}
export const AgentVersionView = Schema.Struct({ ...AgentVersion.AgentVersion.fields, ...VersionUsage })
export type AgentVersionView = typeof AgentVersionView.Type
export const AgentVersionResource = PlainResource("agent_version", AgentVersionView.fields)
export const SchemaVersionView = Schema.Struct({ ...SchemaVersion.SchemaVersion.fields, ...VersionUsage })
export type SchemaVersionView = typeof SchemaVersionView.Type
export const SchemaVersionResource = PlainResource("agent_schema_version", SchemaVersionView.fields)
export const DeploymentResource = PlainResource("agent_deployment", Deployment.Deployment.fields)
export const RiskProfileResource = PlainResource("risk_profile", RiskProfile.RiskProfile.fields)
export const PrincipalResource = PlainResource("principal", Principal.fields)

/**
 * A risk amount on the wire: points, as a profile is written (a threshold of 20, a multiplier of
 * 1.5), for the domain's exact hundredths. Every risk amount an answer carries is in points.
 */
const pointsOf = <A extends number>(hundredths: Schema.Schema<A, number>) =>
  Schema.transform(Schema.Number, hundredths, {
    strict: true,
    decode: (points) => RiskProfile.toHundredths(points),
    encode: (amount) => RiskProfile.fromHundredths(amount)
  }).annotations({ identifier: "Points", description: "A risk amount in points (two decimals)" })

export const Points = pointsOf(RiskProfile.Hundredths)
const PointsInt = pointsOf(Schema.Int)

const ThresholdsWire = Schema.Struct({ medium: Points, high: Points, critical: Points })

const RulesWire = Schema.Struct({
  category_weights: Schema.Record({ key: Schema.String, value: RiskProfile.CategoryWeight }),
  action_multipliers: Schema.Record({ key: Schema.String, value: Schema.Struct({ multiplier: Points, included: Schema.Boolean }) }),
  thresholds: ThresholdsWire
})

export const RiskProfileRevisionResource = PlainResource("risk_profile_revision", { ...RiskProfile.RiskProfileRevision.fields, rules: RulesWire })

const InstanceRiskWire = Schema.Struct({ total: PointsInt, level: Risk.RiskLevel, peak_level: Risk.RiskLevel })

export const RiskReportWire = Schema.Struct({
  ...RiskReport.fields,
  total: PointsInt,
  thresholds: ThresholdsWire,
  breakdown: Schema.Array(Schema.Struct({ ...Risk.BreakdownEntry.fields, points: PointsInt }))
}).annotations({ identifier: "RiskReport" })

export const VersionRiskWire = Schema.Struct({
  ...VersionRisk.fields,
  theoretical: Schema.Struct({
    ...Risk.TheoreticalRisk.fields,
    total: PointsInt,
    span_types: Schema.Array(Schema.Struct({ schema_name: Schema.String, points: PointsInt }))
  })
}).annotations({ identifier: "VersionRisk" })

const NamedObjects = Schema.Record({ key: Schema.String, value: Schema.Unknown })

/**
 * A run: its record (its quality payloads and its reporter among its fields) plus the risk as the
 * platform shows it (score and levels) and the quality summaries (none: the ledger renders no
 * quality template).
 */
export const InstanceResource = Resource("agent_instance", { ...Instance.Instance.fields, risk: Schema.NullOr(InstanceRiskWire) }, {
  fields: {
    risk_score: Schema.NullOr(Schema.Number),
    risk_level: Schema.NullOr(Risk.RiskLevel),
    peak_risk_level: Schema.NullOr(Risk.RiskLevel),
    quality_summaries: NamedObjects
  },
  derive: (instance) => ({
    risk_score: instance.risk === null ? null : instance.risk.total / 100,
    risk_level: instance.risk?.level ?? null,
    peak_risk_level: instance.risk?.peak_level ?? null,
    quality_summaries: {}
  })
})

export const SpanResource = Resource("agent_span", { ...Span.Span.fields, risk_points: PointsInt }, {
  fields: { risk_score: Schema.Number },
  derive: (span) => ({ risk_score: span.risk_points / 100 })
})

/** A span without its payloads, summary or conformance errors (`GET /agent_instance/{id}/spans`). */
export const SpanOutlineResource = PlainResource("agent_span_outline", { ...SpanOutline.SpanOutline.fields, risk_points: PointsInt })

const HistoryEntry = Schema.Struct(Deployment.DeploymentHistoryEntry.fields)

/** A deployment with its history, flat as the platform shows it. */
export const DeploymentDetailsResource = Schema.transform(
  Schema.Struct({ type: Schema.Literal("agent_deployment"), ...Deployment.Deployment.fields, history: Schema.Array(HistoryEntry) }),
  Schema.Struct({ deployment: Schema.typeSchema(Schema.Struct(Deployment.Deployment.fields)), history: Schema.Array(Schema.typeSchema(HistoryEntry)) }),
  {
    strict: true,
    decode: ({ history, ...deployment }) => ({ deployment, history }),
    encode: ({ deployment, history }) => ({ ...deployment, history, type: "agent_deployment" as const })
  }
).annotations({ identifier: "agent_deployment_with_history" })

const Revision = Schema.Struct({ ...RiskProfile.RiskProfileRevision.fields, rules: RulesWire })

/** A risk profile with its current revision (the rules in force). */
export const RiskProfileDetailsResource = Schema.transform(
  Schema.Struct({ type: Schema.Literal("risk_profile"), ...RiskProfile.RiskProfile.fields, current_revision: Revision }),
  Schema.Struct({ profile: Schema.typeSchema(Schema.Struct(RiskProfile.RiskProfile.fields)), revision: Schema.typeSchema(Revision) }),
  {
    strict: true,
    decode: ({ current_revision, ...profile }) => ({ profile, revision: current_revision }),
    encode: ({ profile, revision }) => ({ ...profile, current_revision: revision, type: "risk_profile" as const })
  }
).annotations({ identifier: "risk_profile_with_revision" })

export const TimelineResource = Schema.Struct({
  instance: InstanceResource,
  spans: Schema.Array(Schema.Struct({ span: SpanResource, depth: Schema.Int }))
}).annotations({ identifier: "timeline" })

/** The overview: counts per agent and in total, and the newest runs needing attention as run resources. */
export const OverviewWire = Schema.Struct({
  ...Overview.Overview.fields,
  recent_attention: Schema.Array(InstanceResource)
}).annotations({ identifier: "Overview" })
