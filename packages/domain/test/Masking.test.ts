/**
 * Masking at ingest (docs/domain.md, "Masking"): the rule keeps a value's structure, leaves no
 * masked text behind, is idempotent, leaves alone what nobody asked to mask, and changes neither
 * a span's conformance nor any risk figure; the policy's validation names every problem.
 */
import { describe, expect, it } from "@effect/vitest"
import { Either, FastCheck as fc } from "effect"
import { DataRisk, Ids, type Json, Masking, MaskingPolicy, Span, Status } from "@agentledger/domain"
import { isJsonArray, jsonKey, jsonNumber, runs, scoringDataRisk, validRulesInput } from "./arbitraries.js"
import { at, contextOf, idOf, makeInstance, rulesOf, schemaOf } from "./fixtures.js"

// ---------------------------------------------------------------------------------------------
// Arbitraries: values whose every string is recognisably original, policies, declarations
// ---------------------------------------------------------------------------------------------

/** Every original string carries this, so a test can find one anywhere in a masked value's text. */
const tag = "ORIG~"

const secretLeaf: fc.Arbitrary<Json.Json> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  jsonNumber,
  fc.string({ maxLength: 8 }).map((s) => `${tag}${s}`)
)

/** Keys the policies below name, mixed with ordinary ones, in assorted spellings. */
const namedKeyPool = ["password", "Password", "API_KEY", "api-key", "apiKey", "ssn", "token", "note", "name", "__proto__"] as const

const secretTree = fc.letrec<{ value: Json.Json; object: Json.JsonObject }>((tie) => ({
  value: fc.oneof({ depthSize: "small", maxDepth: 4 }, secretLeaf, fc.array(tie("value"), { maxLength: 4 }), tie("object")),
  object: fc.array(fc.tuple(fc.oneof(jsonKey, fc.constantFrom(...namedKeyPool)), tie("value")), { maxLength: 5 })
    .map((entries) => Object.fromEntries(entries))
}))
const payload = secretTree.object

const category = fc.constantFrom(...DataRisk.categories)
const flag = fc.constantFrom<DataRisk.CategoryFlag>("included", "excluded", "unknown")
const declaration: fc.Arbitrary<DataRisk.DataCategories> = fc.array(fc.tuple(category, flag), { maxLength: 8 })
  .map((pairs) => ({ ...DataRisk.unknownCategories, ...Object.fromEntries(pairs) }))

const rules: fc.Arbitrary<MaskingPolicy.MaskingRules> = fc.record({
  categories: fc.uniqueArray(category, { maxLength: 4 }).map((chosen) => DataRisk.categories.filter((c) => chosen.includes(c))),
  keys: fc.uniqueArray(fc.constantFrom("password", "api_key", "ssn", "note", "missing"), { maxLength: 3 })
})
const masker = rules.map(Masking.prepare)
const sensitive = fc.constantFrom<boolean | null>(null, false, true)

// ---------------------------------------------------------------------------------------------
// Readings of a value
// ---------------------------------------------------------------------------------------------

/** The structure of a value: objects' keys, arrays' lengths and nulls, every other leaf a hole. */
const shape = (value: Json.Json): unknown => {
  if (value === null) return null
  if (isJsonArray(value)) return value.map(shape)
  if (typeof value === "object") return Object.entries(value).map(([key, v]) => [key, shape(v)])
  return "leaf"
}

/** Every leaf but null, with the keys on its path. */
const leavesOf = (value: Json.Json, path: ReadonlyArray<string> = []): Array<readonly [ReadonlyArray<string>, Json.Json]> => {
  if (value === null) return []
  if (isJsonArray(value)) return value.flatMap((item) => leavesOf(item, path))
  if (typeof value === "object") return Object.entries(value).flatMap(([key, v]) => leavesOf(v, [...path, key]))
  return [[path, value]]
}

/** Every object key of a value, at any depth. */
const keysOf = (value: Json.Json): Array<string> => {
  if (value === null || typeof value !== "object") return []
  if (isJsonArray(value)) return value.flatMap(keysOf)
  return Object.entries(value).flatMap(([key, v]) => [key, ...keysOf(v)])
}

const named = (keys: ReadonlySet<string>, path: ReadonlyArray<string>) => path.some((key) => keys.has(MaskingPolicy.keyForm(key)))

const prop = <A>(arbitrary: fc.Arbitrary<A>, predicate: (value: A) => void, numRuns = 60) =>
  fc.assert(fc.property(arbitrary, predicate), { numRuns: runs(numRuns) })

// ---------------------------------------------------------------------------------------------

describe("Masking.mask", () => {
  it("keeps the structure: the same keys in the same order, the same array lengths, the same nulls", () =>
    prop(fc.tuple(payload, masker, declaration, sensitive), ([value, m, declared, flagged]) => {
      expect(shape(Masking.mask(value, m, declared, flagged))).toEqual(shape(value))
    }))

  it("a masked leaf is a marker that depends on the rule alone; no original text survives in a masked part", () =>
    prop(fc.tuple(payload, masker, declaration, sensitive), ([value, m, declared, flagged]) => {
      const masked = Masking.mask(value, m, declared, flagged)
      const asked = Masking.maskedCategories(m, declared)
      if (asked.length > 0) {
        // The whole value is masked: every leaf is the one marker, and the text holds no original string.
        for (const [, leaf] of leavesOf(masked)) expect(leaf).toBe(Masking.categoryMarker(asked))
        expect(JSON.stringify(masked)).not.toContain(tag)
        return
      }
      const keys = flagged === true ? m.sensitiveKeys : m.keys
      const before = leavesOf(value)
      const after = leavesOf(masked)
      expect(after.length).toBe(before.length)
      after.forEach(([path, leaf], index) => {
        // Under a named key, the marker; elsewhere, the leaf as it was.
        expect(leaf).toEqual(named(keys, path) ? Masking.keyMarker : before[index]?.[1])
      })
    }, 100))

  it("is idempotent: a masked value masks to itself", () =>
    prop(fc.tuple(payload, masker, declaration, sensitive), ([value, m, declared, flagged]) => {
      const once = Masking.mask(value, m, declared, flagged)
      expect(Masking.mask(once, m, declared, flagged)).toEqual(once)
    }))

  it("leaves a value alone (the same object) when no category it declares and no key it holds is asked for", () =>
    prop(fc.tuple(payload, masker, declaration), ([value, m, declared]) => {
      const asked = Masking.maskedCategories(m, declared)
      if (asked.length === 0 && !keysOf(value).some((key) => m.keys.has(MaskingPolicy.keyForm(key)))) {
        expect(Masking.mask(value, m, declared, false)).toBe(value)
      }
      // A category the policy does not mask never asks, whatever the type declares.
      const others = DataRisk.categories.filter((c) => !m.categories.includes(c))
      const onlyOthers = { ...DataRisk.unknownCategories, ...Object.fromEntries(others.map((c) => [c, "included"])) }
      expect(Masking.maskedCategories(m, onlyOthers)).toEqual([])
    }))

  it("an account without a policy masks nothing unless the client says sensitive_encoding: true", () =>
    prop(fc.tuple(payload, declaration, fc.constantFrom(null, false, undefined)), ([value, declared, flagged]) => {
      expect(Masking.mask(value, Masking.none, declared, flagged)).toBe(value)
    }))

  it("masks named keys case- and separator-insensitively, at any depth, the whole value under them", () => {
    const m = Masking.prepare({ categories: [], keys: ["api_key", "SSN"] })
    const value = {
      apiKey: "k-1",
      nested: [{ "API-KEY": { inner: ["k-2", 7, true, null] } }, { ssn: 123456789, name: "Ada" }],
      my_api_key: "kept: names are whole"
    }
    expect(Masking.mask(value, m, undefined, null)).toEqual({
      apiKey: "[masked:key]",
      nested: [{ "API-KEY": { inner: ["[masked:key]", "[masked:key]", "[masked:key]", null] } }, { ssn: "[masked:key]", name: "Ada" }],
      my_api_key: "kept: names are whole"
    })
  })

  it("masks the built-in secret names when the client says sensitive_encoding: true, even with the policy off", () => {
    const value = { Password: "hunter2", headers: { Authorization: "Bearer abc" }, query: "shipping" }
    expect(Masking.mask(value, Masking.none, undefined, true)).toEqual({
      Password: "[masked:key]",
      headers: { Authorization: "[masked:key]" },
      query: "shipping"
    })
    expect(Masking.mask(value, Masking.none, undefined, false)).toBe(value)
  })

  it("masks every leaf of a part whose type includes a masked category, naming the categories; keys stay", () => {
    const m = Masking.prepare({ categories: ["personal_identifiers", "authentication_and_secrets"], keys: [] })
    const declared = { ...DataRisk.unknownCategories, authentication_and_secrets: "included" as const, personal_identifiers: "included" as const }
    // JSON.parse keeps `__proto__` as an own key, as the HTTP edge does.
    const sent: Json.JsonObject = JSON.parse(`{"user": {"email": "a@b.c", "age": 40, "admin": false, "tags": ["x", null]}, "__proto__": "a key"}`)
    const masked = Masking.mask(sent, m, declared, null)
    const marker = "[masked:personal_identifiers,authentication_and_secrets]"
    expect(Object.keys(masked)).toEqual(["user", "__proto__"])
    expect(masked["user"]).toEqual({ email: marker, age: marker, admin: marker, tags: [marker, null] })
    expect(Object.getOwnPropertyDescriptor(masked, "__proto__")?.value).toBe(marker)
    expect(Object.getPrototypeOf(masked)).toBe(Object.prototype)
    // `excluded` and `unknown` never ask.
    const excluded = { ...DataRisk.unknownCategories, personal_identifiers: "excluded" as const }
    expect(Masking.mask({ email: "a@b.c" }, m, excluded, null)).toEqual({ email: "a@b.c" })
  })

  it("a span's flag is true once either call said so, else the latest word", () => {
    expect(Masking.sensitiveOf(null, undefined)).toBe(null)
    expect(Masking.sensitiveOf(null, false)).toBe(false)
    expect(Masking.sensitiveOf(false, true)).toBe(true)
    expect(Masking.sensitiveOf(true, false)).toBe(true)
    expect(Masking.sensitiveOf(false, null)).toBe(false)
  })
})

describe("MaskingPolicy.validate", () => {
  it("keeps the categories in canonical order and field names once per form", () => {
    expect(MaskingPolicy.validate({ categories: ["minors_data", "personal_identifiers", "minors_data"], keys: ["Password", " password ", "api-key"] }))
      .toEqual(Either.right({ categories: ["personal_identifiers", "minors_data"], keys: ["Password", "api-key"] }))
  })

  it("refuses unknown categories, nameless and over-long names, and floods, naming each field", () => {
    const refused = MaskingPolicy.validate({ categories: ["personal_identifiers", "salary"], keys: ["ok", "", "--", "x".repeat(101)] })
    expect(Either.isLeft(refused)).toBe(true)
    if (Either.isLeft(refused)) {
      expect(Object.keys(refused.left.errors).sort()).toEqual(["categories.1", "keys.1", "keys.2", "keys.3"])
    }
    const flood = MaskingPolicy.validate({ categories: [], keys: Array.from({ length: 101 }, (_, i) => `k${i}`) })
    expect(Either.isLeft(flood) && Object.keys(flood.left.errors)).toEqual(["keys"])
    const many = MaskingPolicy.validate({ categories: Array.from({ length: 101 }, () => "minors_data"), keys: [] })
    expect(Either.isLeft(many) && Object.keys(many.left.errors)).toEqual(["categories"])
  })
})

// ---------------------------------------------------------------------------------------------
// Masking never changes a decision
// ---------------------------------------------------------------------------------------------

const typeNames = ["lookup", "charge", "login", "noop"] as const

/** Params that hold a `password` made of digits: a masked one would no longer match. */
const strictParams = { type: "object", properties: { password: { type: "string", pattern: "^[0-9]+$" } } }

describe("decisions on masked spans", () => {
  it("conformance is checked on what was sent: a span whose masked field conforms stays conforming", () => {
    const schema = schemaOf([{ name: "login", params: strictParams, result: strictParams }])
    const context = contextOf(schema, null)
    const m = Masking.prepare({ categories: [], keys: ["password"] })
    const recorded = Span.recordSpan({
      instance: makeInstance({ status: "active", risk: null }),
      input: { schema_name: "login", status: "complete", payload: { password: "1234" }, result_payload: { password: "5678" } },
      parent: null,
      context,
      id: idOf(Ids.SpanId, 1),
      now: at(10),
      masking: m
    })
    expect(Either.isRight(recorded)).toBe(true)
    if (Either.isRight(recorded)) {
      expect(recorded.right.span.payload).toEqual({ password: "[masked:key]" })
      expect(recorded.right.span.result_payload).toEqual({ password: "[masked:key]" })
      expect(recorded.right.span.conformance).toEqual({ payload: "conforms", result: "conforms", errors: [] })
      expect(recorded.right.span.sensitive_encoding).toBe(null)
    }
  })

  it("a finish masks its result, and one that first says sensitive_encoding masks the payload's secret names", () => {
    const context = contextOf(schemaOf([{ name: "login" }]), null)
    const open = Span.recordSpan({
      instance: makeInstance({ status: "active", risk: null }),
      input: { schema_name: "login", status: "active", payload: { password: "p", user: "ada" }, sensitive_encoding: false },
      parent: null,
      context,
      id: idOf(Ids.SpanId, 2),
      now: at(10)
    })
    if (Either.isLeft(open)) return expect.fail("the span is recorded")
    expect(open.right.span.payload).toEqual({ password: "p", user: "ada" })
    expect(open.right.span.sensitive_encoding).toBe(false)
    const finished = Span.finishSpan({
      span: open.right.span,
      instance: open.right.instance,
      input: { status: "complete", result_payload: { token: "t", ok: true }, sensitive_encoding: true },
      context,
      now: at(20)
    })
    if (Either.isLeft(finished)) return expect.fail("the span finishes")
    expect(finished.right.span).toMatchObject({
      payload: { password: "[masked:key]", user: "ada" },
      result_payload: { token: "[masked:key]", ok: true },
      sensitive_encoding: true
    })
  })

  it("risk, counts and conformance are the same with and without masking, on random runs", () =>
    fc.assert(
      fc.property(
        fc.array(scoringDataRisk, { minLength: typeNames.length, maxLength: typeNames.length }),
        validRulesInput(),
        rules,
        fc.array(fc.record({ type: fc.nat({ max: 5 }), status: fc.constantFrom(...Status.statuses), payload, result: payload, sensitive }), {
          maxLength: 12
        }),
        (risks, profile, policy, steps) => {
          const schema = schemaOf(typeNames.map((name, i) => ({ name, params: strictParams, ...(risks[i] === undefined ? {} : { risk: risks[i] }) })))
          const context = contextOf(schema, rulesOf(profile))
          const play = (masking: Masking.Masker) => {
            let instance = makeInstance({ status: "active" })
            const spans: Array<Span.Span> = []
            steps.forEach((step, index) => {
              const recorded = Span.recordSpan({
                instance,
                input: {
                  schema_name: typeNames[step.type] ?? "undeclared",
                  status: step.status,
                  payload: step.payload,
                  ...(Status.isTerminal(step.status) ? { result_payload: step.result } : {}),
                  sensitive_encoding: step.sensitive
                },
                parent: null,
                context,
                id: idOf(Ids.SpanId, 100 + index),
                now: at(index),
                masking
              })
              if (Either.isRight(recorded)) {
                instance = recorded.right.instance
                spans.push(recorded.right.span)
              }
            })
            return { instance, decisions: spans.map((s) => ({ conformance: s.conformance, points: s.risk_points })) }
          }
          const plain = play(Masking.none)
          const masked = play(Masking.prepare(policy))
          expect(masked.instance).toEqual(plain.instance)
          expect(masked.decisions).toEqual(plain.decisions)
        }
      ),
      { numRuns: runs(30) }
    ))
})
