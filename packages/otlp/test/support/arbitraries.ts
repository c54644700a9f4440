/**
 * Export requests of every shape the model holds, for properties over the decoders: strings of
 * any Unicode (storable), 64-bit integers and times over their whole range, nested values to a
 * few levels, ids of the right lengths (and, for a root, no parent).
 */
import type { Model } from "@agentledger/otlp"
import { FastCheck as fc } from "effect"

/** `numRuns` for a property: `AGENTLEDGER_DEEP=1` runs twenty times more. */
export const runs = (n: number): number => ((process.env["AGENTLEDGER_DEEP"] ?? "") !== "" ? n * 20 : n)

/** Storable text: any code points but NUL (which the decoders replace). */
export const text = (maxLength = 12): fc.Arbitrary<string> =>
  fc.fullUnicodeString({ maxLength }).map((value) => value.replaceAll("\u0000", "~"))

const hex = (bytes: number) => fc.uint8Array({ minLength: bytes, maxLength: bytes }).map((value) => Buffer.from(value).toString("hex"))

export const traceId = hex(16)
export const spanId = hex(8)

const u32 = fc.integer({ min: 0, max: 2 ** 32 - 1 })
const i32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })
const u64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })

const scalar: fc.Arbitrary<Model.AnyValue> = fc.oneof(
  fc.constant<Model.AnyValue>({ _tag: "empty" }),
  text().map((value): Model.AnyValue => ({ _tag: "string", value })),
  fc.boolean().map((value): Model.AnyValue => ({ _tag: "bool", value })),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((value): Model.AnyValue => ({ _tag: "int", value })),
  fc.double().map((value): Model.AnyValue => ({ _tag: "double", value })),
  fc.uint8Array({ maxLength: 8 }).map((value): Model.AnyValue => ({ _tag: "bytes", value }))
)

const { value: anyValue } = fc.letrec<{ value: Model.AnyValue; keyValue: Model.KeyValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    scalar,
    fc.array(tie("value"), { maxLength: 3 }).map((values): Model.AnyValue => ({ _tag: "array", values })),
    fc.array(tie("keyValue"), { maxLength: 3 }).map((values): Model.AnyValue => ({ _tag: "kvlist", values }))
  ),
  keyValue: fc.record({ key: text(), value: tie("value") })
}))

export { anyValue }

export const attributes: fc.Arbitrary<ReadonlyArray<Model.KeyValue>> = fc.array(fc.record({ key: text(), value: anyValue }), { maxLength: 4 })

const event: fc.Arbitrary<Model.Event> = fc.record({ timeUnixNano: u64, name: text(), attributes, droppedAttributesCount: u32 })

const link: fc.Arbitrary<Model.Link> = fc.record({ traceId, spanId, traceState: text(), attributes, droppedAttributesCount: u32, flags: u32 })

export const span: fc.Arbitrary<Model.Span> = fc.record({
  traceId,
  spanId,
  traceState: text(),
  parentSpanId: fc.oneof(fc.constant(""), spanId),
  name: text(),
  kind: i32,
  startTimeUnixNano: u64,
  endTimeUnixNano: u64,
  attributes,
  droppedAttributesCount: u32,
  events: fc.array(event, { maxLength: 2 }),
  droppedEventsCount: u32,
  links: fc.array(link, { maxLength: 2 }),
  droppedLinksCount: u32,
  status: fc.record({ code: i32, message: text() }),
  flags: u32
})

export const request: fc.Arbitrary<Model.ExportRequest> = fc.record({
  resourceSpans: fc.array(
    fc.record({
      resource: fc.record({ attributes, droppedAttributesCount: u32 }),
      scopeSpans: fc.array(
        fc.record({
          scope: fc.record({ name: text(), version: text(), attributes, droppedAttributesCount: u32 }),
          spans: fc.array(span, { maxLength: 3 }),
          schemaUrl: text()
        }),
        { maxLength: 2 }
      ),
      schemaUrl: text()
    }),
    { maxLength: 2 }
  )
})
