/**
 * Fixed inputs shared by the suites: a page request that holds every item, the risk profile of
 * the docs' example, the activity schema of the docs' support bot (as a client sends it and
 * decoded), and the command that registers a run of it.
 */
import { ActivitySchema, type Commands, type Ids } from "@agentledger/domain"
import { Schema } from "effect"

/** Everything of a list in one page (the suites keep lists under 100). */
export const everything = { offset: 0, page_size: 100 } as const

/** The rules of the documented example (docs/domain.md, "Risk scoring"): weights 8 and 4, read multiplier 1.0 (so a span reading both scores 12). */
export const docsProfile: Commands.CreateRiskProfile = {
  name: "Customer data",
  category_weights: { personal_identifiers: { weight: 8, included: true }, contact_information: { weight: 4, included: true } },
  action_multipliers: { read_data: { multiplier: 1, included: true } },
  thresholds: { medium: 20, high: 50, critical: 100 }
}

/** The activity schema of the docs' support bot, as a client sends it: four declared types, one that reads customer data. */
export const supportSchemaJson = {
  external_identifier: "support-bot-schema-1",
  span_type_schemas: [
    { name: "agent", params_schema: { type: "object" } },
    {
      name: "crm:lookup",
      params_schema: { type: "object", properties: { customer_id: { type: "string" } }, required: ["customer_id"] },
      result_schema: { type: "object", properties: { email: { type: "string" } }, required: ["email"] },
      data_risk: {
        action_profile: { read_data: "allowed" },
        result_data_categories: { personal_identifiers: "included", contact_information: "included" }
      }
    },
    {
      name: "payments:charge",
      params_schema: { type: "object", properties: { amount: { type: "number" } }, required: ["amount"] },
      data_risk: { action_profile: { read_data: "allowed" }, params_data_categories: { financial_information: "included" } }
    },
    { name: "llm", params_schema: { type: "object", required: ["prompt"] } }
  ]
} as const

/** The activity schema of the docs' support bot, decoded. */
export const supportSchema: ActivitySchema.ActivitySchemaInput = Schema.decodeUnknownSync(ActivitySchema.ActivitySchemaInput)(supportSchemaJson)

/** What a run registers besides its agent and environment; each part has a default. */
export interface RunContent {
  /** Default: version 1.0.0 of the support bot. */
  readonly version?: Commands.RegisterRun["agent_version"]
  /** Default: the support bot's schema. */
  readonly schema?: Commands.RegisterRun["agent_schema_version"]
  /** Default: true (the run moves its deployment's pointer). */
  readonly update_current_version?: boolean
  /** Default: a live run. */
  readonly purpose?: Commands.RegisterRun["purpose"]
}

/** The command that registers a run of `agent` in `environment`. */
export const runCommand = (agent: Ids.AgentId, environment: Ids.EnvironmentId, content: RunContent = {}): Commands.RegisterRun => ({
  agent_id: agent,
  environment_id: environment,
  agent_version: content.version ?? { external_identifier: "1.0.0", name: "Support bot" },
  agent_schema_version: content.schema ?? supportSchema,
  update_current_version: content.update_current_version ?? true,
  purpose: content.purpose ?? "live"
})
