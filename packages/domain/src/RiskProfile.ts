/**
 * Risk profiles: per data category a weight (integer 0–10) and an include flag, per action a
 * multiplier (decimal ≥ 0, at most two decimals, neutral 1) and an include flag, and thresholds
 * `0 < medium < high < critical`. Every edit creates a new immutable revision; an instance
 * records the revision it was scored with, so history never changes retroactively.
 *
 * Inside the domain every decimal is an integer count of hundredths, so scoring is exact and
 * identical in every adapter.
 */
import { type DateTime, Either, Option, Schema } from "effect"
import { Actor } from "./Audit.js"
import { type Action, actions, type Category, categories } from "./DataRisk.js"
import { InvalidAction, InvalidInput } from "./Errors.js"
import { AccountId, RiskProfileId, RiskProfileRevisionId } from "./Ids.js"

/** An exact decimal as an integer number of hundredths (1.25 is 125). */
export const Hundredths = Schema.Int.pipe(Schema.brand("Hundredths"))
export type Hundredths = typeof Hundredths.Type

export const toHundredths = (value: number): Hundredths => Hundredths.make(Math.round(value * 100), true)
export const fromHundredths = (value: number): number => value / 100

export const maxMultiplier = 1000
export const maxThreshold = 1_000_000_000_000

/** What a client sends: plain numbers, checked by `validateRules`. */
export const RiskRulesInput = Schema.Struct({
  category_weights: Schema.optionalWith(
    Schema.Record({ key: Schema.String, value: Schema.Struct({ weight: Schema.Number, included: Schema.Boolean }) }),
    { default: () => ({}), exact: true }
  ),
  action_multipliers: Schema.optionalWith(
    Schema.Record({ key: Schema.String, value: Schema.Struct({ multiplier: Schema.Number, included: Schema.Boolean }) }),
    { default: () => ({}), exact: true }
  ),
  thresholds: Schema.Struct({ medium: Schema.Number, high: Schema.Number, critical: Schema.Number })
}).annotations({ identifier: "RiskRulesInput" })
export type RiskRulesInput = typeof RiskRulesInput.Type

export const CategoryWeight = Schema.Struct({
  weight: Schema.Int.pipe(Schema.between(0, 10)),
  included: Schema.Boolean
})
export type CategoryWeight = typeof CategoryWeight.Type

export const ActionMultiplier = Schema.Struct({ multiplier: Hundredths, included: Schema.Boolean })
export type ActionMultiplier = typeof ActionMultiplier.Type

export const Thresholds = Schema.Struct({ medium: Hundredths, high: Hundredths, critical: Hundredths })
export type Thresholds = typeof Thresholds.Type

/** Validated rules: every category and action present, decimals in hundredths. */
export const RiskRules = Schema.Struct({
  category_weights: Schema.Record({ key: Schema.String, value: CategoryWeight }),
  action_multipliers: Schema.Record({ key: Schema.String, value: ActionMultiplier }),
  thresholds: Thresholds
}).annotations({ identifier: "RiskRules" })
export type RiskRules = typeof RiskRules.Type

/** An omitted category is excluded with weight 0: nothing is agreed unless it is named. */
export const defaultCategoryWeight: CategoryWeight = { weight: 0, included: false }
/** An omitted action is included and neutral: multipliers are the advanced setting. */
export const defaultActionMultiplier: ActionMultiplier = { multiplier: Hundredths.make(100), included: true }

const hasAtMostTwoDecimals = (value: number): boolean =>
  Number.isFinite(value) && Number(value.toFixed(2)) === value

const knownCategories: ReadonlySet<string> = new Set(categories)
const knownActions: ReadonlySet<string> = new Set(actions)

/**
 * Accepts exactly the valid profiles: weights integers 0–10, multipliers 0–1000 with at most
 * two decimals, thresholds with at most two decimals and `0 < medium < high < critical`, and
 * only the known category and action names. Every broken rule is reported, by field.
 */
export const validateRules = (input: RiskRulesInput): Either.Either<RiskRules, InvalidInput> => {
  const errors: Record<string, Array<string>> = {}
  const complain = (field: string, message: string) => {
    ;(errors[field] ??= []).push(message)
  }
  const category_weights: Record<string, CategoryWeight> = {}
  for (const category of categories) category_weights[category] = defaultCategoryWeight
  for (const [key, value] of Object.entries(input.category_weights)) {
    if (!knownCategories.has(key)) complain(`category_weights.${key}`, "is not a data category")
    else if (!Number.isInteger(value.weight) || value.weight < 0 || value.weight > 10) {
      complain(`category_weights.${key}.weight`, "must be an integer from 0 to 10")
    } else category_weights[key] = { weight: value.weight, included: value.included }
  }
  const action_multipliers: Record<string, ActionMultiplier> = {}
  for (const action of actions) action_multipliers[action] = defaultActionMultiplier
  for (const [key, value] of Object.entries(input.action_multipliers)) {
    if (!knownActions.has(key)) complain(`action_multipliers.${key}`, "is not an action")
    else if (!hasAtMostTwoDecimals(value.multiplier) || value.multiplier < 0 || value.multiplier > maxMultiplier) {
      complain(`action_multipliers.${key}.multiplier`, `must be from 0 to ${maxMultiplier} with at most two decimals`)
    } else action_multipliers[key] = { multiplier: toHundredths(value.multiplier), included: value.included }
  }
  const { critical, high, medium } = input.thresholds
  for (const [name, value] of [["medium", medium], ["high", high], ["critical", critical]] as const) {
    if (!hasAtMostTwoDecimals(value) || value <= 0 || value > maxThreshold) {
      complain(`thresholds.${name}`, `must be above 0 and at most ${maxThreshold}, with at most two decimals`)
    }
  }
  if (!(medium < high)) complain("thresholds.high", "must be above medium")
  if (!(high < critical)) complain("thresholds.critical", "must be above high")
  if (Object.keys(errors).length > 0) {
    return Either.left(new InvalidInput({ message: "the risk profile is not valid", errors }))
  }
  return Either.right({
    category_weights,
    action_multipliers,
    thresholds: { medium: toHundredths(medium), high: toHundredths(high), critical: toHundredths(critical) }
  })
}

export const weightOf = (rules: RiskRules, category: Category): CategoryWeight =>
  rules.category_weights[category] ?? defaultCategoryWeight

export const multiplierOf = (rules: RiskRules, action: Action): ActionMultiplier =>
  rules.action_multipliers[action] ?? defaultActionMultiplier

/** A risk profile: its identity, display fields and the revision in force. */
export class RiskProfile extends Schema.Class<RiskProfile>("RiskProfile")({
  id: RiskProfileId,
  account_id: AccountId,
  name: Schema.String,
  description: Schema.NullOr(Schema.String),
  current_revision_id: RiskProfileRevisionId,
  revision: Schema.Int,
  deleted_at: Schema.NullOr(Schema.DateTimeUtc),
  inserted_at: Schema.DateTimeUtc,
  updated_at: Schema.DateTimeUtc
}) {}

/** One immutable revision of a profile's rules. */
export class RiskProfileRevision extends Schema.Class<RiskProfileRevision>("RiskProfileRevision")({
  id: RiskProfileRevisionId,
  account_id: AccountId,
  risk_profile_id: RiskProfileId,
  revision: Schema.Int,
  rules: RiskRules,
  inserted_at: Schema.DateTimeUtc,
  /** Who wrote the revision (null for one written before the ledger kept actors). */
  created_by: Schema.NullOr(Actor)
}) {}

/** Profile names: 1–128 characters after trimming. */
export const validateProfileName = (name: string): Either.Either<string, InvalidInput> => {
  const trimmed = name.trim()
  return trimmed.length >= 1 && trimmed.length <= 128
    ? Either.right(trimmed)
    : Either.left(InvalidInput.field("name", "must be 1–128 characters"))
}

/** A deleted profile scores no new instance; its revisions stay for the audit trail. */
export const activeRevision = (profile: RiskProfile): Option.Option<RiskProfileRevisionId> =>
  profile.deleted_at === null ? Option.some(profile.current_revision_id) : Option.none()

/** A profile with its revision in force, as create and edit answer. */
export interface Revised {
  readonly profile: RiskProfile
  readonly revision: RiskProfileRevision
}

const revisionOf = (
  profile: RiskProfileId,
  fields: {
    readonly id: RiskProfileRevisionId
    readonly account_id: AccountId
    readonly revision: number
    readonly rules: RiskRules
    readonly created_by: Actor | null
  },
  now: DateTime.Utc
): RiskProfileRevision =>
  new RiskProfileRevision({
    id: fields.id,
    account_id: fields.account_id,
    risk_profile_id: profile,
    revision: fields.revision,
    rules: fields.rules,
    inserted_at: now,
    created_by: fields.created_by
  }, true)

/** A new profile and its revision 1, from a validated name and rules. */
export const create = (
  fields: {
    readonly id: RiskProfileId
    readonly revision_id: RiskProfileRevisionId
    readonly account_id: AccountId
    readonly name: string
    readonly description?: string | null | undefined
    readonly rules: RiskRules
    /** Who creates the profile (its first revision's author). */
    readonly created_by?: Actor | null | undefined
  },
  now: DateTime.Utc
): Revised => {
  const revision = revisionOf(
    fields.id,
    { id: fields.revision_id, account_id: fields.account_id, revision: 1, rules: fields.rules, created_by: fields.created_by ?? null },
    now
  )
  const profile = new RiskProfile({
    id: fields.id,
    account_id: fields.account_id,
    name: fields.name,
    description: fields.description ?? null,
    current_revision_id: revision.id,
    revision: 1,
    deleted_at: null,
    inserted_at: now,
    updated_at: now
  }, true)
  return { profile, revision }
}

/** A deleted profile is neither edited nor deleted again: it stays as the audit trail left it. */
export const checkChangeable = (profile: RiskProfile, action: "edit" | "delete"): Either.Either<void, InvalidAction> =>
  profile.deleted_at === null
    ? Either.void
    : Either.left(new InvalidAction({ entity: "risk_profile", id: profile.id, action, status: "deleted" }))

/**
 * An edit: the next revision holds the whole new rule set and becomes current; an omitted name
 * or description stays (a null description clears it). Name and rules come validated.
 */
export const revise = (
  profile: RiskProfile,
  fields: {
    readonly revision_id: RiskProfileRevisionId
    readonly name?: string | undefined
    readonly description?: string | null | undefined
    readonly rules: RiskRules
    /** Who edits the profile (the new revision's author). */
    readonly created_by?: Actor | null | undefined
  },
  now: DateTime.Utc
): Either.Either<Revised, InvalidAction> =>
  Either.map(checkChangeable(profile, "edit"), () => {
    const revision = revisionOf(
      profile.id,
      {
        id: fields.revision_id,
        account_id: profile.account_id,
        revision: profile.revision + 1,
        rules: fields.rules,
        created_by: fields.created_by ?? null
      },
      now
    )
    return {
      profile: new RiskProfile({
        ...profile,
        name: fields.name ?? profile.name,
        description: fields.description === undefined ? profile.description : fields.description,
        current_revision_id: revision.id,
        revision: revision.revision,
        updated_at: now
      }, true),
      revision
    }
  })

/** Deletes a profile: it scores no new instance from now on; its revisions and past scores stay. */
export const remove = (profile: RiskProfile, now: DateTime.Utc): Either.Either<RiskProfile, InvalidAction> =>
  Either.map(checkChangeable(profile, "delete"), () => new RiskProfile({ ...profile, deleted_at: now, updated_at: now }, true))

/** A profile an agent may be given: not deleted (that it is the account's, a load has shown). */
export const checkAssignable = (profile: RiskProfile): Either.Either<void, InvalidInput> =>
  profile.deleted_at === null ? Either.void : Either.left(InvalidInput.field("risk_profile_id", "names a deleted risk profile"))
