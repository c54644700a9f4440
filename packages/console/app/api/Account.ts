/**
 * What belongs to the account as the console reads it: the caller (principal), environments,
 * API tokens, risk profiles with their revisions, and the overview's counts.
 */
import type { Reader } from "./Read.js"
import { type Instance, instance, type Thresholds, thresholds } from "./Runs.js"

export interface Principal {
  readonly account_id: string
  readonly token_id: string
  readonly token_scope: "account" | "agent_deployment"
  readonly agent_id: string | null
  readonly environment_id: string | null
  readonly agent_deployment_id: string | null
}

export const principal = (r: Reader): Principal => ({
  account_id: r.string("account_id"),
  token_id: r.string("token_id"),
  token_scope: r.oneOf("token_scope", ["account", "agent_deployment"]),
  agent_id: r.nullableString("agent_id"),
  environment_id: r.nullableString("environment_id"),
  agent_deployment_id: r.nullableString("agent_deployment_id")
})

export const environmentPurposes = ["development", "staging", "testing", "production"] as const
export type EnvironmentPurpose = (typeof environmentPurposes)[number]

export interface Environment {
  readonly id: string
  readonly name: string
  readonly purpose: EnvironmentPurpose
  readonly description: string | null
  readonly inserted_at: string
}

export const environment = (r: Reader): Environment => ({
  id: r.string("id"),
  name: r.string("name"),
  purpose: r.oneOf("purpose", environmentPurposes),
  description: r.nullableString("description"),
  inserted_at: r.string("inserted_at")
})

export const tokenStatuses = ["active", "suspended", "revoked"] as const
export type TokenStatus = (typeof tokenStatuses)[number]

export interface ApiToken {
  readonly id: string
  readonly token_scope: "account" | "agent_deployment"
  readonly agent_deployment_id: string | null
  readonly agent_id: string | null
  readonly environment_id: string | null
  readonly status: TokenStatus
  readonly expires_at: string | null
  readonly last_used_at: string | null
  readonly inserted_at: string
}

export const apiToken = (r: Reader): ApiToken => ({
  id: r.string("id"),
  token_scope: r.oneOf("token_scope", ["account", "agent_deployment"]),
  agent_deployment_id: r.nullableString("agent_deployment_id"),
  agent_id: r.nullableString("agent_id"),
  environment_id: r.nullableString("environment_id"),
  status: r.oneOf("status", tokenStatuses),
  expires_at: r.nullableString("expires_at"),
  last_used_at: r.nullableString("last_used_at"),
  inserted_at: r.string("inserted_at")
})

/** A created token: the record, and its secret, which the API shows this once. */
export interface CreatedToken {
  readonly token: ApiToken
  readonly secret: string | null
}

const placeholderToken: ApiToken = {
  id: "",
  token_scope: "account",
  agent_deployment_id: null,
  agent_id: null,
  environment_id: null,
  status: "active",
  expires_at: null,
  last_used_at: null,
  inserted_at: ""
}

export const createdToken = (r: Reader): CreatedToken => ({ token: r.object("details", apiToken, placeholderToken), secret: r.nullableString("token") })

export interface RiskRules {
  readonly category_weights: ReadonlyArray<readonly [string, { readonly weight: number; readonly included: boolean }]>
  readonly action_multipliers: ReadonlyArray<readonly [string, { readonly multiplier: number; readonly included: boolean }]>
  readonly thresholds: Thresholds
}

export interface RiskProfileRevision {
  readonly id: string
  readonly revision: number
  readonly rules: RiskRules
  readonly inserted_at: string
}

export const riskProfileRevision = (r: Reader): RiskProfileRevision => ({
  id: r.string("id"),
  revision: r.number("revision"),
  rules: r.object("rules", (rules) => ({
    category_weights: rules.entries("category_weights", (c) => ({ weight: c.number("weight"), included: c.boolean("included") })),
    action_multipliers: rules.entries("action_multipliers", (a) => ({ multiplier: a.number("multiplier"), included: a.boolean("included") })),
    thresholds: rules.object("thresholds", thresholds, { medium: 0, high: 0, critical: 0 })
  }), { category_weights: [], action_multipliers: [], thresholds: { medium: 0, high: 0, critical: 0 } }),
  inserted_at: r.string("inserted_at")
})

export interface RiskProfile {
  readonly id: string
  readonly name: string
  readonly description: string | null
  readonly current_revision_id: string
  readonly revision: number
  readonly inserted_at: string
  readonly updated_at: string
}

export const riskProfile = (r: Reader): RiskProfile => ({
  id: r.string("id"),
  name: r.string("name"),
  description: r.nullableString("description"),
  current_revision_id: r.string("current_revision_id"),
  revision: r.number("revision"),
  inserted_at: r.string("inserted_at"),
  updated_at: r.string("updated_at")
})

export interface RiskProfileDetails extends RiskProfile {
  readonly current_revision: RiskProfileRevision
}

export const riskProfileDetails = (r: Reader): RiskProfileDetails => ({
  ...riskProfile(r),
  current_revision: r.object("current_revision", riskProfileRevision, {
    id: "",
    revision: 0,
    rules: { category_weights: [], action_multipliers: [], thresholds: { medium: 0, high: 0, critical: 0 } },
    inserted_at: ""
  })
})

/** Runs by risk level, with `none` for runs without a profile. */
export type LevelCounts = Readonly<Record<string, number>>

export interface OverviewAgent {
  readonly agent_id: string
  readonly name: string
  readonly status: string
  readonly runs_by_status: Readonly<Record<string, number>>
  readonly runs_by_risk_level: LevelCounts
  readonly flagged_runs: number
}

export interface Overview {
  readonly since: string
  readonly agents: ReadonlyArray<OverviewAgent>
  readonly runs_by_status: Readonly<Record<string, number>>
  readonly runs_by_risk_level: LevelCounts
  readonly flagged_runs: number
  readonly recent_attention: ReadonlyArray<Instance>
}

export const overview = (r: Reader): Overview => ({
  since: r.string("since"),
  agents: r.array("agents", (a) => ({
    agent_id: a.string("agent_id"),
    name: a.string("name"),
    status: a.string("status"),
    runs_by_status: a.numbers("runs_by_status"),
    runs_by_risk_level: a.numbers("runs_by_risk_level"),
    flagged_runs: a.number("flagged_runs")
  })),
  runs_by_status: r.numbers("runs_by_status"),
  runs_by_risk_level: r.numbers("runs_by_risk_level"),
  flagged_runs: r.number("flagged_runs"),
  recent_attention: r.array("recent_attention", instance)
})
