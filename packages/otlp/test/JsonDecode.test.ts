import { describe, expect, it } from "@effect/vitest"
import { JsonDecode, Limits, type Model } from "@agentledger/otlp"
import { Either, FastCheck as fc } from "effect"
import * as arbitraries from "./support/arbitraries.js"
import { encodeJson, type JsonVariation } from "./support/JsonWriter.js"

const limits = Limits.defaults

const variation: fc.Arbitrary<JsonVariation> = fc.record({ numbers: fc.boolean(), upper: fc.boolean(), snake: fc.boolean(), omitDefaults: fc.boolean() })

const refusal = (text: string, given: Limits.Limits = limits): string => {
  const result = JsonDecode.decode(text, given)
  if (Either.isRight(result)) throw new Error("the body was decoded; it should have been refused")
  return result.left.message
}

const spanOf = (span: Record<string, unknown>) => JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [span] }] }] })

const firstSpan = (text: string): Model.Span | undefined => {
  const result = JsonDecode.decode(text, limits)
  if (Either.isLeft(result)) throw new Error(result.left.message)
  return result.right.resourceSpans[0]?.scopeSpans[0]?.spans[0]
}

describe("JsonDecode.decode", () => {
  it.prop("reads back every request, in every form receivers must take", [arbitraries.request, variation], ([request, how]) => {
    expect(JsonDecode.decode(encodeJson(request, how), limits)).toEqual(Either.right(request))
  }, { fastCheck: { numRuns: arbitraries.runs(150) } })

  it("reads what the JavaScript exporter sends: intValue as a number, times as strings, no parentSpanId on a root", () => {
    const span = firstSpan(spanOf({
      traceId: "CF06A0B1C2D3E4F5A6B7C8D9E0F11099",
      spanId: "b04c568f084a7046",
      name: "child",
      kind: 1,
      startTimeUnixNano: "1796553240521000000",
      endTimeUnixNano: "1796553240521665249",
      attributes: [{ key: "n", value: { intValue: 12 } }, { key: "neg", value: { intValue: -5 } }, { key: "f", value: { doubleValue: 1.5 } }],
      status: { code: 2, message: "boom" },
      links: [],
      flags: 257
    }))
    expect(span).toMatchObject({
      traceId: "cf06a0b1c2d3e4f5a6b7c8d9e0f11099",
      parentSpanId: "",
      startTimeUnixNano: 1_796_553_240_521_000_000n,
      endTimeUnixNano: 1_796_553_240_521_665_249n,
      attributes: [
        { key: "n", value: { _tag: "int", value: 12n } },
        { key: "neg", value: { _tag: "int", value: -5n } },
        { key: "f", value: { _tag: "double", value: 1.5 } }
      ],
      status: { code: 2, message: "boom" },
      flags: 257
    })
  })

  it("takes enum names, null for absent fields, and ignores unknown fields", () => {
    const span = firstSpan(spanOf({ kind: "SPAN_KIND_CLIENT", status: { code: "STATUS_CODE_ERROR" }, name: null, somethingNew: { a: 1 } }))
    expect(span).toMatchObject({ kind: 3, status: { code: 2, message: "" }, name: "" })
  })

  it("reads an empty request as no spans", () => {
    expect(JsonDecode.decode("{}", limits)).toEqual(Either.right({ resourceSpans: [] }))
  })

  it("replaces NUL and lone surrogates with U+FFFD", () => {
    expect(firstSpan(spanOf({ name: "a\u0000b\ud800c\udc00" }))?.name).toBe("a\ufffdb\ufffdc\ufffd")
    expect(firstSpan(spanOf({ attributes: [{ key: "k\u0000", value: { stringValue: "\udbff" } }] }))?.attributes).toEqual([
      { key: "k\ufffd", value: { _tag: "string", value: "\ufffd" } }
    ])
  })

  it("keeps a key named __proto__ as a key", () => {
    const text = "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"attributes\":[{\"key\":\"__proto__\",\"value\":{\"kvlistValue\":{\"values\":[{\"key\":\"__proto__\",\"value\":{\"boolValue\":true}}]}}}]}]}]}]}"
    expect(firstSpan(text)?.attributes).toEqual([
      { key: "__proto__", value: { _tag: "kvlist", values: [{ key: "__proto__", value: { _tag: "bool", value: true } }] } }
    ])
  })

  it("refuses what is not the OTLP/JSON mapping, naming where", () => {
    expect(refusal("[1,2")).toMatch(/cannot be decoded/)
    expect(refusal("[]")).toMatch(/the request: must be an object/)
    expect(refusal(JSON.stringify({ resourceSpans: {} }))).toMatch(/resourceSpans: must be an array/)
    expect(refusal(spanOf({ traceId: "W4+/95gDgQPSabYzgT/GDA==" }))).toMatch(/traceId: must be hex/)
    expect(refusal(spanOf({ startTimeUnixNano: "1.5" }))).toMatch(/startTimeUnixNano: must be an integer/)
    expect(refusal(spanOf({ startTimeUnixNano: "18446744073709551616" }))).toMatch(/startTimeUnixNano: must be an integer/)
    expect(refusal(spanOf({ startTimeUnixNano: -1 }))).toMatch(/startTimeUnixNano: must be an integer/)
    expect(refusal(spanOf({ kind: "CLIENT" }))).toMatch(/kind: must be an integer/)
    expect(refusal(spanOf({ attributes: [{ key: "k", value: { intValue: "9223372036854775808" } }] }))).toMatch(/intValue: must be an integer/)
    expect(refusal(spanOf({ attributes: [{ key: "k", value: { boolValue: "true" } }] }))).toMatch(/boolValue: must be true or false/)
    expect(refusal(spanOf({ attributes: [{ key: "k", value: { bytesValue: "not base64!" } }] }))).toMatch(/bytesValue: must be base64/)
    expect(refusal(spanOf({ name: 7 }))).toMatch(/spans\.0\.name: must be a string/)
  })

  it("refuses text nested past the bound before parsing it, and values past the depth limit", () => {
    expect(refusal(`${"[".repeat(100_000)}${"]".repeat(100_000)}`)).toMatch(/nests deeper than 140 levels/)
    let value: unknown = { stringValue: "core" }
    for (let level = 1; level <= limits.maxDepth; level++) value = { arrayValue: { values: [value] } }
    expect(refusal(spanOf({ attributes: [{ key: "k", value }] }))).toMatch(/nests deeper than 32 levels/)
  })

  it("refuses more elements, entries or string bytes than the limits", () => {
    const values = new Array(20).fill({})
    const span = spanOf({ attributes: [{ key: "k", value: { arrayValue: { values } } }] })
    expect(refusal(span, { ...limits, maxAttributes: 10 })).toMatch(/holds more than 10 entries/)
    expect(refusal(span, { ...limits, maxElements: 10 })).toMatch(/more than 10 elements/)
    expect(refusal(spanOf({ name: "é".repeat(60) }), { ...limits, maxStringBytes: 100 })).toMatch(/longer than 100 bytes/)
  })
})
