/**
 * Attribute values as JSON, the form payloads hold: a 64-bit integer stays a number while it is
 * exact and becomes its decimal text past 2^53, a double that JSON cannot write becomes its name
 * (`"NaN"`, `"Infinity"`), bytes become base64, a key-value list an object (later keys win, and
 * `__proto__` is a key like any other), an empty value `null`. Content attributes that the
 * conventions allow as JSON text (`gen_ai.input.messages`…) are parsed back into structure,
 * within the depth the ledger takes.
 */
import { Json } from "@agentledger/domain"
import { Schema } from "effect"
import type * as Model from "../Model.js"
import { storable } from "../Text.js"

type JsonValue = Json.Json

/** Sets a key on an object as its own property, even `__proto__`. */
export const setKey = (target: Record<string, JsonValue>, key: string, value: JsonValue): void => {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true })
}

const numberOf = (value: number): JsonValue =>
  Number.isFinite(value) ? value : Number.isNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity"

/** An attribute value as JSON. Iterative: values are bounded in depth already, but cheap to walk. */
export const toJson = (value: Model.AnyValue): JsonValue => {
  switch (value._tag) {
    case "empty":
      return null
    case "string":
      return value.value
    case "bool":
      return value.value
    case "int":
      return value.value <= BigInt(Number.MAX_SAFE_INTEGER) && value.value >= -BigInt(Number.MAX_SAFE_INTEGER)
        ? Number(value.value)
        : value.value.toString()
    case "double":
      return numberOf(value.value)
    case "bytes":
      return Buffer.from(value.value).toString("base64")
    case "array":
      return value.values.map(toJson)
    case "kvlist":
      return objectOf(value.values)
  }
}

/** A list of key-values as one JSON object (a key sent twice keeps its last value). */
export const objectOf = (list: ReadonlyArray<Model.KeyValue>): Json.JsonObject => {
  const out: Record<string, JsonValue> = {}
  for (const { key, value } of list) setKey(out, key, toJson(value))
  return out
}

/**
 * A content value as structure: JSON text whose value is an object or an array is parsed (within
 * the ledger's depth), anything else is kept as it came (`toJson`).
 */
export const contentOf = (value: Model.AnyValue): JsonValue => {
  if (value._tag !== "string") return toJson(value)
  const text = value.value.trim()
  if (!(text.startsWith("{") || text.startsWith("[")) || Json.textExceedsDepth(text, Json.maxDepth)) return value.value
  try {
    const parsed: unknown = JSON.parse(text)
    if (!(Json.isJsonObject(parsed) || Array.isArray(parsed))) return value.value
    // Copied only when an escape spells what cannot be stored: most content is kept as parsed.
    return unstorableEscape.test(text) || !isJson(parsed) ? rebuilt(parsed) : parsed
  } catch {
    return value.value
  }
}

/** A JSON escape of NUL or of a UTF-16 surrogate, which may leave a parsed string unstorable. */
const unstorableEscape = /\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})/

const isJson = Schema.is(Json.Json)

/**
 * Parsed JSON text as a storable copy: JSON escapes can spell NUL or a lone surrogate, which the
 * attribute's bytes did not hold; such strings become U+FFFD like every other (`Text.ts`), and
 * `__proto__` stays a key.
 */
const rebuilt = (value: unknown): JsonValue => {
  if (typeof value === "string") return storable(value)
  if (value === null || typeof value === "boolean") return value
  if (typeof value === "number") return numberOf(value)
  if (Array.isArray(value)) return value.map(rebuilt)
  const out: Record<string, JsonValue> = {}
  if (typeof value === "object") for (const key of Object.keys(value)) setKey(out, storable(key), rebuilt(Reflect.get(value, key)))
  return out
}

/**
 * Attributes flattened under a prefix (`llm.input_messages.0.message.role`, as OpenInference and
 * OpenLLMetry write lists) put back together: the entries by index, each an object of the rest
 * of its key's path. Null when no attribute has the prefix.
 */
export const unflattened = (attributes: ReadonlyMap<string, Model.AnyValue>, prefix: string, strip = ""): ReadonlyArray<Json.JsonObject> | null => {
  const entries = new Map<number, Record<string, JsonValue>>()
  for (const [key, value] of attributes) {
    if (!key.startsWith(prefix)) continue
    const rest = key.slice(prefix.length)
    const dot = rest.indexOf(".")
    const index = Number(dot === -1 ? rest : rest.slice(0, dot))
    if (!Number.isSafeInteger(index) || index < 0 || dot === -1) continue
    let path = rest.slice(dot + 1)
    if (strip !== "" && path.startsWith(strip)) path = path.slice(strip.length)
    let entry = entries.get(index)
    if (entry === undefined) {
      entry = {}
      entries.set(index, entry)
    }
    setKey(entry, path, contentOf(value))
  }
  if (entries.size === 0) return null
  return [...entries.entries()].sort(([a], [b]) => a - b).map(([, entry]) => entry)
}
