/**
 * What a span type declares about the data it touches (`data_risk`): six actions, seventeen
 * data categories for its params and for its results, and a classification. Declarations come
 * from the activity schema, never from sniffing payloads. Every omitted flag means `unknown`.
 */
import { Schema } from "effect"

export const actions = [
  "create_data",
  "read_data",
  "update_data",
  "destroy_data",
  "financial_transactions",
  "external_communication"
] as const
export const Action = Schema.Literal(...actions)
export type Action = typeof Action.Type

export const categories = [
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
] as const
export const Category = Schema.Literal(...categories)
export type Category = typeof Category.Type

export const ActionPermission = Schema.Literal("allowed", "disallowed", "unknown")
export type ActionPermission = typeof ActionPermission.Type

export const CategoryFlag = Schema.Literal("included", "excluded", "unknown")
export type CategoryFlag = typeof CategoryFlag.Type

/** Ordered least to most sensitive. */
export const classifications = ["unknown", "public", "internal", "confidential", "restricted", "secret"] as const
export const Classification = Schema.Literal(...classifications)
export type Classification = typeof Classification.Type

const actionFlag = Schema.optionalWith(ActionPermission, { default: () => "unknown" as const, exact: true })
const categoryFlag = Schema.optionalWith(CategoryFlag, { default: () => "unknown" as const, exact: true })

const actionFields = {
  create_data: actionFlag,
  read_data: actionFlag,
  update_data: actionFlag,
  destroy_data: actionFlag,
  financial_transactions: actionFlag,
  external_communication: actionFlag
}

/** Decoding fills every omitted action with `unknown`. */
export const ActionProfile = Schema.Struct(actionFields).annotations({ identifier: "ActionProfile" })
export type ActionProfile = typeof ActionProfile.Type

const categoryFields = {
  classification: Schema.optionalWith(Classification, { default: () => "unknown" as const, exact: true }),
  personal_identifiers: categoryFlag,
  contact_information: categoryFlag,
  financial_information: categoryFlag,
  health_and_medical: categoryFlag,
  criminal_justice: categoryFlag,
  authentication_and_secrets: categoryFlag,
  organisational_confidential: categoryFlag,
  minors_data: categoryFlag,
  location_and_tracking: categoryFlag,
  behavioural_and_inferred: categoryFlag,
  gdpr_racial_or_ethnic_origin: categoryFlag,
  gdpr_political_opinions: categoryFlag,
  gdpr_religious_or_philosophical_beliefs: categoryFlag,
  gdpr_trade_union_membership: categoryFlag,
  gdpr_genetic_data: categoryFlag,
  gdpr_biometric_for_identification: categoryFlag,
  gdpr_sex_life_or_sexual_orientation: categoryFlag
}

/** Decoding fills every omitted category with `unknown` and the classification with `unknown`. */
export const DataCategories = Schema.Struct(categoryFields).annotations({ identifier: "DataCategories" })
export type DataCategories = typeof DataCategories.Type

export const DataRisk = Schema.Struct({
  action_profile: Schema.optionalWith(ActionProfile, { default: () => unknownActions, exact: true }),
  params_data_categories: Schema.optionalWith(DataCategories, { default: () => unknownCategories, exact: true }),
  result_data_categories: Schema.optionalWith(DataCategories, { default: () => unknownCategories, exact: true })
}).annotations({ identifier: "DataRisk" })
export type DataRisk = typeof DataRisk.Type

/** Every action `unknown`. */
export const unknownActions: ActionProfile = Schema.decodeSync(ActionProfile)({})
/** Every category and the classification `unknown`. */
export const unknownCategories: DataCategories = Schema.decodeSync(DataCategories)({})
/** Nothing declared. */
export const unknownDataRisk: DataRisk = Schema.decodeSync(DataRisk)({})

/** The categories a type declares `included`, in params or result, each once. */
export const includedCategories = (risk: DataRisk): ReadonlyArray<Category> =>
  categories.filter((c) => risk.params_data_categories[c] === "included" || risk.result_data_categories[c] === "included")

/** The actions a type declares `allowed`. */
export const allowedActions = (risk: DataRisk): ReadonlyArray<Action> =>
  actions.filter((a) => risk.action_profile[a] === "allowed")
