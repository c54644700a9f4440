/**
 * Fixed inputs shared by the suites: a page request that holds every item, the risk profile of
 * the docs' example and the activity schema of the docs' support bot.
 */
import { ActivitySchema, type Commands } from "@agentledger/domain"
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

/** The activity schema of the docs' support bot: three declared types, one that reads customer data. */
export const supportSchema: ActivitySchema.ActivitySchemaInput = Schema.decodeUnknownSync(ActivitySchema.ActivitySchemaInput)({
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
})
