/**
 * Hostile definitions (docs/domain.md "Conformance", invariant 6): remote references, deep
 * nesting, huge enums, regexes outside the safe subset, unsupported dialects and non-schemas are
 * `invalid_definition`, never thrown; catastrophic patterns run in linear time; a payload deep
 * enough to exhaust the stack is flagged; any JSON value as a definition keeps every status in
 * range.
 */
import { describe, expect, it } from "@effect/vitest"
import { Ajv } from "ajv"
import { FastCheck as fc } from "effect"
import { Conformance, Definition, Json, Status } from "@agentledger/domain"
import { jsonValue, runs } from "./arbitraries.js"
import { schemaOf } from "./fixtures.js"
import { payloadArb } from "./support/definitionPool.js"

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
