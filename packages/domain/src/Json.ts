/**
 * JSON values as they travel in payloads, results and schema definitions.
 */
import { Schema } from "effect"

export type Json = null | boolean | number | string | ReadonlyArray<Json> | JsonObject
export interface JsonObject {
  readonly [key: string]: Json
}

export const Json: Schema.Schema<Json> = Schema.Union(
  Schema.Null,
  Schema.Boolean,
  Schema.Finite,
  Schema.String,
  Schema.Array(Schema.suspend((): Schema.Schema<Json> => Json)),
  Schema.Record({ key: Schema.String, value: Schema.suspend((): Schema.Schema<Json> => Json) })
).annotations({ identifier: "Json" })

export const JsonObject: Schema.Schema<JsonObject> = Schema.Record({ key: Schema.String, value: Json })
  .annotations({ identifier: "JsonObject" })

/** Whether a value is a plain JSON object (not an array, not null). */
export const isJsonObject = (value: unknown): value is JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/**
 * The depth of the deepest nesting in a JSON value, counted iteratively so that a hostile
 * 100,000-deep document cannot exhaust the stack while being measured.
 */
export const depth = (value: unknown): number => {
  let deepest = 0
  const stack: Array<readonly [unknown, number]> = [[value, 0]]
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const [node, level] = top
    if (level > deepest) deepest = level
    if (typeof node === "object" && node !== null) {
      for (const child of Object.values(node)) stack.push([child, level + 1])
    }
  }
  return deepest
}

/**
 * How deep a JSON document the product accepts. Deeper documents are refused before they are
 * decoded: validating, formatting and storing them recurses, and 100,000 levels exhaust the
 * stack of every step. Real agent payloads stay far below this.
 */
export const maxDepth = 256

/**
 * Whether JSON text nests deeper than `limit`, read in one pass over the text without parsing
 * it (brackets inside strings do not count), so a hostile document costs no more than its length.
 */
export const textExceedsDepth = (text: string, limit: number = maxDepth): boolean => {
  let level = 0
  let inString = false
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index)
    if (inString) {
      if (code === 92) index++ // a backslash escapes the next character
      else if (code === 34) inString = false
    } else if (code === 34) {
      inString = true
    } else if (code === 91 || code === 123) {
      if (++level > limit) return true
    } else if (code === 93 || code === 125) {
      level--
    }
  }
  return false
}
