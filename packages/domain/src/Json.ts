/**
 * JSON values as they travel in payloads, results and schema definitions.
 */
import { Effect, ParseResult, Schema } from "effect"
import type { AST, ParseOptions } from "effect/SchemaAST"

export type Json = null | boolean | number | string | ReadonlyArray<Json> | JsonObject
export interface JsonObject {
  readonly [key: string]: Json
}

/** NUL or any UTF-16 surrogate: a string without one is storable. */
const suspect = /[\u0000\ud800-\udfff]/

/**
 * Whether a string can be stored as it is: well-formed Unicode without U+0000. PostgreSQL's
 * `text` and `jsonb` refuse NUL, and `jsonb` refuses a lone UTF-16 surrogate (`"\ud800"`); the
 * driver would turn one in `text` into U+FFFD, changing the data. The product therefore accepts
 * only text every store keeps exactly. Null when it can; otherwise why not.
 */
export const unstorableReason = (text: string): string | null => {
  // Almost all text is clean: one native scan decides, and only a suspect is read code by code.
  if (!suspect.test(text)) return null
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index)
    if (code === 0) return "must not contain U+0000 (NUL)"
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = text.charCodeAt(index + 1)
      if (next >= 0xdc00 && next <= 0xdfff) index++
      else return "must be well-formed Unicode (it holds a lone UTF-16 surrogate)"
    } else if (code >= 0xdc00 && code <= 0xdfff) {
      return "must be well-formed Unicode (it holds a lone UTF-16 surrogate)"
    }
  }
  return null
}

/** A path segment as a field name: a key that cannot be stored is shown JSON-escaped. */
const segment = (key: string | number): string =>
  typeof key === "number" ? String(key) : unstorableReason(key) === null ? key : JSON.stringify(key)

/**
 * The first string of a value — an object key or a string, at any depth — that cannot be stored,
 * with its dotted path from `root`; null when every string can. Walked iteratively (a deep value
 * cannot exhaust the stack) and each object once (a cyclic value from an embedding caller ends).
 * Objects are walked by their own enumerable keys, so a class instance's fields are checked too.
 */
export const findUnstorable = (value: unknown, root = ""): { readonly field: string; readonly message: string } | null => {
  // The paths cost a string per node; they are built only for a value known to hold a problem.
  if (allStorable(value)) return null
  const seen = new Set<object>()
  const stack: Array<readonly [unknown, string]> = [[value, root]]
  const join = (path: string, key: string | number) => (path === "" ? segment(key) : `${path}.${segment(key)}`)
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const [node, path] = top
    if (typeof node === "string") {
      const reason = unstorableReason(node)
      if (reason !== null) return { field: path === "" ? "value" : path, message: reason }
    } else if (typeof node === "object" && node !== null && !seen.has(node)) {
      seen.add(node)
      if (Array.isArray(node)) {
        for (let index = node.length - 1; index >= 0; index--) stack.push([node[index], join(path, index)])
      } else {
        const keys = Object.keys(node)
        for (const key of keys) {
          const reason = unstorableReason(key)
          if (reason !== null) return { field: join(path, key), message: `key ${reason}` }
        }
        for (let index = keys.length - 1; index >= 0; index--) {
          const key = keys[index]
          if (key !== undefined) stack.push([Reflect.get(node, key), join(path, key)])
        }
      }
    }
  }
  return null
}

/** `findUnstorable(value) === null`, without the paths. */
const allStorable = (value: unknown): boolean => {
  const seen = new Set<object>()
  const stack: Array<unknown> = [value]
  while (stack.length > 0) {
    const node = stack.pop()
    if (typeof node === "string") {
      if (suspect.test(node)) return false
    } else if (typeof node === "object" && node !== null && !seen.has(node)) {
      seen.add(node)
      if (Array.isArray(node)) {
        for (const item of node) stack.push(item)
      } else {
        for (const key of Object.keys(node)) {
          if (suspect.test(key)) return false
          stack.push(Reflect.get(node, key))
        }
      }
    }
  }
  return true
}

/** Whether a value is JSON: null, a boolean, a finite number, a string, an array or a plain object of JSON. */
const isJsonValue = (value: unknown): value is Json => {
  const stack: Array<unknown> = [value]
  while (stack.length > 0) {
    const node = stack.pop()
    if (node === null || typeof node === "boolean" || typeof node === "string") continue
    if (typeof node === "number") {
      if (!Number.isFinite(node)) return false
      continue
    }
    if (Array.isArray(node)) {
      for (const item of node) stack.push(item)
      continue
    }
    if (!isPlainObject(node)) return false
    for (const key of Object.keys(node)) stack.push(Reflect.get(node, key))
  }
  return true
}

const isPlainObject = (value: unknown): value is object => {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false
  const prototype: unknown = Object.getPrototypeOf(value)
  return prototype === Object.prototype || prototype === null
}

/** Any JSON value, as JSON Schema says it (OpenAPI needs a declared schema described). */
const anyJson = {
  anyOf: [{ type: "null" }, { type: "boolean" }, { type: "number" }, { type: "string" }, { type: "array" }, { type: "object" }]
}

/**
 * JSON as a schema that keeps the value as it is, rather than rebuilding it: `Schema.Record`
 * rebuilds an object by assignment onto `{}`, where a key named `__proto__` sets the prototype
 * (or is ignored) instead of becoming a key — a payload key `__proto__` was silently dropped.
 * Values are checked, never copied, so every own key round-trips; and a check is one iterative
 * walk, some twenty times faster than decoding a union per node.
 */
const jsonSchema = <A extends Json>(is: (value: unknown) => value is A, fallback: A, expected: string, identifier: string): Schema.Schema<A> =>
  Schema.declare(
    [],
    {
      decode: () => (input, _, ast) =>
        is(input) ? ParseResult.succeed(input) : ParseResult.fail(new ParseResult.Type(ast, input, `Expected ${expected}`)),
      encode: () => (input, _, ast) =>
        is(input) ? ParseResult.succeed(input) : ParseResult.fail(new ParseResult.Type(ast, input, `Expected ${expected}`))
    },
    { identifier, jsonSchema: identifier === "JsonObject" ? { type: "object" } : anyJson, arbitrary: () => (fc) => fc.jsonValue().map((value) => (is(value) ? value : fallback)) }
  )

export const Json: Schema.Schema<Json> = jsonSchema(isJsonValue, null, "a JSON value", "Json")

export const JsonObject: Schema.Schema<JsonObject> = jsonSchema(
  (value): value is JsonObject => isPlainObject(value) && isJsonValue(value),
  {},
  "a JSON object",
  "JsonObject"
)

/**
 * A record of any string keys (`Schema.Record`'s shape) built with own properties, so that a key
 * `__proto__` is a key like any other (a bulk item keyed `__proto__` kept its output).
 */
export const OwnRecord = <A, I>(value: Schema.Schema<A, I>): Schema.Schema<{ readonly [key: string]: A }, { readonly [key: string]: I }> => {
  const each = <Y>(transform: (u: unknown, options: ParseOptions) => Effect.Effect<Y, ParseResult.ParseIssue>) =>
  (input: unknown, options: ParseOptions, ast: AST): Effect.Effect<{ readonly [key: string]: Y }, ParseResult.ParseIssue> => {
    if (!isPlainObject(input)) return ParseResult.fail(new ParseResult.Type(ast, input, "Expected an object"))
    return Effect.map(
      Effect.forEach(Object.keys(input), (key) =>
        Effect.map(
          Effect.mapError(transform(Reflect.get(input, key), options), (issue) => new ParseResult.Pointer(key, input, issue)),
          (out): readonly [string, Y] => [key, out]
        )),
      (entries) => Object.fromEntries(entries)
    )
  }
  return Schema.declare(
    [value],
    {
      decode: (item) => each(ParseResult.decodeUnknown(item)),
      encode: (item) => each(ParseResult.encodeUnknown(item))
    },
    {
      identifier: "Record",
      jsonSchema: { type: "object" },
      // Keys a plain object takes as its own (`__proto__` aside: an arbitrary's record sets it as a prototype).
      arbitrary: (item) => (fc) => fc.dictionary(fc.string().filter((key) => key !== "__proto__"), item(fc), { maxKeys: 4 })
    }
  )
}

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
