/**
 * The reference's risk (the Prefactor platform's API): risk profiles and their revisions' rules, a run's risk
 * report that reconciles to its total, and a version's theoretical risk with its agreed-risk
 * violations.
 * (Reference Schemas: see fields.ts for where they come from and why nothing here is imported
 * from packages/http.)
 */
import { Schema } from "effect"
import { Count, Pfid, RiskLevel, Timestamp } from "./fields.js"

/** the Prefactor platform's API: category flags, the six actions, weights 0–10, multipliers (1 neutral), ascending thresholds. */
const categories = [
  "personal_identifiers",
  "contact_information",
  "financial_information",
  "health_and_medical",
  "criminal_justice",
  "authentication_and_secrets",
  "organisational_confidential",
  "minors_data",
  "location_and_tracking",
  "behavioural_and_inferred",
  "gdpr_racial_or_ethnic_origin",
  "gdpr_political_opinions",
  "gdpr_religious_or_philosophical_beliefs",
  "gdpr_trade_union_membership",
  "gdpr_genetic_data",
  "gdpr_biometric_for_identification",
  "gdpr_sex_life_or_sexual_orientation"
]
const actions = ["create_data", "read_data", "update_data", "destroy_data", "financial_transactions", "external_communication"]

const keysAmong = (known: ReadonlyArray<string>) => (record: { readonly [key: string]: unknown }) =>
  Object.keys(record).every((key) => known.includes(key)) || `keys outside ${known.join(", ")}`

const RiskRules = Schema.Struct({
  category_weights: Schema.Record({
    key: Schema.String,
    value: Schema.Struct({ weight: Schema.Int.pipe(Schema.between(0, 10)), included: Schema.Boolean })
  }).pipe(Schema.filter(keysAmong(categories))),
  action_multipliers: Schema.Record({
    key: Schema.String,
    value: Schema.Struct({ multiplier: Schema.Number.pipe(Schema.nonNegative()), included: Schema.Boolean })
  }).pipe(Schema.filter(keysAmong(actions))),
  thresholds: Schema.Struct({ medium: Schema.Number, high: Schema.Number, critical: Schema.Number }).pipe(
    Schema.filter(({ critical, high, medium }) => (medium > 0 && high > medium && critical > high) || "thresholds must ascend: 0 < medium < high < critical")
  )
}).annotations({ identifier: "RiskRules" })

export const RiskProfileRevision = Schema.Struct({
  type: Schema.optional(Schema.String),
  id: Pfid,
  risk_profile_id: Pfid,
  revision: Schema.Int.pipe(Schema.positive()),
  rules: RiskRules,
  inserted_at: Timestamp
}).annotations({ identifier: "RiskProfileRevision" })

export const RiskProfile = Schema.Struct({
  type: Schema.Literal("risk_profile"),
  id: Pfid,
  account_id: Pfid,
  name: Schema.String,
  description: Schema.NullOr(Schema.String),
  inserted_at: Timestamp,
  updated_at: Timestamp
}).annotations({ identifier: "RiskProfile" })

/** docs/http.md: a risk profile's details carry `current_revision`. */
export const RiskProfileWithRevision = Schema.Struct({ ...RiskProfile.fields, current_revision: RiskProfileRevision }).annotations({
  identifier: "RiskProfileWithRevision"
})

/** the Prefactor platform's API: thresholds, and a breakdown per contributing span type that reconciles to the total. */
export const RiskReport = Schema.Struct({
  total: Schema.Number,
  level: RiskLevel,
  peak_level: RiskLevel,
  thresholds: Schema.Struct({ medium: Schema.Number, high: Schema.Number, critical: Schema.Number }),
  breakdown: Schema.Array(Schema.Struct({
    schema_name: Schema.String,
    span_count: Count,
    share: Schema.Number.pipe(Schema.between(0, 1)),
    points: Schema.Number
  }))
}).pipe(
  Schema.filter((report) =>
    report.breakdown.reduce((sum, entry) => sum + entry.points, 0) === report.total ||
    "the breakdown's points do not sum to the total"
  )
)

/** the Prefactor platform's API and docs/http.md: a version's theoretical risk and its agreed-risk violations. */
export const VersionRisk = Schema.Struct({
  theoretical: Schema.Struct({
    total: Schema.Number,
    level: RiskLevel,
    span_types: Schema.Array(Schema.Struct({ schema_name: Schema.String, points: Schema.Number }))
  }),
  violations: Schema.Array(Schema.Struct({ schema_name: Schema.String, kind: Schema.String, key: Schema.String }))
}).annotations({ identifier: "VersionRisk" })
