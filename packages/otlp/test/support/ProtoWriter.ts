/**
 * A protobuf writer of export requests for tests, independent of the decoder, that can write the
 * same request in the many ways protobuf allows: padded (non-minimal) varints, fields in any
 * order (repeated ones interleaved with others), unknown fields between known ones, a singular
 * message sent in two parts (to be merged), defaults written or left out.
 */
import { Seeded } from "@agentledger/domain"
import type { Model } from "@agentledger/otlp"

export interface Variation {
  readonly seed: number
  readonly pad: boolean
  readonly shuffle: boolean
  readonly unknown: boolean
  readonly split: boolean
  readonly omitDefaults: boolean
}

export const plain: Variation = { seed: 1, pad: false, shuffle: false, unknown: false, split: false, omitDefaults: true }

type Entry = readonly [field: number, bytes: ReadonlyArray<number>]

const utf8 = new TextEncoder()

export const writer = (variation: Variation = plain) => {
  const random = Seeded.uint32s(variation.seed)
  const chance = (enabled: boolean) => enabled && (random() & 3) === 0

  const varint = (input: bigint): Array<number> => {
    let value = BigInt.asUintN(64, input)
    const out: Array<number> = []
    while (value >= 0x80n) {
      out.push(Number(value & 0x7fn) | 0x80)
      value >>= 7n
    }
    out.push(Number(value))
    while (out.length < 10 && chance(variation.pad)) {
      out[out.length - 1] = (out[out.length - 1] ?? 0) | 0x80
      out.push(0)
    }
    return out
  }
  const tag = (field: number, wire: number) => varint(BigInt((field << 3) | wire))
  const le = (bytes: number, value: bigint): Array<number> => Array.from({ length: bytes }, (_, index) => Number((value >> BigInt(8 * index)) & 0xffn))

  const scalar = (field: number, value: bigint, isDefault: boolean): Array<Entry> =>
    isDefault && variation.omitDefaults ? [] : [[field, [...tag(field, 0), ...varint(value)]]]
  const len = (field: number, body: ReadonlyArray<number>): Entry => [field, [...tag(field, 2), ...varint(BigInt(body.length)), ...body]]
  const bytes = (field: number, value: Uint8Array | ReadonlyArray<number>, omittable = true): Array<Entry> =>
    value.length === 0 && omittable && variation.omitDefaults ? [] : [len(field, Array.from(value))]
  const string = (field: number, value: string): Array<Entry> => bytes(field, utf8.encode(value))
  const fixed64 = (field: number, value: bigint): Array<Entry> =>
    value === 0n && variation.omitDefaults ? [] : [[field, [...tag(field, 1), ...le(8, value)]]]
  const fixed32 = (field: number, value: number): Array<Entry> =>
    value === 0 && variation.omitDefaults ? [] : [[field, [...tag(field, 5), ...le(4, BigInt(value))]]]
  const hex = (field: number, value: string): Array<Entry> => bytes(field, Buffer.from(value, "hex"))

  /** A message's entries as bytes, in the order and with the noise the variation asks for. */
  const message = (entries: ReadonlyArray<Entry>): Array<number> => {
    let ordered = [...entries]
    if (variation.shuffle) {
      const keyed = ordered.map((entry) => ({ entry, key: random() }))
      // Interleaved, but each field's own entries keep their order (a repeated field's order is its content).
      const byField = new Map<number, Array<number>>()
      for (const item of keyed) byField.set(item.entry[0], [...(byField.get(item.entry[0]) ?? []), item.key])
      for (const keys of byField.values()) keys.sort((a, b) => a - b)
      const next = new Map<number, number>()
      const rekeyed = keyed.map((item) => {
        const index = next.get(item.entry[0]) ?? 0
        next.set(item.entry[0], index + 1)
        return { entry: item.entry, key: byField.get(item.entry[0])?.[index] ?? 0 }
      })
      ordered = rekeyed.sort((a, b) => a.key - b.key).map((item) => item.entry)
    }
    const out: Array<number> = []
    for (const [, body] of ordered) {
      if (chance(variation.unknown)) out.push(...unknownField())
      out.push(...body)
    }
    if (chance(variation.unknown)) out.push(...unknownField())
    return out
  }

  const unknownField = (): Array<number> => {
    const field = 100 + (random() % 1000)
    switch (random() % 4) {
      case 0:
        return [...tag(field, 0), ...varint(BigInt(random()))]
      case 1:
        return [...tag(field, 1), ...le(8, BigInt(random()))]
      case 2:
        return [...tag(field, 2), ...varint(3n), 1, 2, 3]
      default:
        return [...tag(field, 5), ...le(4, BigInt(random()))]
    }
  }

  const anyValue = (value: Model.AnyValue): Array<number> => {
    switch (value._tag) {
      case "empty":
        return []
      case "string":
        return message(bytes(1, utf8.encode(value.value), false))
      case "bool":
        return message([[2, [...tag(2, 0), value.value ? 1 : 0]]])
      case "int":
        return message([[3, [...tag(3, 0), ...varint(value.value)]]])
      case "double": {
        const buffer = Buffer.alloc(8)
        buffer.writeDoubleLE(value.value)
        return message([[4, [...tag(4, 1), ...buffer]]])
      }
      case "bytes":
        return message(bytes(7, value.value, false))
      case "array":
        return message([len(5, message(value.values.map((item) => len(1, anyValue(item)))))])
      case "kvlist":
        return message([len(6, message(value.values.map((item) => len(1, keyValue(item)))))])
    }
  }

  const keyValue = (kv: Model.KeyValue): Array<number> =>
    message([...string(1, kv.key), ...(kv.value._tag === "empty" && variation.omitDefaults ? [] : [len(2, anyValue(kv.value))])])

  const attributes = (field: number, list: ReadonlyArray<Model.KeyValue>): Array<Entry> => list.map((kv) => len(field, keyValue(kv)))

  /** A singular message as one field, or (split) as two that merge into it. */
  const singular = (field: number, parts: ReadonlyArray<Entry>): Array<Entry> => {
    if (!chance(variation.split) || parts.length < 2) return [len(field, message(parts))]
    const cut = 1 + (random() % (parts.length - 1))
    return [len(field, message(parts.slice(0, cut))), len(field, message(parts.slice(cut)))]
  }

  const status = (value: Model.Status): Array<Entry> =>
    singular(15, [...string(2, value.message), ...scalar(3, BigInt(value.code), value.code === 0)])

  const event = (value: Model.Event): Array<number> =>
    message([
      ...fixed64(1, value.timeUnixNano),
      ...string(2, value.name),
      ...attributes(3, value.attributes),
      ...scalar(4, BigInt(value.droppedAttributesCount), value.droppedAttributesCount === 0)
    ])

  const link = (value: Model.Link): Array<number> =>
    message([
      ...hex(1, value.traceId),
      ...hex(2, value.spanId),
      ...string(3, value.traceState),
      ...attributes(4, value.attributes),
      ...scalar(5, BigInt(value.droppedAttributesCount), value.droppedAttributesCount === 0),
      ...fixed32(6, value.flags)
    ])

  const span = (value: Model.Span): Array<number> =>
    message([
      ...hex(1, value.traceId),
      ...hex(2, value.spanId),
      ...string(3, value.traceState),
      ...hex(4, value.parentSpanId),
      ...string(5, value.name),
      ...scalar(6, BigInt(value.kind), value.kind === 0),
      ...fixed64(7, value.startTimeUnixNano),
      ...fixed64(8, value.endTimeUnixNano),
      ...attributes(9, value.attributes),
      ...scalar(10, BigInt(value.droppedAttributesCount), value.droppedAttributesCount === 0),
      ...value.events.map((item) => len(11, event(item))),
      ...scalar(12, BigInt(value.droppedEventsCount), value.droppedEventsCount === 0),
      ...value.links.map((item) => len(13, link(item))),
      ...scalar(14, BigInt(value.droppedLinksCount), value.droppedLinksCount === 0),
      ...status(value.status),
      ...fixed32(16, value.flags)
    ])

  const scopeSpans = (value: Model.ScopeSpans): Array<number> =>
    message([
      ...singular(1, [
        ...string(1, value.scope.name),
        ...string(2, value.scope.version),
        ...attributes(3, value.scope.attributes),
        ...scalar(4, BigInt(value.scope.droppedAttributesCount), value.scope.droppedAttributesCount === 0)
      ]),
      ...value.spans.map((item) => len(2, span(item))),
      ...string(3, value.schemaUrl)
    ])

  const resourceSpans = (value: Model.ResourceSpans): Array<number> =>
    message([
      ...singular(1, [
        ...attributes(1, value.resource.attributes),
        ...scalar(2, BigInt(value.resource.droppedAttributesCount), value.resource.droppedAttributesCount === 0)
      ]),
      ...value.scopeSpans.map((item) => len(2, scopeSpans(item))),
      ...string(3, value.schemaUrl)
    ])

  return {
    request: (value: Model.ExportRequest): Uint8Array => Uint8Array.from(message(value.resourceSpans.map((item) => len(1, resourceSpans(item))))),
    anyValue: (value: Model.AnyValue): Uint8Array => Uint8Array.from(anyValue(value)),
    varint: (value: bigint): Uint8Array => Uint8Array.from(varint(value)),
    tag: (field: number, wire: number): Uint8Array => Uint8Array.from(tag(field, wire)),
    span: (value: Model.Span): Uint8Array => Uint8Array.from(span(value))
  }
}

/** An export request as protobuf bytes, written plainly (defaults left out, minimal varints). */
export const encode = (request: Model.ExportRequest, variation: Variation = plain): Uint8Array => writer(variation).request(request)
