/**
 * The protobuf decoder of `ExportTraceServiceRequest` (opentelemetry-proto, `trace/v1`,
 * `common/v1`, `resource/v1`, `collector/trace/v1`), written by hand over `Wire.ts` so that every
 * bound holds while decoding, not after: a field that lies about its length, a varint that never
 * ends, a value nested past `maxDepth` or a request of a million empty elements is refused at the
 * byte where it breaks the bound.
 *
 * Protobuf's rules are kept: fields in any order, repeated ones interleaved with others, a
 * singular scalar sent twice is the last, a singular message sent twice is merged, an unknown
 * field (or a known one with another wire type) is skipped, and a default is what an absent
 * field means. The profiling-only `*_strindex` fields are ignored, as the specification says.
 */
import { Either } from "effect"
import { MalformedRequest } from "../Errors.js"
import type { Limits } from "../Limits.js"
import * as Model from "../Model.js"
import { toHex } from "../Text.js"
import * as Wire from "./Wire.js"

/** A field's tag as it appears on the wire: `(number << 3) | wire type`. */
const key = (field: number, wireType: number): number => (field << 3) | wireType

const LEN = Wire.wire.len
const VARINT = Wire.wire.varint
const I64 = Wire.wire.i64
const I32 = Wire.wire.i32

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

/** Appends to a list, within the list's bound. */
const push = <A>(r: Wire.Reader, list: Array<A>, item: A, bound: number, what: string): void => {
  if (list.length >= bound) return Wire.fail(r, `${what} holds more than ${bound} entries`)
  Wire.count(r)
  list.push(item)
}

/** Two values of one field merged, as protobuf merges a message sent twice. */
const merged = (before: Model.AnyValue, after: Model.AnyValue): Model.AnyValue => {
  if (after._tag === "empty") return before
  if (before._tag === "array" && after._tag === "array") return { _tag: "array", values: [...before.values, ...after.values] }
  if (before._tag === "kvlist" && after._tag === "kvlist") return { _tag: "kvlist", values: [...before.values, ...after.values] }
  return after
}

const anyValue = (r: Wire.Reader, parentEnd: number, depth: number): Model.AnyValue => {
  const end = Wire.window(r, parentEnd)
  if (depth > r.limits.maxDepth) {
    Wire.fail(r, `an attribute value nests deeper than ${r.limits.maxDepth} levels`)
    return Model.empty
  }
  let value: Model.AnyValue = Model.empty
  while (r.pos < end) {
    const tag = Wire.tag(r)
    switch (tag) {
      case key(1, LEN):
        value = { _tag: "string", value: Wire.string(r, end) }
        break
      case key(2, VARINT):
        value = { _tag: "bool", value: Wire.bool(r) }
        break
      case key(3, VARINT):
        value = { _tag: "int", value: Wire.int64(r) }
        break
      case key(4, I64):
        value = { _tag: "double", value: Wire.double(r, end) }
        break
      case key(5, LEN):
        value = merged(value, { _tag: "array", values: arrayValue(r, end, depth) })
        break
      case key(6, LEN):
        value = merged(value, { _tag: "kvlist", values: keyValueList(r, end, depth) })
        break
      case key(7, LEN):
        value = { _tag: "bytes", value: Wire.bytes(r, end) }
        break
      default:
        Wire.skip(r, tag & 7, end)
    }
  }
  Wire.close(r, end)
  return value
}

const arrayValue = (r: Wire.Reader, parentEnd: number, depth: number): Array<Model.AnyValue> => {
  const end = Wire.window(r, parentEnd)
  const values: Array<Model.AnyValue> = []
  while (r.pos < end) {
    const tag = Wire.tag(r)
    if (tag === key(1, LEN)) push(r, values, anyValue(r, end, depth + 1), r.limits.maxAttributes, "an array value")
    else Wire.skip(r, tag & 7, end)
  }
  Wire.close(r, end)
  return values
}

const keyValueList = (r: Wire.Reader, parentEnd: number, depth: number): Array<Model.KeyValue> => {
  const end = Wire.window(r, parentEnd)
  const values: Array<Model.KeyValue> = []
  while (r.pos < end) {
    const tag = Wire.tag(r)
    if (tag === key(1, LEN)) push(r, values, keyValue(r, end, depth + 1), r.limits.maxAttributes, "a key-value list")
    else Wire.skip(r, tag & 7, end)
  }
  Wire.close(r, end)
  return values
}

const keyValue = (r: Wire.Reader, parentEnd: number, depth: number): Model.KeyValue => {
  const end = Wire.window(r, parentEnd)
  let name = ""
  let value: Model.AnyValue = Model.empty
  while (r.pos < end) {
    const tag = Wire.tag(r)
    if (tag === key(1, LEN)) name = Wire.string(r, end)
    else if (tag === key(2, LEN)) value = merged(value, anyValue(r, end, depth))
    else Wire.skip(r, tag & 7, end)
  }
  Wire.close(r, end)
  return { key: name, value }
}

/** One more attribute of a list (attributes of a resource, scope, span, event or link). */
const attribute = (r: Wire.Reader, end: number, into: Array<Model.KeyValue>): void =>
  push(r, into, keyValue(r, end, 1), r.limits.maxAttributes, "a list of attributes")

const resource = (r: Wire.Reader, parentEnd: number, into: Mutable<Model.Resource> & { attributes: Array<Model.KeyValue> }): void => {
  const end = Wire.window(r, parentEnd)
  while (r.pos < end) {
    const tag = Wire.tag(r)
    if (tag === key(1, LEN)) attribute(r, end, into.attributes)
    else if (tag === key(2, VARINT)) into.droppedAttributesCount = Wire.uint32(r)
    else Wire.skip(r, tag & 7, end)
  }
  Wire.close(r, end)
}

const scope = (r: Wire.Reader, parentEnd: number, into: Mutable<Model.Scope> & { attributes: Array<Model.KeyValue> }): void => {
  const end = Wire.window(r, parentEnd)
  while (r.pos < end) {
    const tag = Wire.tag(r)
    switch (tag) {
      case key(1, LEN):
        into.name = Wire.string(r, end)
        break
      case key(2, LEN):
        into.version = Wire.string(r, end)
        break
      case key(3, LEN):
        attribute(r, end, into.attributes)
        break
      case key(4, VARINT):
        into.droppedAttributesCount = Wire.uint32(r)
        break
      default:
        Wire.skip(r, tag & 7, end)
    }
  }
  Wire.close(r, end)
}

const status = (r: Wire.Reader, parentEnd: number, into: Mutable<Model.Status>): void => {
  const end = Wire.window(r, parentEnd)
  while (r.pos < end) {
    const tag = Wire.tag(r)
    if (tag === key(2, LEN)) into.message = Wire.string(r, end)
    else if (tag === key(3, VARINT)) into.code = Wire.int32(r)
    else Wire.skip(r, tag & 7, end)
  }
  Wire.close(r, end)
}

/** An id: its bytes as lowercase hex, whatever their number (the span's check judges it). */
const id = (r: Wire.Reader, end: number): string => {
  const stop = Wire.window(r, end)
  if (stop - r.pos > 64) {
    Wire.fail(r, "an id is longer than 64 bytes")
    return ""
  }
  const text = toHex(r.bytes, r.pos, stop)
  r.pos = stop
  return text
}

const event = (r: Wire.Reader, parentEnd: number): Model.Event => {
  const end = Wire.window(r, parentEnd)
  const into: Mutable<Model.Event> & { attributes: Array<Model.KeyValue> } = { timeUnixNano: 0n, name: "", attributes: [], droppedAttributesCount: 0 }
  while (r.pos < end) {
    const tag = Wire.tag(r)
    switch (tag) {
      case key(1, I64):
        into.timeUnixNano = Wire.fixed64(r, end)
        break
      case key(2, LEN):
        into.name = Wire.string(r, end)
        break
      case key(3, LEN):
        attribute(r, end, into.attributes)
        break
      case key(4, VARINT):
        into.droppedAttributesCount = Wire.uint32(r)
        break
      default:
        Wire.skip(r, tag & 7, end)
    }
  }
  Wire.close(r, end)
  return into
}

const link = (r: Wire.Reader, parentEnd: number): Model.Link => {
  const end = Wire.window(r, parentEnd)
  const into: Mutable<Model.Link> & { attributes: Array<Model.KeyValue> } = {
    traceId: "",
    spanId: "",
    traceState: "",
    attributes: [],
    droppedAttributesCount: 0,
    flags: 0
  }
  while (r.pos < end) {
    const tag = Wire.tag(r)
    switch (tag) {
      case key(1, LEN):
        into.traceId = id(r, end)
        break
      case key(2, LEN):
        into.spanId = id(r, end)
        break
      case key(3, LEN):
        into.traceState = Wire.string(r, end)
        break
      case key(4, LEN):
        attribute(r, end, into.attributes)
        break
      case key(5, VARINT):
        into.droppedAttributesCount = Wire.uint32(r)
        break
      case key(6, I32):
        into.flags = Wire.fixed32(r, end)
        break
      default:
        Wire.skip(r, tag & 7, end)
    }
  }
  Wire.close(r, end)
  return into
}

const span = (r: Wire.Reader, parentEnd: number): Model.Span => {
  const end = Wire.window(r, parentEnd)
  const into = Model.emptySpan()
  const limits = r.limits
  while (r.pos < end) {
    const tag = Wire.tag(r)
    switch (tag) {
      case key(1, LEN):
        into.traceId = id(r, end)
        break
      case key(2, LEN):
        into.spanId = id(r, end)
        break
      case key(3, LEN):
        into.traceState = Wire.string(r, end)
        break
      case key(4, LEN):
        into.parentSpanId = id(r, end)
        break
      case key(5, LEN):
        into.name = Wire.string(r, end)
        break
      case key(6, VARINT):
        into.kind = Wire.int32(r)
        break
      case key(7, I64):
        into.startTimeUnixNano = Wire.fixed64(r, end)
        break
      case key(8, I64):
        into.endTimeUnixNano = Wire.fixed64(r, end)
        break
      case key(9, LEN):
        attribute(r, end, into.attributes)
        break
      case key(10, VARINT):
        into.droppedAttributesCount = Wire.uint32(r)
        break
      case key(11, LEN):
        push(r, into.events, event(r, end), limits.maxEvents, "a span's events")
        break
      case key(12, VARINT):
        into.droppedEventsCount = Wire.uint32(r)
        break
      case key(13, LEN):
        push(r, into.links, link(r, end), limits.maxLinks, "a span's links")
        break
      case key(14, VARINT):
        into.droppedLinksCount = Wire.uint32(r)
        break
      case key(15, LEN):
        status(r, end, into.status)
        break
      case key(16, I32):
        into.flags = Wire.fixed32(r, end)
        break
      default:
        Wire.skip(r, tag & 7, end)
    }
  }
  Wire.close(r, end)
  return into
}

const scopeSpans = (r: Wire.Reader, parentEnd: number): Model.ScopeSpans => {
  const end = Wire.window(r, parentEnd)
  const into = {
    scope: { name: "", version: "", attributes: new Array<Model.KeyValue>(), droppedAttributesCount: 0 },
    spans: new Array<Model.Span>(),
    schemaUrl: ""
  }
  while (r.pos < end) {
    const tag = Wire.tag(r)
    if (tag === key(1, LEN)) scope(r, end, into.scope)
    else if (tag === key(2, LEN)) push(r, into.spans, span(r, end), r.limits.maxSpans, "the request's spans")
    else if (tag === key(3, LEN)) into.schemaUrl = Wire.string(r, end)
    else Wire.skip(r, tag & 7, end)
  }
  Wire.close(r, end)
  return into
}

const resourceSpans = (r: Wire.Reader, parentEnd: number): Model.ResourceSpans => {
  const end = Wire.window(r, parentEnd)
  const into = {
    resource: { attributes: new Array<Model.KeyValue>(), droppedAttributesCount: 0 },
    scopeSpans: new Array<Model.ScopeSpans>(),
    schemaUrl: ""
  }
  while (r.pos < end) {
    const tag = Wire.tag(r)
    if (tag === key(1, LEN)) resource(r, end, into.resource)
    else if (tag === key(2, LEN)) push(r, into.scopeSpans, scopeSpans(r, end), r.limits.maxSpans, "a resource's scopes")
    else if (tag === key(3, LEN)) into.schemaUrl = Wire.string(r, end)
    else Wire.skip(r, tag & 7, end)
  }
  Wire.close(r, end)
  return into
}

/**
 * Decodes an `ExportTraceServiceRequest` from its protobuf bytes, within `limits`; an empty body
 * is a request without spans.
 */
export const decode = (bytes: Uint8Array, limits: Limits): Either.Either<Model.ExportRequest, MalformedRequest> => {
  const r = Wire.reader(bytes, limits)
  const end = bytes.length
  const request = { resourceSpans: new Array<Model.ResourceSpans>() }
  while (r.pos < end) {
    const tag = Wire.tag(r)
    if (tag === key(1, LEN)) push(r, request.resourceSpans, resourceSpans(r, end), limits.maxSpans, "the request's resources")
    else Wire.skip(r, tag & 7, end)
  }
  if (r.failure === undefined && Model.spanCount(request) > limits.maxSpans) {
    Wire.fail(r, `the request holds more than ${limits.maxSpans} spans`)
  }
  return r.failure === undefined
    ? Either.right(request)
    : Either.left(new MalformedRequest({ message: `the protobuf body cannot be decoded: ${r.failure}` }))
}
