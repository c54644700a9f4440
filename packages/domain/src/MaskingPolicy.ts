/**
 * An account's masking policy: which data categories and which field names are masked in the
 * payloads and results of its spans before they are stored (`Masking` is the rule). Off by
 * default: an account that never set one masks nothing, and reads as the empty policy.
 *
 * A policy is replaced whole (`PUT`): an omitted list is empty. Categories must be the seventeen
 * of `DataRisk.categories`; field names are 1–100 characters, at most 100 of them, each naming
 * something once its case and separators are set aside (`keyForm`). Repeats are kept once.
 */
import { Either, Schema } from "effect"
import { categories, Category } from "./DataRisk.js"
import { InvalidInput } from "./Errors.js"
import { AccountId } from "./Ids.js"

export const MaskingPolicy = Schema.Struct({
  account_id: AccountId,
  /** The categories masked, in the order of `DataRisk.categories`. */
  categories: Schema.Array(Category),
  /** Field names masked wherever they occur, as written; matched by `keyForm`. */
  keys: Schema.Array(Schema.String),
  /** Null until the account first sets its policy. */
  updated_at: Schema.NullOr(Schema.DateTimeUtc)
}).annotations({ identifier: "MaskingPolicy" })
export type MaskingPolicy = typeof MaskingPolicy.Type

/** A new policy as a client writes it: both lists optional, an omitted one empty. */
export const UpdateMaskingPolicy = Schema.Struct({
  categories: Schema.optionalWith(Schema.Array(Schema.String), { default: () => [], exact: true }),
  keys: Schema.optionalWith(Schema.Array(Schema.String), { default: () => [], exact: true })
}).annotations({ identifier: "UpdateMaskingPolicy" })
export type UpdateMaskingPolicy = typeof UpdateMaskingPolicy.Type

/** What a policy masks, without its owner and time: the part `Masking.prepare` needs. */
export type MaskingRules = Pick<MaskingPolicy, "categories" | "keys">

export const limits = {
  /** Field names per policy: ingest compares every key of every payload with them. */
  keys: 100,
  /** Characters per field name. */
  keyLength: 100,
  /** Entries of the category list as sent (there are 17 categories; repeats are tolerated, floods are not). */
  categoryEntries: 100
} as const

/** The policy of an account that never set one: nothing masked. */
export const defaultPolicy = (account: AccountId): MaskingPolicy => ({ account_id: account, categories: [], keys: [], updated_at: null })

/** Whether a policy masks nothing. */
export const isOff = (rules: MaskingRules): boolean => rules.categories.length === 0 && rules.keys.length === 0

const separators = /[\s_-]+/g

/**
 * How a field name is compared: lower case, without whitespace, `_` or `-`. So `api_key` names
 * `apiKey`, `API-KEY` and `api key` too; it never names `my_api_key` (names are whole).
 */
export const keyForm = (key: string): string => key.toLowerCase().replace(separators, "")

const isCategory = Schema.is(Category)

/**
 * The rules a client's policy sets, or why it cannot be set (every problem named by field):
 * unknown categories, too many entries, empty, over-long or nameless field names.
 */
export const validate = (input: UpdateMaskingPolicy): Either.Either<MaskingRules, InvalidInput> => {
  const errors: Record<string, Array<string>> = {}
  const complain = (field: string, message: string) => {
    ;(errors[field] ??= []).push(message)
  }
  if (input.categories.length > limits.categoryEntries) {
    complain("categories", `holds ${input.categories.length} entries; at most ${limits.categoryEntries}`)
  }
  if (input.keys.length > limits.keys) complain("keys", `holds ${input.keys.length} field names; at most ${limits.keys}`)
  const chosen = new Set<Category>()
  if (input.categories.length <= limits.categoryEntries) {
    for (const [index, name] of input.categories.entries()) {
      if (isCategory(name)) chosen.add(name)
      else complain(`categories.${index}`, `is not a data category; one of ${categories.join(", ")}`)
    }
  }
  const keys = new Map<string, string>()
  if (input.keys.length <= limits.keys) {
    for (const [index, raw] of input.keys.entries()) {
      const key = raw.trim()
      if (key.length === 0 || key.length > limits.keyLength) {
        complain(`keys.${index}`, `must be 1–${limits.keyLength} characters`)
        continue
      }
      const form = keyForm(key)
      if (form.length === 0) complain(`keys.${index}`, "must name a field (it holds only separators)")
      else if (!keys.has(form)) keys.set(form, key)
    }
  }
  if (Object.keys(errors).length > 0) return Either.left(new InvalidInput({ message: "the masking policy is not valid", errors }))
  return Either.right({
    categories: categories.filter((category) => chosen.has(category)),
    keys: [...keys.values()].sort()
  })
}
