/**
 * The decoders against the real writers: spans made by the OpenTelemetry SDK's types, serialized
 * by `@opentelemetry/otlp-transformer` (what the exporters send) in protobuf and in JSON, decode
 * to the same request, holding what the spans held.
 */
import { describe, expect, it } from "@effect/vitest"
import { JsonDecode, Limits, type Model, ProtoDecode } from "@agentledger/otlp"
import { type AttributeValue, type Attributes, type HrTime, SpanKind, SpanStatusCode, TraceFlags } from "@opentelemetry/api"
import { JsonTraceSerializer, ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer"
import { resourceFromAttributes } from "@opentelemetry/resources"
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base"
import { Either, FastCheck as fc } from "effect"
import { runs } from "./support/arbitraries.js"

const hex = (bytes: number) => fc.uint8Array({ minLength: bytes, maxLength: bytes }).map((value) => Buffer.from(value).toString("hex"))
const key = fc.string({ minLength: 1, maxLength: 8 })
const word = fc.fullUnicodeString({ maxLength: 10 }).map((value) => value.replaceAll("\u0000", "~"))
const number = fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }))
const attributeValue: fc.Arbitrary<AttributeValue> = fc.oneof(
  word,
  number,
  fc.boolean(),
  fc.array(word, { maxLength: 3 }),
  fc.array(number, { maxLength: 3 }),
  fc.array(fc.boolean(), { maxLength: 3 })
)
const attributes: fc.Arbitrary<Attributes> = fc.dictionary(key, attributeValue, { maxKeys: 4 })
const hrTime: fc.Arbitrary<HrTime> = fc.tuple(fc.integer({ min: 0, max: 4_000_000_000 }), fc.integer({ min: 0, max: 999_999_999 }))

interface Made {
  readonly traceId: string
  readonly spanId: string
  readonly parentSpanId: string | undefined
  readonly name: string
  readonly kind: SpanKind
  readonly start: HrTime
  readonly end: HrTime
  readonly attributes: Attributes
  readonly events: ReadonlyArray<{ readonly name: string; readonly time: HrTime; readonly attributes: Attributes }>
  readonly error: boolean
  readonly message: string
}

const made: fc.Arbitrary<Made> = fc.record({
  traceId: hex(16),
  spanId: hex(8),
  parentSpanId: fc.option(hex(8), { nil: undefined }),
  name: word,
  kind: fc.constantFrom(SpanKind.INTERNAL, SpanKind.SERVER, SpanKind.CLIENT, SpanKind.PRODUCER, SpanKind.CONSUMER),
  start: hrTime,
  end: hrTime,
  attributes,
  events: fc.array(fc.record({ name: word, time: hrTime, attributes }), { maxLength: 2 }),
  error: fc.boolean(),
  message: word
})

const resource = resourceFromAttributes({ "service.name": "agent-x", "deployment.environment.name": "staging" })
/** One scope for every span: the protobuf writer groups spans by the scope object, the JSON one by its name. */
const scope = { name: "test", version: "0.0.1" }

const readable = (span: Made): ReadableSpan => ({
  name: span.name,
  kind: span.kind,
  spanContext: () => ({ traceId: span.traceId, spanId: span.spanId, traceFlags: TraceFlags.SAMPLED }),
  ...(span.parentSpanId === undefined ? {} : { parentSpanContext: { traceId: span.traceId, spanId: span.parentSpanId, traceFlags: TraceFlags.SAMPLED } }),
  startTime: span.start,
  endTime: span.end,
  status: span.error ? { code: SpanStatusCode.ERROR, message: span.message } : { code: SpanStatusCode.UNSET },
  attributes: span.attributes,
  links: [],
  events: span.events.map((event) => ({ name: event.name, time: event.time, attributes: event.attributes })),
  duration: [0, 0],
  ended: true,
  resource,
  instrumentationScope: scope,
  droppedAttributesCount: 0,
  droppedEventsCount: 0,
  droppedLinksCount: 0
})

const nanos = ([seconds, nanoseconds]: HrTime): bigint => BigInt(seconds) * 1_000_000_000n + BigInt(nanoseconds)

const expectedValue = (value: AttributeValue | undefined): Model.AnyValue => {
  if (typeof value === "string") return { _tag: "string", value }
  if (typeof value === "boolean") return { _tag: "bool", value }
  if (typeof value === "number") {
    // The writers send an integral number within int64 as an integer, any other as a double.
    return Number.isInteger(value) && value >= -(2 ** 63) && value < 2 ** 63 ? { _tag: "int", value: BigInt(value) } : { _tag: "double", value }
  }
  if (Array.isArray(value)) return { _tag: "array", values: value.map((item: AttributeValue | null | undefined) => expectedValue(item ?? undefined)) }
  return { _tag: "empty" }
}

const expectedAttributes = (given: Attributes): ReadonlyArray<Model.KeyValue> =>
  Object.keys(given).map((name) => ({ key: name, value: expectedValue(given[name]) }))

const decodedSpans = (request: Either.Either<Model.ExportRequest, unknown>): ReadonlyArray<Model.Span> =>
  Either.getOrThrow(request).resourceSpans.flatMap((resourceSpans) => resourceSpans.scopeSpans.flatMap((scope) => scope.spans))

describe("the decoders and @opentelemetry/otlp-transformer", () => {
  it.prop("decode what it serializes, in protobuf and in JSON, to the same spans, holding what the spans held", [fc.array(made, { minLength: 1, maxLength: 4 })], ([spans]) => {
    const sdkSpans = spans.map(readable)
    const proto = ProtoDecode.decode(ProtobufTraceSerializer.serializeRequest(sdkSpans) ?? new Uint8Array(0), Limits.defaults)
    const json = JsonDecode.decode(new TextDecoder().decode(JsonTraceSerializer.serializeRequest(sdkSpans)), Limits.defaults)
    expect(json).toEqual(proto)
    const request = Either.getOrThrow(proto)
    expect(request.resourceSpans[0]?.resource.attributes).toEqual(expectedAttributes(resource.attributes))
    expect(request.resourceSpans[0]?.scopeSpans[0]?.scope).toMatchObject({ name: "test", version: "0.0.1" })
    expect(decodedSpans(proto).map((span) => ({
      traceId: span.traceId,
      spanId: span.spanId,
      parentSpanId: span.parentSpanId,
      name: span.name,
      kind: span.kind,
      start: span.startTimeUnixNano,
      end: span.endTimeUnixNano,
      attributes: span.attributes,
      events: span.events.map((event) => ({ name: event.name, time: event.timeUnixNano, attributes: event.attributes })),
      status: span.status,
      flags: span.flags
    }))).toEqual(spans.map((span) => ({
      traceId: span.traceId,
      spanId: span.spanId,
      parentSpanId: span.parentSpanId ?? "",
      name: span.name,
      kind: span.kind + 1,
      start: nanos(span.start),
      end: nanos(span.end),
      attributes: expectedAttributes(span.attributes),
      events: span.events.map((event) => ({ name: event.name, time: nanos(event.time), attributes: expectedAttributes(event.attributes) })),
      status: span.error ? { code: 2, message: span.message } : { code: 0, message: "" },
      flags: 0x101
    })))
  }, { fastCheck: { numRuns: runs(100) } })
})
