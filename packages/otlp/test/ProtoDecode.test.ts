import { describe, expect, it } from "@effect/vitest"
import { Limits, Model, ProtoDecode } from "@agentledger/otlp"
import { Either, FastCheck as fc } from "effect"
import * as arbitraries from "./support/arbitraries.js"
import { encode, type Variation, writer } from "./support/ProtoWriter.js"

const limits = Limits.defaults

const variation: fc.Arbitrary<Variation> = fc.record({
  seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  pad: fc.boolean(),
  shuffle: fc.boolean(),
  unknown: fc.boolean(),
  split: fc.boolean(),
  omitDefaults: fc.boolean()
})

const decoded = (bytes: Uint8Array, given: Limits.Limits = limits) => ProtoDecode.decode(bytes, given)

/** The reason a body is refused, or a failure of the test when it is decoded. */
const refusal = (bytes: Uint8Array, given: Limits.Limits = limits): string => {
  const result = decoded(bytes, given)
  if (Either.isRight(result)) throw new Error("the body was decoded; it should have been refused")
  return result.left.message
}

const oneSpan = (span: Model.Span): Model.ExportRequest => ({
  resourceSpans: [{
    resource: { attributes: [], droppedAttributesCount: 0 },
    scopeSpans: [{ scope: { name: "", version: "", attributes: [], droppedAttributesCount: 0 }, spans: [span], schemaUrl: "" }],
    schemaUrl: ""
  }]
})

const baseSpan: Model.Span = {
  ...Model.emptySpan(),
  traceId: "5b8efff798038103d269b633813fc60c",
  spanId: "eee19b7ec3c1b174",
  name: "chat gpt-4o",
  kind: 3,
  startTimeUnixNano: 1_796_553_240_521_000_000n,
  endTimeUnixNano: 1_796_553_240_521_665_249n,
  attributes: [{ key: "gen_ai.operation.name", value: { _tag: "string", value: "chat" } }],
  flags: 257
}

const attributeValue = (value: Model.AnyValue): Model.ExportRequest => oneSpan({ ...baseSpan, attributes: [{ key: "k", value }] })

describe("ProtoDecode.decode", () => {
  it.prop("reads back every request, however protobuf allows it to be written", [arbitraries.request, variation], ([request, how]) => {
    expect(decoded(encode(request, how))).toEqual(Either.right(request))
  }, { fastCheck: { numRuns: arbitraries.runs(150) } })

  it("reads an empty body as a request without spans", () => {
    expect(decoded(new Uint8Array(0))).toEqual(Either.right({ resourceSpans: [] }))
  })

  it("reads negative int64 values as two's complement over ten bytes, not zigzag", () => {
    const bytes = writer().anyValue({ _tag: "int", value: -5n })
    expect(Array.from(bytes)).toEqual([0x18, 0xfb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])
    expect(decoded(encode(attributeValue({ _tag: "int", value: -5n })))).toEqual(Either.right(attributeValue({ _tag: "int", value: -5n })))
  })

  it("reads times past 2^53 nanoseconds exactly", () => {
    const span = { ...baseSpan, startTimeUnixNano: 2n ** 63n + 1n, endTimeUnixNano: 2n ** 64n - 1n }
    expect(decoded(encode(oneSpan(span)))).toEqual(Either.right(oneSpan(span)))
  })

  it("reads the two-byte tag of field 16 (flags)", () => {
    const bytes = writer().span(baseSpan)
    expect(Array.from(bytes.slice(-6))).toEqual([0x85, 0x01, 0x01, 0x01, 0x00, 0x00])
  })

  it("keeps the last of a scalar sent twice", () => {
    const w = writer()
    const span = writer().span(baseSpan)
    const twice = Uint8Array.from([...span, ...w.tag(5, 2), 3, ...Buffer.from("two")])
    const request = Uint8Array.from([...w.tag(1, 2), twice.length + 4, ...w.tag(2, 2), twice.length + 2, ...w.tag(2, 2), twice.length, ...twice])
    const result = decoded(request)
    expect(Either.map(result, (r) => r.resourceSpans[0]?.scopeSpans[0]?.spans[0]?.name)).toEqual(Either.right("two"))
  })

  it("skips a known field sent with another wire type, as generated parsers do", () => {
    const w = writer()
    // Span.name (5) as a varint: skipped, the name stays empty.
    const span = Uint8Array.from([...w.tag(5, 0), 7, ...w.tag(2, 2), 8, 1, 2, 3, 4, 5, 6, 7, 8])
    const request = Uint8Array.from([...w.tag(1, 2), span.length + 4, ...w.tag(2, 2), span.length + 2, ...w.tag(2, 2), span.length, ...span])
    const result = decoded(request)
    expect(Either.map(result, (r) => r.resourceSpans[0]?.scopeSpans[0]?.spans[0])).toMatchObject(Either.right({ name: "", spanId: "0102030405060708" }))
  })

  it("replaces malformed UTF-8 and NUL with U+FFFD", () => {
    const w = writer()
    const name = [0x61, 0xff, 0x62, 0x00, 0x63, 0xed, 0xa0, 0x80]
    const span = Uint8Array.from([...w.tag(5, 2), name.length, ...name])
    const request = Uint8Array.from([...w.tag(1, 2), span.length + 4, ...w.tag(2, 2), span.length + 2, ...w.tag(2, 2), span.length, ...span])
    const result = decoded(request)
    expect(Either.map(result, (r) => r.resourceSpans[0]?.scopeSpans[0]?.spans[0]?.name)).toEqual(Either.right("a\ufffdb\ufffdc\ufffd\ufffd\ufffd"))
  })

  it("refuses truncated input, at any cut", () => {
    const bytes = encode(oneSpan(baseSpan))
    for (let cut = 1; cut < bytes.length; cut++) {
      const result = decoded(bytes.slice(0, cut))
      // A cut between top-level fields leaves a shorter valid request; every other cut is refused.
      if (Either.isRight(result)) expect(Model.spanCount(result.right)).toBe(0)
    }
    expect(refusal(bytes.slice(0, bytes.length - 1))).toMatch(/past the end/)
  })

  it("refuses varints longer than ten bytes or past 64 bits, field 0, and groups", () => {
    const w = writer()
    expect(refusal(Uint8Array.from([0x0a, ...new Array<number>(10).fill(0x80), 0x00]))).toMatch(/out of range|longer than ten/)
    expect(refusal(Uint8Array.from([0x08, ...new Array<number>(9).fill(0xff), 0x02]))).toMatch(/overflows 64 bits/)
    expect(refusal(Uint8Array.from([...w.tag(0, 0), 1]))).toMatch(/field number is 0/)
    expect(refusal(Uint8Array.from([...w.tag(9, 3)]))).toMatch(/wire type 3/)
    expect(refusal(Uint8Array.from([0x0f]))).toMatch(/wire type 7/)
  })

  it("refuses a length larger than what is left", () => {
    expect(refusal(Uint8Array.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x07, 0x00]))).toMatch(/past the end/)
    expect(refusal(Uint8Array.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]))).toMatch(/out of range/)
  })

  it("refuses a value nested deeper than the limit, and takes one at the limit", () => {
    const nest = (levels: number): Model.AnyValue => {
      let value: Model.AnyValue = { _tag: "string", value: "core" }
      for (let level = 1; level < levels; level++) value = { _tag: "array", values: [value] }
      return value
    }
    expect(Either.isRight(decoded(encode(attributeValue(nest(limits.maxDepth)))))).toBe(true)
    expect(refusal(encode(attributeValue(nest(limits.maxDepth + 1))))).toMatch(/deeper than 32/)
    // Far deeper than the limit: refused there, never recursed into.
    expect(refusal(wrapValue(nestedBytes(5_000)))).toMatch(/deeper than 32/)
  })

  it("refuses more elements, spans, attributes or string bytes than the limits", () => {
    const many = (count: number): Model.AnyValue => ({ _tag: "array", values: new Array<Model.AnyValue>(count).fill({ _tag: "empty" }) })
    expect(refusal(encode(attributeValue(many(11))), { ...limits, maxAttributes: 10 })).toMatch(/more than 10 entries/)
    expect(refusal(encode(attributeValue(many(100))), { ...limits, maxElements: 50 })).toMatch(/more than 50 elements/)
    const spans = oneSpan(baseSpan)
    expect(refusal(encode({ resourceSpans: [...spans.resourceSpans, ...spans.resourceSpans] }), { ...limits, maxSpans: 1 })).toMatch(/more than 1/)
    expect(refusal(encode(attributeValue({ _tag: "string", value: "x".repeat(101) })), { ...limits, maxStringBytes: 100 })).toMatch(/longer than 100 bytes/)
  })

  it("refuses a million empty elements in two megabytes, at the element budget", () => {
    // Each empty value of an array is two bytes: 0x0a 0x00.
    const values = new Uint8Array(2_000_000)
    for (let index = 0; index < values.length; index += 2) values[index] = 0x0a
    const w = writer()
    const array = Buffer.concat([w.tag(5, 2), w.varint(BigInt(values.length)), values])
    expect(refusal(wrapValue(array), { ...limits, maxAttributes: 10_000_000 })).toMatch(/more than 262144 elements/)
  })
})

/** An attribute value's bytes wrapped into a whole request. */
const wrapValue = (value: Uint8Array): Uint8Array => {
  const w = writer()
  const lengthDelimited = (field: number, body: Uint8Array) => Buffer.concat([w.tag(field, 2), w.varint(BigInt(body.length)), body])
  const keyValue = Buffer.concat([lengthDelimited(1, Buffer.from("k")), lengthDelimited(2, value)])
  const span = lengthDelimited(9, keyValue)
  return lengthDelimited(1, lengthDelimited(2, lengthDelimited(2, span)))
}

/** The bytes of an `AnyValue` of arrays nested `levels` deep, built from the inside out. */
const nestedBytes = (levels: number): Uint8Array => {
  const w = writer()
  let value = Uint8Array.from([...w.tag(1, 2), 4, ...Buffer.from("core")])
  for (let level = 1; level < levels; level++) {
    const item = Buffer.concat([w.tag(1, 2), w.varint(BigInt(value.length)), value])
    value = Buffer.concat([w.tag(5, 2), w.varint(BigInt(item.length)), item])
  }
  return value
}
