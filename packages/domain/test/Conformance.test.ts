/**
 * Conformance (docs/domain.md "Conformance", invariant 6): the flag equals an independent
 * JSON-Schema check (Ajv, on the definition pool of support/definitionPool.ts), at most 20 errors
 * are kept, payload errors first, and only a complete span's result is checked; hostile
 * definitions are flagged and never thrown; compiled schemas are cached within bounds. That a
 * span is never dropped is Span's, in SpanNeverDropped.test.ts.
 */
import { describe, expect, it } from "@effect/vitest"
import { Ajv } from "ajv"
import { FastCheck as fc } from "effect"
import { Conformance, Definition, Json, Status } from "@agentledger/domain"
import { jsonValue, runs } from "./arbitraries.js"
import { schemaOf } from "./fixtures.js"
import { independentValidators, payloadArb, pool, poolIndex } from "./support/definitionPool.js"

/** One schema version holding every pool definition as params (type p<i>) and as result (type r<i>). */
const poolSchema = schemaOf(pool.flatMap((definition, i) => [
  { name: `p${i}`, params: definition },
  { name: `r${i}`, result: definition }
]))
const compiledPool = Conformance.compileActivitySchema(poolSchema)

const errorSummary = (errors: ReadonlyArray<{ readonly instancePath: string; readonly keyword: string }> | null | undefined) =>
  (errors ?? []).map((e) => [e.instancePath, e.keyword] as const)

const pairs = new Map<string, Conformance.CompiledActivitySchema>()
/** A compiled schema version with one type "t": params pool[i], result pool[j]. */
const pairSchema = (i: number, j: number): Conformance.CompiledActivitySchema => {
  const key = `${i}/${j}`
  const hit = pairs.get(key)
  if (hit !== undefined) return hit
  const compiled = Conformance.compileActivitySchema(schemaOf([{ name: "t", params: pool[i] ?? {}, result: pool[j] ?? {} }]))
  pairs.set(key, compiled)
  return compiled
}

describe("Conformance.checkSpan against an independent Ajv", () => {
  it("every pool definition is a valid definition", () => {
    for (const [name, check] of Object.entries(compiledPool.checks)) {
      expect([name, check.params.status, check.result.status]).toEqual([name, "valid", "valid"])
    }
  })

  it.prop(
    "the payload status is Ajv's verdict, the errors are Ajv's first 20",
    [poolIndex, payloadArb, fc.constantFrom(...Status.statuses)],
    ([i, payload, status]) => {
      const validate = independentValidators[i]
      if (validate === undefined) throw new Error("pool index out of range")
      const valid = validate(payload) === true
      const expectedErrors = errorSummary(validate.errors).slice(0, Conformance.limits.errors)
      const outcome = Conformance.checkSpan(compiledPool, `p${i}`, payload, null, status)
      expect({
        payload: outcome.payload,
        result: outcome.result,
        errors: outcome.errors.map((e) => [e.instance_path, e.keyword] as const)
      }).toEqual({ payload: valid ? "conforms" : "mismatch", result: "not_applicable", errors: expectedErrors })
      expect(outcome.errors.length).toBeLessThanOrEqual(20)
      expect(outcome.errors.every((e) => e.target === "payload")).toBe(true)
      expect(Conformance.isFlagged(outcome)).toBe(!valid)
    },
    { fastCheck: { numRuns: runs(600) } }
  )

  it.prop(
    "a result is checked only when it is non-null and the status is complete; errors stay ≤ 20",
    [poolIndex, poolIndex, payloadArb, fc.option(payloadArb, { nil: undefined }), fc.constantFrom(...Status.statuses)],
    ([i, j, payload, result, status]) => {
      const schema = pairSchema(i, j)
      const params = independentValidators[i]
      const results = independentValidators[j]
      if (params === undefined || results === undefined) throw new Error("pool index out of range")
      const payloadValid = params(payload) === true
      const payloadErrors = errorSummary(params.errors).slice(0, 20)
      const checked = result !== undefined && result !== null && status === "complete"
      const resultValid = checked ? results(result) === true : true
      const resultErrors = checked ? errorSummary(results.errors).slice(0, 20 - payloadErrors.length) : []
      const outcome = Conformance.checkSpan(schema, "t", payload, result ?? null, status)
      expect({
        payload: outcome.payload,
        result: outcome.result,
        errors: outcome.errors.map((e) => [e.target, e.instance_path, e.keyword] as const)
      }).toEqual({
        payload: payloadValid ? "conforms" : "mismatch",
        result: checked ? (resultValid ? "conforms" : "mismatch") : "not_applicable",
        errors: [
          ...payloadErrors.map(([p, k]) => ["payload", p, k] as const),
          ...resultErrors.map(([p, k]) => ["result", p, k] as const)
        ]
      })
      expect(outcome.errors.length).toBeLessThanOrEqual(20)
    },
    { fastCheck: { numRuns: runs(400) } }
  )

  it.prop(
    "an undeclared type is undeclared_type (result only when it would be checked), with no errors",
    [fc.string({ maxLength: 10 }), payloadArb, fc.option(payloadArb, { nil: null }), fc.constantFrom(...Status.statuses)],
    ([name, payload, result, status]) => {
      fc.pre(!/^[pr]\d+$/.test(name))
      const outcome = Conformance.checkSpan(compiledPool, name, payload, result, status)
      expect(outcome.payload).toBe("undeclared_type")
      expect(outcome.result).toBe(result !== null && status === "complete" ? "undeclared_type" : "not_applicable")
      expect(outcome.errors).toEqual([])
      expect(Conformance.isFlagged(outcome)).toBe(true)
    },
    { fastCheck: { numRuns: runs(100) } }
  )

  it("errors are capped at 20, payload errors first", () => {
    const schema = Conformance.compileActivitySchema(schemaOf([{
      name: "t",
      params: { type: "object", additionalProperties: { type: "string" } },
      result: { type: "object", additionalProperties: { type: "string" } }
    }]))
    const many = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, i]))
    const outcome = Conformance.checkSpan(schema, "t", many, many, "complete")
    expect(outcome.payload).toBe("mismatch")
    expect(outcome.result).toBe("mismatch")
    expect(outcome.errors).toHaveLength(20)
    expect(outcome.errors.every((e) => e.target === "payload")).toBe(true)
    const few = { k0: 0, k1: 1, k2: 2 }
    const mixed = Conformance.checkSpan(schema, "t", few, many, "complete")
    expect(mixed.errors).toHaveLength(20)
    expect(mixed.errors.filter((e) => e.target === "payload")).toHaveLength(3)
    expect(mixed.errors[0]).toMatchObject({ target: "payload", instance_path: "/k0", keyword: "type" })
  })

  it("a failed, cancelled or open span's result is not held to the result schema", () => {
    const schema = Conformance.compileActivitySchema(schemaOf([{ name: "t", result: { type: "object", required: ["ok"] } }]))
    for (const status of ["failed", "cancelled", "terminated", "active", "pending"] as const) {
      expect(Conformance.checkSpan(schema, "t", {}, { error: "boom" }, status).result).toBe("not_applicable")
    }
    expect(Conformance.checkSpan(schema, "t", {}, { error: "boom" }, "complete").result).toBe("mismatch")
    expect(Conformance.checkSpan(schema, "t", {}, { ok: 1 }, "complete").result).toBe("conforms")
    expect(Conformance.checkSpan(schema, "t", {}, null, "complete").result).toBe("not_applicable")
  })
})

// ---------------------------------------------------------------------------------------------
// Hostile definitions
// ---------------------------------------------------------------------------------------------

const nested = (levels: number): Json.Json => {
  let definition: Json.Json = { type: "string" }
  for (let i = 0; i < levels; i++) definition = { type: "object", properties: { a: definition } }
  return definition
}

const hostile: ReadonlyArray<readonly [string, unknown]> = [
  ["a remote $ref", { $ref: "https://example.com/schemas/evil.json" }],
  ["a remote $ref inside properties", { type: "object", properties: { a: { $ref: "http://127.0.0.1:1/x.json#/a" } } }],
  ["1,000-deep nesting", nested(1000)],
  ["a multi-megabyte enum", { enum: Array.from({ length: 200_000 }, (_, i) => `value-number-${i}`) }],
  ["a lookahead regex", { type: "string", pattern: "^(?=a)" }],
  ["a lookbehind regex in patternProperties", { patternProperties: { "(?<=x)y": { type: "string" } } }],
  ["a backreference", { type: "string", pattern: "(a)\\1" }],
  ["an unsupported $schema", { $schema: "http://json-schema.org/draft-04/schema#", type: "string" }],
  ["a non-string $schema", { $schema: 7 }],
  ["an unknown type", { type: "strin" }],
  ["a number", 42],
  ["a string", "object"],
  ["null", null],
  ["an array", [{ type: "string" }]]
]

describe("hostile definitions", () => {
  for (const [label, definition] of hostile) {
    it(`${label} is invalid_definition, never thrown`, () => {
      const compiled = Conformance.compileDefinition(definition)
      expect(compiled.check.status).toBe("invalid")
      expect(typeof compiled.check.message).toBe("string")
      expect((compiled.check.message ?? "").length).toBeLessThanOrEqual(Definition.limits.messageLength + 1)
      const schema = Conformance.assemble(new Map([["t", { params: compiled, result: compiled }]]))
      const outcome = Conformance.checkSpan(schema, "t", { a: "x" }, { a: "x" }, "complete")
      expect(outcome).toEqual({ payload: "invalid_definition", result: "invalid_definition", errors: [] })
      expect(Conformance.isFlagged(outcome)).toBe(true)
    })
  }

  it("definitions at the bounds still compile: 30 levels (depth 60) and a 100 KiB enum", () => {
    expect(Conformance.compileDefinition(nested(30)).check).toEqual({ status: "valid", message: null })
    expect(Conformance.compileDefinition({ enum: Array.from({ length: 10_000 }, (_, i) => `v${i}`) }).check.status).toBe("valid")
  })

  it("a catastrophic regex against a long non-matching string runs in linear time", () => {
    // A backtracking engine would not finish this before the test times out.
    const schema = Conformance.compileActivitySchema(schemaOf([{
      name: "t",
      params: { type: "object", properties: { s: { type: "string", pattern: "(a+)+$" }, t: { type: "string", pattern: "^(a|aa)+$" } } }
    }]))
    const s = `${"a".repeat(100_000)}!`
    const outcome = Conformance.checkSpan(schema, "t", { s, t: s }, null, "active")
    expect(outcome.payload).toBe("mismatch")
    expect(outcome.errors.map((e) => [e.instance_path, e.keyword])).toEqual([["/s", "pattern"], ["/t", "pattern"]])
    expect(Conformance.checkSpan(schema, "t", { s: "baaa", t: "aaa" }, null, "active").payload).toBe("conforms")
  })

  it("each pattern is checked with its own regex, whatever was compiled before", () => {
    const first = Conformance.compileActivitySchema(schemaOf([{ name: "t", params: { type: "string", pattern: "^a+$" } }]))
    const second = Conformance.compileActivitySchema(schemaOf([{ name: "t", params: { type: "string", pattern: "^b+$" } }]))
    const third = Conformance.compileActivitySchema(schemaOf([{
      name: "t",
      params: { type: "object", patternProperties: { "^x-": { type: "integer" } }, additionalProperties: { type: "string" } }
    }]))
    expect(Conformance.checkSpan(first, "t", "aaa", null, "active").payload).toBe("conforms")
    expect(Conformance.checkSpan(first, "t", "bbb", null, "active").payload).toBe("mismatch")
    expect(Conformance.checkSpan(second, "t", "bbb", null, "active").payload).toBe("conforms")
    expect(Conformance.checkSpan(second, "t", "aaa", null, "active").payload).toBe("mismatch")
    expect(Conformance.checkSpan(third, "t", { "x-1": 1, name: "n" }, null, "active").payload).toBe("conforms")
    expect(Conformance.checkSpan(third, "t", { "x-1": "one" }, null, "active").payload).toBe("mismatch")
  })

  it("a recursive definition ($ref to the root) is valid, as it is for Ajv", () => {
    const tree = { type: "object", properties: { children: { type: "array", items: { $ref: "#" } } } }
    expect(new Ajv({ strict: false }).validateSchema(tree)).toBe(true)
    const compiled = Conformance.compileActivitySchema(schemaOf([{ name: "t", params: tree }]))
    expect(compiled.checks["t"]?.params).toEqual({ status: "valid", message: null })
    expect(Conformance.checkSpan(compiled, "t", { children: [{ children: [] }] }, null, "active").payload).toBe("conforms")
    expect(Conformance.checkSpan(compiled, "t", { children: [{ children: 1 }] }, null, "active").payload).toBe("mismatch")
  })

  it("boolean definitions are valid: true accepts everything, false nothing", () => {
    const schema = Conformance.compileActivitySchema(schemaOf([{ name: "yes", params: true }, { name: "no", params: false }]))
    expect(Conformance.checkSpan(schema, "yes", { any: [1, "x"] }, null, "active").payload).toBe("conforms")
    expect(Conformance.checkSpan(schema, "no", {}, null, "active").payload).toBe("mismatch")
  })

  it("a payload so deep that validation exhausts the stack is flagged, not thrown", () => {
    const schema = Conformance.compileActivitySchema(schemaOf([{
      name: "t",
      params: { $ref: "#/definitions/node", definitions: { node: { type: "object", additionalProperties: { $ref: "#/definitions/node" } } } }
    }]))
    expect(schema.checks["t"]?.params.status).toBe("valid")
    let payload: Json.JsonObject = {}
    for (let i = 0; i < 200_000; i++) payload = { a: payload }
    const outcome = Conformance.checkSpan(schema, "t", payload, null, "active")
    expect(outcome.payload).toBe("mismatch")
    expect(outcome.errors[0]?.keyword).toBe("limit")
  })

  it.prop(
    "any JSON value as a definition: compiling and checking never throw, statuses stay in range",
    [jsonValue, payloadArb, fc.constantFrom(...Status.statuses)],
    ([definition, payload, status]) => {
      const compiled = Conformance.compileDefinition(definition)
      expect(["valid", "invalid"]).toContain(compiled.check.status)
      expect(compiled.check.status === "valid").toBe(compiled.validate !== undefined)
      const schema = Conformance.compileActivitySchema(schemaOf([{ name: "t", params: definition, result: definition }]))
      const outcome = Conformance.checkSpan(schema, "t", payload, payload, status)
      expect(Conformance.ConformanceStatus.literals).toContain(outcome.payload)
      expect(Conformance.ConformanceStatus.literals).toContain(outcome.result)
      expect(outcome.errors.length).toBeLessThanOrEqual(20)
    },
    { fastCheck: { numRuns: runs(300) } }
  )

  it("compileActivitySchema records a check per definition", () => {
    const compiled = Conformance.compileActivitySchema(schemaOf([
      { name: "good", params: { type: "string" } },
      { name: "bad", params: { type: "object", properties: { s: { pattern: "(?!x)" } } }, result: 3 }
    ]))
    expect(compiled.checks["good"]).toEqual({ params: { status: "valid", message: null }, result: { status: "valid", message: null } })
    expect(compiled.checks["bad"]?.params.status).toBe("invalid")
    expect(compiled.checks["bad"]?.result.status).toBe("invalid")
  })
})

describe("CompiledSchemaCache", () => {
  it("keeps each fingerprint's compiled form and evicts the least recently used", () => {
    const cache = new Conformance.CompiledSchemaCache(2)
    const compiles: Array<string> = []
    const get = (key: string) => {
      const hit = cache.get(key)
      if (hit !== undefined) return hit
      compiles.push(key)
      return cache.set(key, Conformance.compileActivitySchema(schemaOf([{ name: key }])))
    }
    const a = get("a")
    get("b")
    expect(get("a")).toBe(a)
    get("c") // evicts b, the least recently used
    get("a")
    get("b")
    expect(compiles).toEqual(["a", "b", "c", "b"])
    expect(a.types.has("a")).toBe(true)
  })

  it("is bounded by the bytes of what it holds, not only by entries", () => {
    const big = (name: string) => Conformance.compileActivitySchema(schemaOf([{ name, params: { enum: Array.from({ length: 2000 }, (_, i) => `value-${name}-${i}`) } }]))
    const one = big("one")
    const cache = new Conformance.CompiledSchemaCache(100, one.bytes * 2.5)
    cache.set("one", one)
    cache.set("two", big("two"))
    cache.set("three", big("three"))
    expect(cache.get("one")).toBeUndefined()
    expect(cache.get("three")).toBeDefined()
    expect(cache.bytes).toBeLessThanOrEqual(one.bytes * 2.5)
  })
})
