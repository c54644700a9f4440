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
