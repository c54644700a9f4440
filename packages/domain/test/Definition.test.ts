/**
 * Compiling a definition: `$async` is invalid; every compilation is isolated (nothing a
 * definition registers is seen by the next); references are not inlined (the generated code
 * grows with the definition, not with the paths through it); a validator sent as source and
 * instantiated answers exactly as the compiled one.
 */
import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { Conformance, Definition, type Json } from "@agentledger/domain"
import { jsonObject, runs } from "./arbitraries.js"

describe("Definition.compile", () => {
  it("refuses $async definitions, whose validators answer with a Promise", () => {
    const compiled = Definition.compile({ $async: true, required: ["x"] })
    expect(compiled.check.status).toBe("invalid")
    expect(compiled.check.message).toMatch(/\$async/)
    expect(compiled.validate).toBeUndefined()
  })

  it("isolates compilations: an $id one definition declares is unknown to the next", () => {
    const id = "https://example.test/shared"
    expect(Definition.compile({ properties: { inner: { $id: id, type: "string" } } }).check.status).toBe("valid")
    const again = Definition.compile({ $id: id, type: "object", required: ["y"] })
    expect(again.check.status).toBe("valid")
    // A reference to another compilation's id resolves to nothing here.
    expect(Definition.compile({ $ref: id }).check.status).toBe("invalid")
  })

  it("compiles references as functions: the code of a chain of doubled references grows linearly", () => {
    const chain = (length: number): Json.Json => {
      const definitions: Record<string, Json.Json> = {}
      for (let index = 0; index < length; index++) {
        definitions[`d${index}`] = index === length - 1
          ? { type: "string" }
          : { allOf: [{ $ref: `#/definitions/d${index + 1}` }, { $ref: `#/definitions/d${index + 1}` }] }
      }
      return { definitions, $ref: "#/definitions/d0" }
    }
    const size = (length: number) => Definition.compilePortable(chain(length)).code?.length ?? Infinity
    expect(size(24) / size(12)).toBeLessThan(3)
  })
})

const definitions: ReadonlyArray<Json.Json> = [
  { type: "object", required: ["name"], properties: { name: { type: "string", minLength: 2, pattern: "^[A-Z]" } } },
  { type: "object", properties: { tags: { type: "array", uniqueItems: true, items: { type: "string" } } }, additionalProperties: { type: "number" } },
  { type: "object", propertyNames: { pattern: "^[a-z]+$" }, maxProperties: 3 },
  { anyOf: [{ required: ["a"] }, { required: ["b"] }], not: { required: ["c"] } },
  { type: "object", properties: { kind: { enum: ["a", 1, null, { x: [1] }] }, n: { const: { y: "z" } } } }
]

describe("Definition.instantiate", () => {
  it("a validator rebuilt from its source answers as the compiled one", () => {
    const compiled = definitions.map((definition) => Definition.compile(definition))
    const rebuilt = definitions.map((definition) => Definition.instantiate(definition, Definition.compilePortable(definition)))
    fc.assert(fc.property(fc.nat({ max: definitions.length - 1 }), jsonObject, (index, value) => {
      const here = compiled[index]?.validate
      const there = rebuilt[index]?.validate
      if (here === undefined || there === undefined) throw new Error("a pool definition did not compile")
      expect(Conformance.verdictOf(there, value, "payload")).toEqual(Conformance.verdictOf(here, value, "payload"))
    }), { numRuns: runs(300) })
  })

  it("keeps a validator whose source is too large to load in the caller's thread off it", () => {
    const properties: Record<string, Json.Json> = {}
    for (let index = 0; index < 600; index++) properties[`p${index}`] = { type: "string", minLength: 1 }
    const definition: Json.Json = { type: "object", properties }
    const portable = Definition.compilePortable(definition)
    expect(portable.code?.length ?? 0).toBeGreaterThan(Definition.instantiableCodeBytes)
    const instantiated = Definition.instantiate(definition, portable)
    expect(instantiated.check.status).toBe("valid")
    expect(instantiated.validate).toBeUndefined()
    expect(Conformance.offloadedChecks({ params: instantiated, result: instantiated }, {}, null, "active", 1e12)).toHaveLength(1)
  })
})
