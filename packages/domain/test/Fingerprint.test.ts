/**
 * Schema fingerprints (docs/domain.md "Versions", invariant 3): the normalized activity schema
 * and its fingerprint are invariant under key order and input form, and sensitive to any content
 * change; the canonical JSON under them is RFC 8785's. Version fingerprints are in
 * VersionFingerprint.test.ts.
 */
import { describe, expect, it } from "@effect/vitest"
import { Either, FastCheck as fc } from "effect"
import { ActivitySchema, Digest } from "@agentledger/domain"
import { jsonValue, keyOrder, runs, seededRandom, shuffleKeys } from "./arbitraries.js"
import { referenceJcs, sha256 } from "./fixtures.js"
import {
  buildInput,
  expectedSchema,
  fingerprintOfInput,
  listPlacement,
  mapPlacement,
  normalizeJson,
  typeName,
  withPlacements
} from "./support/activitySchemaForms.js"
import { applyChange, changeArb } from "./support/contentChanges.js"

describe("ActivitySchema.normalize + schemaFingerprint", () => {
  it.prop(
    "every input form gives the normalized schema of docs/domain.md and one fingerprint",
    [withPlacements(true)],
    ([{ placements, seed, spec }]) => {
      const expected = expectedSchema(spec)
      const canonical = buildInput(spec, spec.types.map(() => listPlacement), seed)
      const mixed = buildInput(spec, placements, seed + 1)
      expect(normalizeJson(canonical)).toEqual(expected)
      expect(normalizeJson(mixed)).toEqual(expected)
      expect(fingerprintOfInput(mixed)).toBe(fingerprintOfInput(canonical))
    },
    { fastCheck: { numRuns: runs(150) } }
  )

  it.prop(
    "span_schemas + span_result_schemas maps, the span_type_schemas list and a mix agree",
    [withPlacements(false)],
    ([{ placements, seed, spec }]) => {
      const maps = buildInput(spec, spec.types.map(() => mapPlacement), seed)
      const list = buildInput(spec, spec.types.map(() => listPlacement), seed)
      const mixed = buildInput(spec, placements, seed)
      expect(maps["span_type_schemas"] ?? []).toEqual([])
      const fingerprint = fingerprintOfInput(list)
      expect(fingerprintOfInput(maps)).toBe(fingerprint)
      expect(fingerprintOfInput(mixed)).toBe(fingerprint)
      expect(normalizeJson(maps)).toEqual(expectedSchema(spec))
    },
    { fastCheck: { numRuns: runs(150) } }
  )

  it.prop(
    "invariant under key order at every depth and under the order of the span_type_schemas list",
    [withPlacements(true), fc.integer()],
    ([{ placements, seed, spec }, shuffleSeed]) => {
      const input = buildInput(spec, placements, seed)
      const reordered = shuffleKeys(input, seededRandom(shuffleSeed))
      expect(fingerprintOfInput(reordered)).toBe(fingerprintOfInput(input))
    },
    { fastCheck: { numRuns: runs(150) } }
  )

  it("key order that survives decoding does not change the fingerprint (example)", () => {
    const a = { span_schemas: { s: { type: "object", properties: { b: { type: "string" }, a: { type: "integer" } } } } }
    const b = { span_schemas: { s: { properties: { a: { type: "integer" }, b: { type: "string" } }, type: "object" } } }
    // The decoded schemas really do hold their keys in different orders…
    expect(keyOrder(normalizeJson(a).span_type_schemas["s"]?.params_schema ?? null))
      .not.toEqual(keyOrder(normalizeJson(b).span_type_schemas["s"]?.params_schema ?? null))
    // …and still have one fingerprint.
    expect(fingerprintOfInput(a)).toBe(fingerprintOfInput(b))
  })

  it.prop(
    "sensitive to any content change: one leaf, a display field, a risk flag, a type added, removed or renamed",
    [withPlacements(true), changeArb],
    ([{ placements, seed, spec }, change]) => {
      const changed = applyChange(spec, change)
      fc.pre(changed !== undefined)
      // The change is real content…
      expect(expectedSchema(changed)).not.toEqual(expectedSchema(spec))
      // …whatever forms carry the two versions.
      const before = fingerprintOfInput(buildInput(spec, placements, seed))
      const after = fingerprintOfInput(buildInput(changed, placements, seed + 7))
      expect(after).not.toBe(before)
    },
    { fastCheck: { numRuns: runs(300) } }
  )

  it.prop(
    "the fingerprint is SHA-256 of the RFC 8785 canonical normalized schema, data-risk `unknown`s left out (reference JCS)",
    [withPlacements(true)],
    ([{ placements, seed, spec }]) => {
      const normalized = normalizeJson(buildInput(spec, placements, seed))
      expect(ActivitySchema.schemaFingerprint(normalized)).toBe(sha256(referenceJcs(withoutUnknowns(expectedSchema(spec)))))
    },
    { fastCheck: { numRuns: runs(100) } }
  )

  it.prop(
    "Digest.canonicalJson agrees with a reference JCS on any JSON value, whatever its key order",
    [jsonValue, fc.integer()],
    ([value, seed]) => {
      const reference = referenceJcs(value)
      expect(Digest.canonicalJson(value)).toBe(reference)
      expect(Digest.canonicalJson(shuffleKeys(value, seededRandom(seed)))).toBe(reference)
      expect(Digest.fingerprintOf(value)).toBe(sha256(reference))
    },
    { fastCheck: { numRuns: runs(200) } }
  )

  it("keys that look like array indices sort as strings, as RFC 8785 wants (JavaScript would order them as numbers)", () => {
    expect(Digest.canonicalJson({ b: { "10": 1, "9": 2, a: 3 }, "2": [{ "1": true, "0": false }] }))
      .toBe(`{"2":[{"0":false,"1":true}],"b":{"10":1,"9":2,"a":3}}`)
  })

  it("canonical JSON of a known value (RFC 8785 form)", () => {
    const value = { b: 1, a: [true, null, "x\n"], "€": 1e21, c: { z: 0.5, y: -1, "": 1e-7 }, A: "é" }
    expect(Digest.canonicalJson(value)).toBe(`{"A":"é","a":[true,null,"x\\n"],"b":1,"c":{"":1e-7,"y":-1,"z":0.5},"€":1e+21}`)
  })

  it.prop(
    "where a list entry and a map give the same part of a type, the list entry wins",
    [typeName, jsonValue, jsonValue, jsonValue],
    ([name, listed, mapped, otherMapped]) => {
      // An explicit null is read as "not given" (like a null title), so it is not a competing value.
      fc.pre(listed !== null && JSON.stringify(listed) !== JSON.stringify(mapped))
      const normalized = Either.getOrThrow(ActivitySchema.normalize({
        span_schemas: { [name]: mapped },
        span_result_schemas: { [name]: otherMapped },
        span_type_schemas: [{ name, params_schema: listed }]
      }))
      expect(normalized.span_type_schemas[name]?.params_schema).toEqual(listed)
      // The part the list entry leaves out comes from the map.
      expect(normalized.span_type_schemas[name]?.result_schema).toEqual(otherMapped ?? {})
    },
    { fastCheck: { numRuns: runs(100) } }
  )

  it("span type names: 1–200 characters, unique in the list", () => {
    const ok = ActivitySchema.normalize({ span_type_schemas: [{ name: "x".repeat(200) }] })
    expect(Either.isRight(ok)).toBe(true)
    for (const input of [
      { span_type_schemas: [{ name: "" }] },
      { span_type_schemas: [{ name: "x".repeat(201) }] },
      { span_schemas: { ["y".repeat(201)]: {} } },
      { span_result_schemas: { "": {} } },
      { span_type_schemas: [{ name: "dup" }, { name: "dup", title: "again" }] }
    ]) {
      const result = ActivitySchema.normalize(input)
      expect(Either.isLeft(result)).toBe(true)
      if (Either.isLeft(result)) expect(result.left._tag).toBe("InvalidInput")
    }
  })

  it("the empty input is the empty schema", () => {
    expect(Either.getOrThrow(ActivitySchema.normalize({}))).toEqual(ActivitySchema.emptyActivitySchema)
    expect(Either.getOrThrow(ActivitySchema.normalize({
      external_identifier: null,
      span_schemas: null,
      span_result_schemas: {},
      span_type_schemas: []
    }))).toEqual(ActivitySchema.emptyActivitySchema)
  })

  // Names a span type may legitimately have that are also members of Object.prototype.
  it("a type named like an Object.prototype member still gets the default {} schemas", () => {
    for (const name of ["constructor", "toString", "valueOf", "hasOwnProperty"]) {
      const normalized = Either.getOrThrow(ActivitySchema.normalize({ span_type_schemas: [{ name, title: "T" }] }))
      const definition = normalized.span_type_schemas[name]
      expect(definition?.params_schema).toEqual({})
      expect(definition?.result_schema).toEqual({})
      // Same content as the map form, so one fingerprint.
      expect(ActivitySchema.schemaFingerprint(normalized)).toBe(ActivitySchema.schemaFingerprint(Either.getOrThrow(
        ActivitySchema.normalize({ span_schemas: { [name]: {} }, span_type_schemas: [{ name, title: "T" }] })
      )))
    }
  })

  it("a type named __proto__ is either refused or kept, never silently dropped", () => {
    const result = ActivitySchema.normalize({ span_type_schemas: [{ name: "__proto__", title: "T" }, { name: "other" }] })
    if (Either.isRight(result)) {
      expect(Object.keys(result.right.span_type_schemas).sort()).toEqual(["__proto__", "other"])
    } else {
      expect(result.left._tag).toBe("InvalidInput")
    }
  })
})

/** The hashed form: every `"unknown"` of a `data_risk` block dropped (it is the default, not content). */
function withoutUnknowns(schema: ActivitySchema.ActivitySchema): unknown {
  const dropUnknown = (block: Readonly<Record<string, string>>) =>
    Object.fromEntries(Object.entries(block).filter(([, value]) => value !== "unknown"))
  return {
    external_identifier: schema.external_identifier,
    span_type_schemas: Object.fromEntries(Object.entries(schema.span_type_schemas).map(([name, definition]) => [name, {
      ...definition,
      data_risk: {
        action_profile: dropUnknown(definition.data_risk.action_profile),
        params_data_categories: dropUnknown(definition.data_risk.params_data_categories),
        result_data_categories: dropUnknown(definition.data_risk.result_data_categories)
      }
    }]))
  }
}
