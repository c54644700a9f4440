/**
 * Storable text, own keys and idempotency records' rules, as pure functions: the oracle for
 * well-formed Unicode is `encodeURIComponent`, which throws on a lone surrogate.
 */
import { describe, expect, it } from "@effect/vitest"
import { Duration, FastCheck as fc, Schema } from "effect"
import { Idempotency, Json } from "@agentledger/domain"

const wellFormed = (text: string): boolean => {
  try {
    encodeURIComponent(text)
    return true
  } catch {
    return false
  }
}

/** Strings of any UTF-16 code units: lone surrogates and NUL included. */
const anyText = fc.oneof(
  fc.string({ unit: "binary" }),
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)) })
)

describe("Json.unstorableReason", () => {
  it.prop("a string is storable exactly when it is well-formed Unicode without U+0000", [anyText], ([text]) => {
    expect(Json.unstorableReason(text) === null).toBe(wellFormed(text) && !text.includes("\u0000"))
  })

  it("names NUL and lone surrogates, and keeps pairs", () => {
    expect(Json.unstorableReason("a\u0000")).toContain("U+0000")
    expect(Json.unstorableReason("\ud800")).toContain("surrogate")
    expect(Json.unstorableReason("\udc00\ud800")).toContain("surrogate")
    expect(Json.unstorableReason("\ud83d\ude00 \u{10ffff} \ufffe")).toBeNull()
  })
})

describe("Json.findUnstorable", () => {
  it.prop("finds an unstorable string wherever it is: values and keys, at any depth", [fc.jsonValue({ maxDepth: 4 }), anyText], ([value, text]) => {
    const placed = { outer: [value, { [text]: text }] }
    const found = Json.findUnstorable(placed)
    const bad = Json.unstorableReason(text) !== null
    if (bad) expect(found).not.toBeNull()
    if (!bad && Json.findUnstorable(value) === null) expect(found).toBeNull()
  })

  it("names the field from the root, a bad key JSON-escaped", () => {
    expect(Json.findUnstorable({ payload: { a: [1, { b: "\u0000" }] } })).toEqual({ field: "payload.a.1.b", message: expect.any(String) })
    expect(Json.findUnstorable({ payload: { ["k\ud800"]: 1 } })?.field).toBe("payload.\"k\\ud800\"")
  })

  it("ends on a cyclic value", () => {
    const cyclic: { self?: unknown; text: string } = { text: "ok" }
    cyclic.self = cyclic
    expect(Json.findUnstorable(cyclic)).toBeNull()
  })
})

describe("Json and JsonObject keep every own key", () => {
  it("a key named __proto__ survives decoding and encoding", () => {
    const value: unknown = JSON.parse(`{"__proto__":{"x":1},"list":[{"__proto__":2}]}`)
    const text = `{"__proto__":{"x":1},"list":[{"__proto__":2}]}`
    const json = Schema.decodeUnknownSync(Json.Json)(value)
    expect(JSON.stringify(json)).toBe(text)
    expect(JSON.stringify(Schema.encodeSync(Json.Json)(json))).toBe(text)
    const object = Schema.decodeUnknownSync(Json.JsonObject)(value)
    expect(JSON.stringify(object)).toBe(text)
    expect(JSON.stringify(Schema.encodeSync(Json.JsonObject)(object))).toBe(text)
  })

  it("refuses what is not JSON", () => {
    expect(Schema.is(Json.Json)(Number.NaN)).toBe(false)
    expect(Schema.is(Json.JsonObject)([])).toBe(false)
    expect(Schema.is(Json.Json)(new Date())).toBe(false)
    expect(Schema.is(Json.Json)(undefined)).toBe(false)
  })

  it("OwnRecord builds its record with own keys", () => {
    const record = Schema.decodeUnknownSync(Json.OwnRecord(Schema.NumberFromString))(JSON.parse(`{"__proto__":"1","a":"2"}`))
    expect(Object.hasOwn(record, "__proto__")).toBe(true)
    expect(record["a"]).toBe(2)
    expect(Object.getPrototypeOf(record)).toBe(Object.prototype)
  })
})

describe("Idempotency", () => {
  it.prop("a record is live for exactly the lifetime", [fc.integer({ min: 0, max: 2 ** 40 }), fc.integer({ min: 1, max: 2 ** 30 }), fc.integer({ min: -5, max: 5 })], ([at, ttl, delta]) => {
    const recordedAt = at - ttl + delta
    expect(Idempotency.isLive(recordedAt, Idempotency.expiredBefore(at, Duration.millis(ttl)))).toBe(delta >= 0)
  })

  it("a deployment token sees an answer only when every agent it names is its own", () => {
    expect(Idempotency.answerVisibleTo(null, { agent_id: "a" })).toBe(true)
    expect(Idempotency.answerVisibleTo("a", { agent_id: "a" })).toBe(true)
    expect(Idempotency.answerVisibleTo("a", { agent_id: "b" })).toBe(false)
    expect(Idempotency.answerVisibleTo("a", [{ agent_id: "a" }, { agent_id: "b" }])).toBe(false)
    expect(Idempotency.answerVisibleTo("a", { token: {} })).toBe(true)
    expect(Duration.toMillis(Idempotency.defaultTtl)).toBe(24 * 60 * 60 * 1000)
  })
})
