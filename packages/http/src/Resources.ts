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
  Principal,
  Risk,
  RiskProfile,
  SchemaVersion,
  Span
} from "@agentledger/domain"
import { Schema } from "effect"
import { PlainResource, Resource } from "./Envelope.js"

export const AccountResource = PlainResource("account", Account.Account.fields)
export const EnvironmentResource = PlainResource("environment", Environment.Environment.fields)
export const ApiTokenResource = PlainResource("api_token", ApiToken.ApiToken.fields)
export const AgentResource = PlainResource("agent", Agent.Agent.fields)
export const AgentVersionResource = PlainResource("agent_version", AgentVersion.AgentVersion.fields)
export const SchemaVersionResource = PlainResource("agent_schema_version", SchemaVersion.SchemaVersion.fields)
export const DeploymentResource = PlainResource("agent_deployment", Deployment.Deployment.fields)
export const RiskProfileResource = PlainResource("risk_profile", RiskProfile.RiskProfile.fields)
export const RiskProfileRevisionResource = PlainResource("risk_profile_revision", RiskProfile.RiskProfileRevision.fields)
export const PrincipalResource = PlainResource("principal", Principal.fields)

const NamedObjects = Schema.Record({ key: Schema.String, value: Schema.Unknown })

/** A run: its record plus the risk as the platform shows it (score in points) and the quality maps. */
export const InstanceResource = Resource("agent_instance", Instance.Instance.fields, {
  fields: {
    risk_score: Schema.NullOr(Schema.Number),
    risk_level: Schema.NullOr(Risk.RiskLevel),
    peak_risk_level: Schema.NullOr(Risk.RiskLevel),
    quality_payloads: NamedObjects,
    quality_summaries: NamedObjects
  },
  derive: (instance) => ({
    risk_score: instance.risk === null ? null : instance.risk.total / 100,
    risk_level: instance.risk?.level ?? null,
    peak_risk_level: instance.risk?.peak_level ?? null,
    quality_payloads: {},
    quality_summaries: {}
  })
})

export const SpanResource = Resource("agent_span", Span.Span.fields, {
  fields: { risk_score: Schema.Number },
  derive: (span) => ({ risk_score: span.risk_points / 100 })
})

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

const Revision = Schema.Struct(RiskProfile.RiskProfileRevision.fields)

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
