/**
 * Conformance (docs/domain.md "Conformance", invariant 6): the flag equals an independent
 * JSON-Schema check (Ajv, on the definition pool of support/definitionPool.ts), at most 20
 * errors are kept, payload errors first, and only a complete span's result is checked. Hostile
 * definitions are in HostileDefinitions.test.ts, the compiled-schema cache in
 * CompiledSchemaCache.test.ts, and that a span is never dropped in SpanNeverDropped.test.ts.
 */
import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { Conformance, Status } from "@agentledger/domain"
import { runs } from "./arbitraries.js"
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
