/**
 * Masking at ingest: what of a span's payload (params) and result is replaced before it is
 * stored, as a function of the value, the account's policy (`MaskingPolicy`), the span type's
 * declared data categories and the client's `sensitive_encoding` flag.
 *
 * The rule (docs/domain.md, "Masking"):
 *
 * - Categories. When the policy masks a category and the span type declares it `included` for
 *   its params (for its results), every string, number and boolean leaf of the payload (of the
 *   result) becomes one marker naming the categories, `"[masked:personal_identifiers]"`. Objects
 *   keep their keys, arrays their lengths, nulls stay: the structure is kept, nothing it held is.
 *   `excluded` and `unknown` never ask for masking: the declaration is the agent's, and masking
 *   follows it as risk does.
 * - Field names. Otherwise, wherever a key of the payload or result is one of the policy's field
 *   names (`MaskingPolicy.keyForm`: case and separators aside), the leaves of its value become
 *   `"[masked:key]"`. With `sensitive_encoding: true`, the built-in secret-like names
 *   (`secretKeys`) are masked too, even when the policy is off.
 *
 * Masking replaces whole leaves by markers that depend on the rule alone, never on the value: a
 * masked leaf tells only that something was there. Masking is idempotent (a masked value masks to
 * itself), and a value it does not touch is returned as it is (no copy). It runs after the span's
 * conformance was checked on what the agent sent, so it never changes a verdict; risk reads the
 * declarations, so it never changes a score either.
 */
import type { Category, DataCategories } from "./DataRisk.js"
import type { Json, JsonObject } from "./Json.js"
import { keyForm, type MaskingRules } from "./MaskingPolicy.js"

/**
 * Field names masked in a span sent with `sensitive_encoding: true`, whatever the policy: the
 * usual names of credentials and secrets (compared by `keyForm`, so `apiKey` is `api_key`).
 */
export const secretKeys: ReadonlyArray<string> = [
  "password",
  "passwd",
  "passphrase",
  "secret",
  "client_secret",
  "secret_key",
  "private_key",
  "token",
  "access_token",
  "refresh_token",
  "id_token",
  "session_token",
  "api_key",
  "x_api_key",
  "authorization",
  "proxy_authorization",
  "cookie",
  "set_cookie",
  "credentials",
  "ssn",
  "card_number",
  "cvv",
  "cvc",
  "pin",
  "otp"
]

/** An account's policy prepared for ingest: sets to look in, built once per policy. */
export interface Masker {
  /** Whether the policy masks anything: when false, a span without `sensitive_encoding: true` costs this one check. */
  readonly on: boolean
  /** The categories masked, in the order of `DataRisk.categories`. */
  readonly categories: ReadonlyArray<Category>
  /** The policy's field names, as `keyForm` gives them. */
  readonly keys: ReadonlySet<string>
  /** `keys` and the built-in `secretKeys`: what a span sent with `sensitive_encoding: true` masks. */
  readonly sensitiveKeys: ReadonlySet<string>
}

/** The masker of a policy's rules. */
export const prepare = (rules: MaskingRules): Masker => {
  const keys = new Set(rules.keys.map(keyForm))
  return {
    on: rules.categories.length > 0 || keys.size > 0,
    categories: rules.categories,
    keys,
    sensitiveKeys: new Set([...keys, ...secretKeys.map(keyForm)])
  }
}

/** The masker of an account without a policy: nothing masked unless the client says `sensitive_encoding: true`. */
export const none: Masker = prepare({ categories: [], keys: [] })

/** The marker of a leaf masked for a field name. */
export const keyMarker = "[masked:key]"

/** The marker of a leaf masked for these categories. */
export const categoryMarker = (masked: ReadonlyArray<Category>): string => `[masked:${masked.join(",")}]`

/** Every marker starts so: a reader tells a masked leaf from data by it. */
export const markerPrefix = "[masked:"

/** The categories of a declaration (a span type's params or results) that the masker masks. */
export const maskedCategories = (masker: Masker, declared: DataCategories | undefined): ReadonlyArray<Category> => {
  if (declared === undefined || masker.categories.length === 0) return []
  return masker.categories.filter((category) => declared[category] === "included")
}

const isArray = (value: Json): value is ReadonlyArray<Json> => Array.isArray(value)

/** The value with every string, number and boolean leaf replaced by `marker`; objects, arrays and nulls kept. */
const leaves = (value: Json, marker: string): Json => {
  if (value === null) return null
  if (typeof value !== "object") return marker
  if (isArray(value)) return value.map((item) => leaves(item, marker))
  return leavesOf(value, marker)
}

// `Object.fromEntries` defines own properties, so a key `__proto__` stays a key.
const leavesOf = (object: JsonObject, marker: string): JsonObject =>
  Object.fromEntries(Object.entries(object).map(([key, value]) => [key, leaves(value, marker)]))

/** The value with the leaves under a named key masked; the same value when no key is named. */
const underKeys = (value: Json, keys: ReadonlySet<string>): Json => {
  if (value === null || typeof value !== "object") return value
  if (isArray(value)) {
    let changed = false
    const out = value.map((item) => {
      const next = underKeys(item, keys)
      if (next !== item) changed = true
      return next
    })
    return changed ? out : value
  }
  return underKeysOf(value, keys)
}

/**
 * `keyForm` of the keys payloads hold, remembered: the same few field names come in every span, and
 * lower-casing and a replace per key were most of the walk. Bounded: cleared when full.
 */
const forms = new Map<string, string>()
const formsHeld = 4096

const formOf = (key: string): string => {
  const known = forms.get(key)
  if (known !== undefined) return known
  const form = keyForm(key)
  if (forms.size >= formsHeld) forms.clear()
  forms.set(key, form)
  return form
}

const underKeysOf = (object: JsonObject, keys: ReadonlySet<string>): JsonObject => {
  const names = Object.keys(object)
  let out: Array<readonly [string, Json]> | undefined
  for (let index = 0; index < names.length; index++) {
    const key = names[index]
    const value = key === undefined ? undefined : object[key]
    if (key === undefined || value === undefined) continue
    const next = keys.has(formOf(key)) ? leaves(value, keyMarker) : underKeys(value, keys)
    if (out === undefined && next !== value) out = names.slice(0, index).map((name) => [name, object[name] ?? null])
    out?.push([key, next])
  }
  return out === undefined ? object : Object.fromEntries(out)
}

/**
 * A payload or result as it is stored: masked for the categories `declared` holds that the
 * masker masks, else for the masker's field names (and the built-in secret names when
 * `sensitive` is true). `declared` is the span type's params (or results) declaration, undefined
 * for an undeclared type. Returns `value` itself when nothing is masked.
 */
export const mask = (value: JsonObject, masker: Masker, declared: DataCategories | undefined, sensitive: boolean | null | undefined): JsonObject => {
  if (!masker.on && sensitive !== true) return value
  const asked = maskedCategories(masker, declared)
  if (asked.length > 0) return leavesOf(value, categoryMarker(asked))
  const keys = sensitive === true ? masker.sensitiveKeys : masker.keys
  return keys.size === 0 ? value : underKeysOf(value, keys)
}

/**
 * A span's `sensitive_encoding` once a call says it (`said`; undefined or null: nothing said)
 * after what was recorded: true once either call said true, else the latest word, else null.
 */
export const sensitiveOf = (recorded: boolean | null, said: boolean | null | undefined): boolean | null =>
  recorded === true || said === true ? true : said ?? recorded
