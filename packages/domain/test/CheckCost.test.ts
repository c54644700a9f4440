/**
 * The cost bound of a check: an independent evaluator that applies every subschema a validator
 * would (all branches, as `allErrors` does) never counts more applications than the bound; the
 * bound grows exponentially for doubly recursive definitions and linearly for tree-shaped ones;
 * measuring a value stops at its limit without changing what it reports below it.
 */
import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { CheckCost, Conformance, type Json } from "@agentledger/domain"
import { jsonValue, runs } from "./arbitraries.js"

const isObject = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const resolve = (root: unknown, ref: string): unknown => {
  if (ref === "#") return root
  let node: unknown = root
  for (const token of ref.slice(2).split("/")) node = isObject(node) ? node[token] : undefined
  return node
}

/** Subschema applications of a full evaluation (every branch taken), counted independently. */
const applications = (root: unknown, schema: unknown, value: unknown): number => {
  if (!isObject(schema)) return 1
  let count = 1
  for (const keyword of ["allOf", "anyOf", "oneOf"]) {
    const branches = schema[keyword]
    if (Array.isArray(branches)) for (const branch of branches) count += applications(root, branch, value)
  }
  for (const keyword of ["not", "if", "then", "else"]) if (keyword in schema) count += applications(root, schema[keyword], value)
  if (typeof schema["$ref"] === "string") count += applications(root, resolve(root, schema["$ref"]), value)
  if (isObject(value)) {
    const properties = isObject(schema["properties"]) ? schema["properties"] : {}
    for (const [key, child] of Object.entries(value)) {
      if (Object.hasOwn(properties, key)) count += applications(root, properties[key], child)
      else if ("additionalProperties" in schema) count += applications(root, schema["additionalProperties"], child)
    }
  }
  if (Array.isArray(value) && "items" in schema && !Array.isArray(schema["items"])) {
    for (const item of value) count += applications(root, schema["items"], item)
  }
  return count
}

/** Definitions over the keywords the evaluator knows, with local references (recursive ones too). */
const definition: fc.Arbitrary<Json.Json> = fc.letrec<{ schema: Json.Json }>((tie) => ({
  schema: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constantFrom<Json.Json>({ type: "object" }, { type: "string" }, true, {}, { $ref: "#/$defs/leaf" }),
    fc.record({ allOf: fc.array(tie("schema"), { minLength: 1, maxLength: 3 }) }),
    fc.record({ anyOf: fc.array(tie("schema"), { minLength: 1, maxLength: 3 }) }),
    fc.record({ not: tie("schema") }),
    fc.record({ additionalProperties: fc.oneof(tie("schema"), fc.constant<Json.Json>({ $ref: "#" })) }),
    fc.record({ properties: fc.dictionary(fc.constantFrom("a", "b"), fc.oneof(tie("schema"), fc.constant<Json.Json>({ $ref: "#" })), { maxKeys: 2 }) }),
    fc.record({ items: fc.oneof(tie("schema"), fc.constant<Json.Json>({ $ref: "#" })) })
  )
})).schema.map((schema): Json.Json => isObject(schema) ? { ...schema, $defs: { leaf: { type: "number" } } } : schema)

const payload: fc.Arbitrary<Json.Json> = fc.letrec<{ value: Json.Json }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", maxDepth: 6 },
    fc.oneof(fc.integer(), fc.string({ maxLength: 4 }), fc.constant(null)),
    fc.array(tie("value"), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom("a", "b", "c"), tie("value"), { maxKeys: 3 })
  )
})).value

describe("CheckCost", () => {
  it("bounds the subschema applications of a full evaluation", () => {
    fc.assert(
      fc.property(definition, payload, (schema, value) => {
        const bound = CheckCost.estimate(CheckCost.definitionCost(schema), CheckCost.measure(value, Infinity))
        // An unbounded or huge bound holds trivially; evaluating it here would not end soon.
        fc.pre(bound < 1e6)
        expect(applications(schema, schema, value)).toBeLessThanOrEqual(bound)
      }),
      { numRuns: runs(400) }
    )
  })

  it("grows exponentially with depth for two references to the root under allOf, linearly for a tree", () => {
    const doubled = CheckCost.definitionCost({ allOf: [{ additionalProperties: { $ref: "#" } }, { additionalProperties: { $ref: "#" } }] })
    expect((doubled.weights[20] ?? 0) / (doubled.weights[10] ?? 1)).toBeGreaterThan(500)
    const tree = CheckCost.definitionCost({ type: "object", properties: { child: { $ref: "#" }, n: { type: "number" } } })
    const perLevel = (tree.weights[41] ?? 0) - (tree.weights[40] ?? 0)
    expect((tree.weights[81] ?? 0) - (tree.weights[80] ?? 0)).toBe(perLevel)
    expect(perLevel).toBeGreaterThan(0)
  })

  it("is unbounded for a reference that loops without the value getting deeper, or that it cannot resolve", () => {
    for (const schema of [{ $ref: "#" }, { allOf: [{ $ref: "#" }] }, { $ref: "other.json#/x" }, { $dynamicRef: "#meta" }]) {
      expect(CheckCost.definitionCost(schema).weights.every((weight) => weight === Infinity)).toBe(true)
      expect(CheckCost.withinBudget(CheckCost.definitionCost(schema), {}, 1e9)).toBe(false)
    }
  })

  it("never throws, whatever JSON it is given as a definition", () => {
    fc.assert(fc.property(jsonValue, (schema) => {
      const cost = CheckCost.definitionCost(schema)
      expect(cost.weights.length).toBe(cost.scans.length)
    }), { numRuns: runs(200) })
  })

  it("measures a value exactly under its limit, and stops past it", () => {
    fc.assert(fc.property(jsonValue, fc.nat({ max: 60 }), (value, limit) => {
      const full = CheckCost.measure(value, Infinity)
      const limited = CheckCost.measure(value, limit)
      if (full.nodes + full.characters <= limit) expect(limited).toEqual(full)
      else expect(limited.nodes).toBe(Infinity)
    }), { numRuns: runs(300) })
  })

  it("sends a check past the budget elsewhere, and keeps a cheap one in place", () => {
    const type = {
      params: Conformance.compile({ allOf: [{ additionalProperties: { $ref: "#" } }, { additionalProperties: { $ref: "#" } }] }, true),
      result: Conformance.compile({}, true)
    }
    let deep: Json.Json = { leaf: 1 }
    for (let level = 0; level < 24; level++) deep = { a: deep }
    expect(Conformance.offloadedChecks(type, deep, null, "active", 200_000).map((job) => job.target)).toEqual(["payload"])
    expect(Conformance.offloadedChecks(type, { a: { b: 1 } }, null, "active", 200_000)).toEqual([])
    // With no budget (a process that trusts its schemas) nothing leaves.
    expect(Conformance.offloadedChecks(type, deep, null, "active", Infinity)).toEqual([])
  })
})
