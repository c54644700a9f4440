/**
 * Agents as the console reads them: the agent with what may be done with it now, its versions and
 * schema versions (with their span type definitions), a version's theoretical risk and agreed-risk
 * violations, and its deployments with their history.
 */
import type { Reader } from "./Read.js"
import { type RiskLevel, riskLevels } from "./Runs.js"

export const agentStatuses = ["pending", "active", "dormant", "retired"] as const
export type AgentStatus = (typeof agentStatuses)[number]

export interface Agent {
  readonly id: string
  readonly name: string
  readonly description: string | null
  readonly external_identifier: string | null
  readonly status: AgentStatus
  readonly risk_profile_id: string | null
  readonly last_run_at: string | null
  readonly inserted_at: string
  readonly updated_at: string
  readonly available_actions: { readonly update: boolean; readonly retire: boolean; readonly reinstate: boolean; readonly delete: boolean }
  /** The agent's runs by status, when asked for (`include_counts=true`). */
  readonly instance_counts?: Readonly<Record<string, number>> | undefined
}

export const agent = (r: Reader): Agent => ({
  id: r.string("id"),
  name: r.string("name"),
  description: r.nullableString("description"),
  external_identifier: r.nullableString("external_identifier"),
  status: r.oneOf("status", agentStatuses),
  risk_profile_id: r.nullableString("risk_profile_id"),
  last_run_at: r.nullableString("last_run_at"),
  inserted_at: r.string("inserted_at"),
  updated_at: r.string("updated_at"),
  available_actions: r.object("available_actions", (a) => ({
    update: a.boolean("update"),
    retire: a.boolean("retire"),
    reinstate: a.boolean("reinstate"),
    delete: a.boolean("delete")
  }), { update: false, retire: false, reinstate: false, delete: false }),
  instance_counts: r.has("instance_counts") ? r.numbers("instance_counts") : undefined
})

export interface DeploymentRef {
  readonly agent_deployment_id: string
  readonly environment_id: string
}

const deploymentRef = (r: Reader): DeploymentRef => ({ agent_deployment_id: r.string("agent_deployment_id"), environment_id: r.string("environment_id") })

export interface AgentVersion {
  readonly id: string
  readonly sequence: number
  readonly external_identifier: string | null
  readonly name: string | null
  readonly description: string | null
  readonly agent_schema_version_id: string
  readonly fingerprint: string
  readonly inserted_at: string
  readonly current_agent_deployment_refs: ReadonlyArray<DeploymentRef>
  readonly external_identifier_repeats: number
}

export const agentVersion = (r: Reader): AgentVersion => ({
  id: r.string("id"),
  sequence: r.number("sequence"),
  external_identifier: r.nullableString("external_identifier"),
  name: r.nullableString("name"),
  description: r.nullableString("description"),
  agent_schema_version_id: r.string("agent_schema_version_id"),
  fingerprint: r.string("fingerprint"),
  inserted_at: r.string("inserted_at"),
  current_agent_deployment_refs: r.array("current_agent_deployment_refs", deploymentRef),
  external_identifier_repeats: r.number("external_identifier_repeats")
})

export interface SpanTypeDefinition {
  readonly name: string
  readonly title: string
  readonly description: string | null
  readonly params_schema: unknown
  readonly result_schema: unknown
  /** What the type declares; the contract lets the server leave out a part that declares nothing. */
  readonly data_risk: {
    readonly action_profile?: Readonly<Record<string, string>> | undefined
    readonly params_data_categories?: Readonly<Record<string, string>> | undefined
    readonly result_data_categories?: Readonly<Record<string, string>> | undefined
  }
}

export const spanTypeDefinition = (r: Reader): SpanTypeDefinition => ({
  name: r.string("name"),
  title: r.string("title"),
  description: r.nullableString("description"),
  params_schema: r.json("params_schema"),
  result_schema: r.json("result_schema"),
  data_risk: r.object("data_risk", (d) => ({
    action_profile: d.has("action_profile") ? d.texts("action_profile") : undefined,
    params_data_categories: d.has("params_data_categories") ? d.texts("params_data_categories") : undefined,
    result_data_categories: d.has("result_data_categories") ? d.texts("result_data_categories") : undefined
  }), { action_profile: undefined, params_data_categories: undefined, result_data_categories: undefined })
})

export interface SchemaVersion {
  readonly id: string
  readonly sequence: number
  readonly external_identifier: string | null
  readonly span_type_schemas: ReadonlyArray<readonly [string, SpanTypeDefinition]>
  /** Whether each definition compiled, by span type: shown as the server reports it. */
  readonly definition_checks: unknown
  readonly fingerprint: string
  readonly inserted_at: string
  readonly current_agent_deployment_refs: ReadonlyArray<DeploymentRef>
}

export const schemaVersion = (r: Reader): SchemaVersion => ({
  id: r.string("id"),
  sequence: r.number("sequence"),
  external_identifier: r.nullableString("external_identifier"),
  span_type_schemas: r.entries("span_type_schemas", spanTypeDefinition),
  definition_checks: r.json("definition_checks"),
  fingerprint: r.string("fingerprint"),
  inserted_at: r.string("inserted_at"),
  current_agent_deployment_refs: r.array("current_agent_deployment_refs", deploymentRef)
})

export interface Violation {
  readonly schema_name: string
  readonly kind: "action" | "params_category" | "result_category"
  readonly key: string
}

export interface VersionRisk {
  readonly profile_revision_id: string
  readonly theoretical: { readonly total: number; readonly level: RiskLevel; readonly span_types: ReadonlyArray<{ readonly schema_name: string; readonly points: number }> }
  readonly violations: ReadonlyArray<Violation>
}

export const versionRisk = (r: Reader): VersionRisk => ({
  profile_revision_id: r.string("profile_revision_id"),
  theoretical: r.object("theoretical", (t) => ({
    total: t.number("total"),
    level: t.oneOf("level", riskLevels),
    span_types: t.array("span_types", (s) => ({ schema_name: s.string("schema_name"), points: s.number("points") }))
  }), { total: 0, level: "low", span_types: [] }),
  violations: r.array("violations", (v) => ({
    schema_name: v.string("schema_name"),
    kind: v.oneOf("kind", ["action", "params_category", "result_category"]),
    key: v.string("key")
  }))
})

export interface Deployment {
  readonly id: string
  readonly agent_id: string
  readonly environment_id: string
  readonly current_version_id: string | null
  readonly inserted_at: string
  readonly updated_at: string
}

export const deployment = (r: Reader): Deployment => ({
  id: r.string("id"),
  agent_id: r.string("agent_id"),
  environment_id: r.string("environment_id"),
  current_version_id: r.nullableString("current_version_id"),
  inserted_at: r.string("inserted_at"),
  updated_at: r.string("updated_at")
})

export interface HistoryEntry {
  readonly from_version_id: string | null
  readonly to_version_id: string | null
  readonly cause: string
  readonly changed_at: string
}

export interface DeploymentDetails extends Deployment {
  readonly history: ReadonlyArray<HistoryEntry>
}

export const deploymentDetails = (r: Reader): DeploymentDetails => ({
  ...deployment(r),
  history: r.array("history", (h) => ({
    from_version_id: h.nullableString("from_version_id"),
    to_version_id: h.nullableString("to_version_id"),
    cause: h.string("cause"),
    changed_at: h.string("changed_at")
  }))
})
