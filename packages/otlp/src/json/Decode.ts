/**
 * The OTLP/JSON decoder: the proto3 JSON mapping of `ExportTraceServiceRequest`, read into the
 * same model as the protobuf decoder (`Model.ts`), within the same bounds (`Limits.ts`).
 *
 * What the specification asks and what exporters send are both taken: field names in
 * lowerCamelCase (the proto's snake_case names too, as the collector takes them), ids as hex of
 * either case, 64-bit integers as decimal strings or as numbers (the JavaScript exporter sends
 * `intValue` as a number), enums as integers (their names too), `null` as an absent field,
 * doubles as numbers or `"NaN"`, `"Infinity"`, `"-Infinity"`; unknown fields are ignored. The
 * text's nesting is bounded before it is parsed, so a hostile document never reaches the parser.
 */
import { Json } from "@agentledger/domain"
import { Either } from "effect"
import { MalformedRequest } from "../Errors.js"
import type { Limits } from "../Limits.js"
import * as Model from "../Model.js"
import { normalHex, storable, utf8Length } from "../Text.js"

/** The decoding's state: the first failure, and the elements counted against the budget. */
interface Context {
  readonly limits: Limits
  failure: string | undefined
  elements: number
}

type Node = { readonly [key: string]: unknown }

const fail = (c: Context, path: string, reason: string): void => {
  c.failure ??= `${path}: ${reason}`
}

const isNode = (value: unknown): value is Node => typeof value === "object" && value !== null && !Array.isArray(value)

/** A field by its JSON name or its proto name; `null` is an absent field. */
const field = (node: Node, camel: string, snake: string = camel): unknown => {
  const value = Object.hasOwn(node, camel) ? node[camel] : Object.hasOwn(node, snake) ? node[snake] : undefined
  return value === null ? undefined : value
}

const object = (c: Context, value: unknown, path: string): Node | undefined => {
  if (value === undefined) return undefined
  if (isNode(value)) return value
  fail(c, path, "must be an object")
  return undefined
}

/** A repeated field's elements, within its bound and the request's element budget. */
const list = (c: Context, value: unknown, path: string, bound: number): ReadonlyArray<unknown> => {
  if (value === undefined) return []
  if (!Array.isArray(value)) {
    fail(c, path, "must be an array")
    return []
  }
  if (value.length > bound) {
    fail(c, path, `holds more than ${bound} entries`)
    return []
  }
  c.elements += value.length
  if (c.elements > c.limits.maxElements) {
    fail(c, path, `the request holds more than ${c.limits.maxElements} elements`)
    return []
  }
  return value
}

const string = (c: Context, value: unknown, path: string): string => {
  if (value === undefined) return ""
  if (typeof value !== "string") {
    fail(c, path, "must be a string")
    return ""
  }
  if (value.length > c.limits.maxStringBytes / 3 && utf8Length(value) > c.limits.maxStringBytes) {
    fail(c, path, `is longer than ${c.limits.maxStringBytes} bytes`)
    return ""
  }
  return storable(value)
}

const decimal = /^-?\d{1,20}$/

/** A 64-bit integer sent as a decimal string or a number, within `[min, max]`. */
const integer = (c: Context, value: unknown, path: string, min: bigint, max: bigint): bigint => {
  if (value === undefined) return 0n
  let parsed: bigint | undefined
  if (typeof value === "number" && Number.isInteger(value)) parsed = BigInt(value)
  else if (typeof value === "string" && decimal.test(value)) parsed = BigInt(value)
  if (parsed === undefined || parsed < min || parsed > max) {
    fail(c, path, `must be an integer from ${min} to ${max}, as a number or a decimal string`)
    return 0n
  }
  return parsed
}

const u64 = (c: Context, value: unknown, path: string): bigint => integer(c, value, path, 0n, 2n ** 64n - 1n)
const i64 = (c: Context, value: unknown, path: string): bigint => integer(c, value, path, -(2n ** 63n), 2n ** 63n - 1n)
const u32 = (c: Context, value: unknown, path: string): number => Number(integer(c, value, path, 0n, 2n ** 32n - 1n))

/** An enum: its number, or its name in `names`. */
const enumeration = (c: Context, value: unknown, path: string, names: ReadonlyArray<string>): number => {
  if (typeof value === "string" && names.includes(value)) return names.indexOf(value)
  return Number(integer(c, value, path, -(2n ** 31n), 2n ** 31n - 1n))
}

const spanKinds = ["SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL", "SPAN_KIND_SERVER", "SPAN_KIND_CLIENT", "SPAN_KIND_PRODUCER", "SPAN_KIND_CONSUMER"]
const statusCodes = ["STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"]

const specialDoubles: ReadonlyMap<string, number> = new Map([["NaN", NaN], ["Infinity", Infinity], ["-Infinity", -Infinity]])

const double = (c: Context, value: unknown, path: string): number => {
  if (typeof value === "number") return value
  if (typeof value === "string") {
    const special = specialDoubles.get(value)
    if (special !== undefined) return special
    const parsed = Number(value)
    if (value.trim() !== "" && Number.isFinite(parsed)) return parsed
  }
  fail(c, path, "must be a number, or \"NaN\", \"Infinity\" or \"-Infinity\"")
  return 0
}

const boolean = (c: Context, value: unknown, path: string): boolean => {
  if (typeof value === "boolean") return value
  fail(c, path, "must be true or false")
  return false
}

/** An id: hex of whole bytes, either case; empty is an absent id. */
const id = (c: Context, value: unknown, path: string): string => {
  const text = string(c, value, path)
  if (text.length > 128) {
    fail(c, path, "is longer than 64 bytes")
    return ""
  }
  const hex = normalHex(text)
  if (hex === undefined) fail(c, path, "must be hex (ids in OTLP/JSON are hex, not base64)")
  return hex ?? ""
}

const base64 = /^[A-Za-z0-9+/_-]*={0,2}$/

const bytes = (c: Context, value: unknown, path: string): Uint8Array => {
  const text = string(c, value, path)
  if (!base64.test(text)) {
    fail(c, path, "must be base64")
    return new Uint8Array(0)
  }
  return new Uint8Array(Buffer.from(text, "base64"))
}

const anyValue = (c: Context, value: unknown, path: string, depth: number): Model.AnyValue => {
  const node = object(c, value, path)
  if (node === undefined) return Model.empty
  if (depth > c.limits.maxDepth) {
    fail(c, path, `nests deeper than ${c.limits.maxDepth} levels`)
    return Model.empty
  }
  const text = field(node, "stringValue", "string_value")
  if (text !== undefined) return { _tag: "string", value: string(c, text, `${path}.stringValue`) }
  const flag = field(node, "boolValue", "bool_value")
  if (flag !== undefined) return { _tag: "bool", value: boolean(c, flag, `${path}.boolValue`) }
  const int = field(node, "intValue", "int_value")
  // The JavaScript exporter writes any integral number as `intValue`, 1e19 too, where its
  // protobuf writer sends a double: such a number is kept as the double it is.
  if (typeof int === "number" && Number.isInteger(int) && (int >= 2 ** 63 || int < -(2 ** 63))) return { _tag: "double", value: int }
  if (int !== undefined) return { _tag: "int", value: i64(c, int, `${path}.intValue`) }
  const float = field(node, "doubleValue", "double_value")
  if (float !== undefined) return { _tag: "double", value: double(c, float, `${path}.doubleValue`) }
  const array = object(c, field(node, "arrayValue", "array_value"), `${path}.arrayValue`)
  if (array !== undefined) {
    const at = `${path}.arrayValue.values`
    const values = list(c, field(array, "values"), at, c.limits.maxAttributes).map((item, index) => anyValue(c, item, `${at}.${index}`, depth + 1))
    return { _tag: "array", values }
  }
  const kvlist = object(c, field(node, "kvlistValue", "kvlist_value"), `${path}.kvlistValue`)
  if (kvlist !== undefined) return { _tag: "kvlist", values: keyValues(c, field(kvlist, "values"), `${path}.kvlistValue.values`, depth + 1) }
  const data = field(node, "bytesValue", "bytes_value")
  if (data !== undefined) return { _tag: "bytes", value: bytes(c, data, `${path}.bytesValue`) }
  return Model.empty
}

const keyValues = (c: Context, value: unknown, path: string, depth: number): ReadonlyArray<Model.KeyValue> =>
  list(c, value, path, c.limits.maxAttributes).map((item, index) => {
    const at = `${path}.${index}`
    const node = object(c, item, at) ?? {}
    return { key: string(c, field(node, "key"), `${at}.key`), value: anyValue(c, field(node, "value"), `${at}.value`, depth) }
  })

const attributes = (c: Context, node: Node, path: string): ReadonlyArray<Model.KeyValue> =>
  keyValues(c, field(node, "attributes"), `${path}.attributes`, 1)

const dropped = (c: Context, node: Node, path: string): number =>
  u32(c, field(node, "droppedAttributesCount", "dropped_attributes_count"), `${path}.droppedAttributesCount`)

const event = (c: Context, value: unknown, path: string): Model.Event => {
  const node = object(c, value, path) ?? {}
  return {
    timeUnixNano: u64(c, field(node, "timeUnixNano", "time_unix_nano"), `${path}.timeUnixNano`),
    name: string(c, field(node, "name"), `${path}.name`),
    attributes: attributes(c, node, path),
    droppedAttributesCount: dropped(c, node, path)
  }
}

const link = (c: Context, value: unknown, path: string): Model.Link => {
  const node = object(c, value, path) ?? {}
  return {
    traceId: id(c, field(node, "traceId", "trace_id"), `${path}.traceId`),
    spanId: id(c, field(node, "spanId", "span_id"), `${path}.spanId`),
    traceState: string(c, field(node, "traceState", "trace_state"), `${path}.traceState`),
    attributes: attributes(c, node, path),
    droppedAttributesCount: dropped(c, node, path),
    flags: u32(c, field(node, "flags"), `${path}.flags`)
  }
}

const span = (c: Context, value: unknown, path: string): Model.Span => {
  const node = object(c, value, path) ?? {}
  const limits = c.limits
  const status = object(c, field(node, "status"), `${path}.status`) ?? {}
  const events = list(c, field(node, "events"), `${path}.events`, limits.maxEvents)
  const links = list(c, field(node, "links"), `${path}.links`, limits.maxLinks)
  return {
    traceId: id(c, field(node, "traceId", "trace_id"), `${path}.traceId`),
    spanId: id(c, field(node, "spanId", "span_id"), `${path}.spanId`),
    traceState: string(c, field(node, "traceState", "trace_state"), `${path}.traceState`),
    parentSpanId: id(c, field(node, "parentSpanId", "parent_span_id"), `${path}.parentSpanId`),
    name: string(c, field(node, "name"), `${path}.name`),
    kind: field(node, "kind") === undefined ? 0 : enumeration(c, field(node, "kind"), `${path}.kind`, spanKinds),
    startTimeUnixNano: u64(c, field(node, "startTimeUnixNano", "start_time_unix_nano"), `${path}.startTimeUnixNano`),
    endTimeUnixNano: u64(c, field(node, "endTimeUnixNano", "end_time_unix_nano"), `${path}.endTimeUnixNano`),
    attributes: attributes(c, node, path),
    droppedAttributesCount: dropped(c, node, path),
    events: events.map((item, index) => event(c, item, `${path}.events.${index}`)),
    droppedEventsCount: u32(c, field(node, "droppedEventsCount", "dropped_events_count"), `${path}.droppedEventsCount`),
    links: links.map((item, index) => link(c, item, `${path}.links.${index}`)),
    droppedLinksCount: u32(c, field(node, "droppedLinksCount", "dropped_links_count"), `${path}.droppedLinksCount`),
    status: {
      code: field(status, "code") === undefined ? 0 : enumeration(c, field(status, "code"), `${path}.status.code`, statusCodes),
      message: string(c, field(status, "message"), `${path}.status.message`)
    },
    flags: u32(c, field(node, "flags"), `${path}.flags`)
  }
}

const scopeSpans = (c: Context, value: unknown, path: string): Model.ScopeSpans => {
  const node = object(c, value, path) ?? {}
  const scope = object(c, field(node, "scope"), `${path}.scope`) ?? {}
  const spans = list(c, field(node, "spans"), `${path}.spans`, c.limits.maxSpans)
  return {
    scope: {
      name: string(c, field(scope, "name"), `${path}.scope.name`),
      version: string(c, field(scope, "version"), `${path}.scope.version`),
      attributes: attributes(c, scope, `${path}.scope`),
      droppedAttributesCount: dropped(c, scope, `${path}.scope`)
    },
    spans: spans.map((item, index) => span(c, item, `${path}.spans.${index}`)),
    schemaUrl: string(c, field(node, "schemaUrl", "schema_url"), `${path}.schemaUrl`)
  }
}

const resourceSpans = (c: Context, value: unknown, path: string): Model.ResourceSpans => {
  const node = object(c, value, path) ?? {}
  const resource = object(c, field(node, "resource"), `${path}.resource`) ?? {}
  const scopes = list(c, field(node, "scopeSpans", "scope_spans"), `${path}.scopeSpans`, c.limits.maxSpans)
  return {
    resource: { attributes: attributes(c, resource, `${path}.resource`), droppedAttributesCount: dropped(c, resource, `${path}.resource`) },
    scopeSpans: scopes.map((item, index) => scopeSpans(c, item, `${path}.scopeSpans.${index}`)),
    schemaUrl: string(c, field(node, "schemaUrl", "schema_url"), `${path}.schemaUrl`)
  }
}

/**
 * How deep the text of a request may nest: eight levels down to an attribute's value (request,
 * resources, scopes, spans, events and their lists), and four for each level of a value inside
 * another (`{"kvlistValue":{"values":[{"value":…`).
 */
export const textDepth = (limits: Limits): number => 12 + 4 * limits.maxDepth

/** Decodes an `ExportTraceServiceRequest` from OTLP/JSON text, within `limits`. */
export const decode = (text: string, limits: Limits): Either.Either<Model.ExportRequest, MalformedRequest> => {
  const refuse = (reason: string) => Either.left(new MalformedRequest({ message: `the JSON body cannot be decoded: ${reason}` }))
  if (Json.textExceedsDepth(text, textDepth(limits))) return refuse(`it nests deeper than ${textDepth(limits)} levels`)
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    return refuse(error instanceof Error ? error.message : "it is not JSON")
  }
  const c: Context = { limits, failure: undefined, elements: 0 }
  const node = object(c, parsed, "the request") ?? {}
  const resources = list(c, field(node, "resourceSpans", "resource_spans"), "resourceSpans", limits.maxSpans)
  const request: Model.ExportRequest = {
    resourceSpans: resources.map((item, index) => resourceSpans(c, item, `resourceSpans.${index}`))
  }
  if (c.failure === undefined && Model.spanCount(request) > limits.maxSpans) fail(c, "resourceSpans", `the request holds more than ${limits.maxSpans} spans`)
  return c.failure === undefined ? Either.right(request) : refuse(c.failure)
}
