/**
 * Fixed inputs shared by the suites: a page request that holds every item, and the activity
 * schema of the docs' support bot.
 */
import { ActivitySchema } from "@agentledger/domain"
import { Schema } from "effect"

/** Everything of a list in one page (the suites keep lists under 100). */
export const everything = { offset: 0, page_size: 100 } as const

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
