/**
 * What the contract test sends: unique names, an id that names nothing, the docs' support bot
 * schema and the docs' example risk profile rules.
 */
import { supportSchemaJson } from "@agentledger/testkit/core"
import type { Json } from "../json.js"

/** A name no earlier run of the test has used. */
export const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`

/** A well-formed PFID that names nothing. */
export const unknownId = "013xrzp12g3nqk8n0000000000000000"

/** The docs' support bot schema, as a client sends it: `crm:lookup` reads contact data. */
export const supportSchema: Json = supportSchemaJson

/** The docs' example profile: identifiers weigh 8, contact data 4, read data ×1; financial data is not agreed. */
export const profileRules = (thresholds: { readonly medium: number; readonly high: number; readonly critical: number }) => ({
  category_weights: {
    personal_identifiers: { weight: 8, included: true },
    contact_information: { weight: 4, included: true },
    financial_information: { weight: 5, included: false }
  },
  action_multipliers: { read_data: { multiplier: 1, included: true }, external_communication: { multiplier: 1.5, included: true } },
  thresholds
})

/** The thresholds of the profile's second revision, as sent. */
export const sentThresholds = { medium: 10, high: 30, critical: 60 }
