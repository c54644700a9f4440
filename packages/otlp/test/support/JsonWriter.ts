/**
 * An OTLP/JSON writer of export requests for tests, independent of the decoder, that writes the
 * same request in the ways receivers must take: 64-bit integers as strings or (when exact) as
 * numbers, ids in either case, the proto's snake_case names, and defaults written or left out.
 */
import type { Model } from "@agentledger/otlp"

export interface JsonVariation {
  readonly numbers: boolean
  readonly upper: boolean
  readonly snake: boolean
  readonly omitDefaults: boolean
}

export const plainJson: JsonVariation = { numbers: false, upper: false, snake: false, omitDefaults: true }

type Json = null | boolean | number | string | ReadonlyArray<Json> | { readonly [key: string]: Json }

export const jsonWriter = (variation: JsonVariation = plainJson) => {
  const name = (camel: string) => (variation.snake ? camel.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`) : camel)
  const object = (fields: ReadonlyArray<readonly [string, Json | undefined]>): Json => {
    const out: Record<string, Json> = {}
    for (const [key, value] of fields) if (value !== undefined) out[name(key)] = value
    return out
  }
  const int64 = (value: bigint, isDefault = value === 0n): Json | undefined =>
    isDefault && variation.omitDefaults
      ? undefined
      : variation.numbers && value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= -BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : String(value)
  const int = (value: number): Json | undefined => (value === 0 && variation.omitDefaults ? undefined : value)
  const string = (value: string): Json | undefined => (value === "" && variation.omitDefaults ? undefined : value)
  const id = (value: string): Json | undefined => string(variation.upper ? value.toUpperCase() : value)
  const double = (value: number): Json => (Number.isNaN(value) ? "NaN" : value === Infinity ? "Infinity" : value === -Infinity ? "-Infinity" : Object.is(value, -0) ? "-0" : value)

  const anyValue = (value: Model.AnyValue): Json => {
    switch (value._tag) {
      case "empty":
        return {}
      case "string":
        return object([["stringValue", value.value]])
      case "bool":
        return object([["boolValue", value.value]])
      case "int":
        return object([["intValue", variation.numbers && value.value <= BigInt(Number.MAX_SAFE_INTEGER) && value.value >= -BigInt(Number.MAX_SAFE_INTEGER) ? Number(value.value) : String(value.value)]])
      case "double":
        return object([["doubleValue", double(value.value)]])
      case "bytes":
        return object([["bytesValue", Buffer.from(value.value).toString("base64")]])
      case "array":
        return object([["arrayValue", { values: value.values.map(anyValue) }]])
      case "kvlist":
        return object([["kvlistValue", { values: value.values.map(keyValue) }]])
    }
  }
  const keyValue = (kv: Model.KeyValue): Json => ({ key: kv.key, value: anyValue(kv.value) })
  const attributes = (list: ReadonlyArray<Model.KeyValue>): Json | undefined => (list.length === 0 && variation.omitDefaults ? undefined : list.map(keyValue))

  const span = (value: Model.Span): Json =>
    object([
      ["traceId", id(value.traceId)],
      ["spanId", id(value.spanId)],
      ["traceState", string(value.traceState)],
      ["parentSpanId", id(value.parentSpanId)],
      ["name", string(value.name)],
      ["kind", int(value.kind)],
      ["startTimeUnixNano", int64(value.startTimeUnixNano)],
      ["endTimeUnixNano", int64(value.endTimeUnixNano)],
      ["attributes", attributes(value.attributes)],
      ["droppedAttributesCount", int(value.droppedAttributesCount)],
      ["events", value.events.map((event) =>
        object([
          ["timeUnixNano", int64(event.timeUnixNano)],
          ["name", string(event.name)],
          ["attributes", attributes(event.attributes)],
          ["droppedAttributesCount", int(event.droppedAttributesCount)]
        ]))],
      ["droppedEventsCount", int(value.droppedEventsCount)],
      ["links", value.links.map((link) =>
        object([
          ["traceId", id(link.traceId)],
          ["spanId", id(link.spanId)],
          ["traceState", string(link.traceState)],
          ["attributes", attributes(link.attributes)],
          ["droppedAttributesCount", int(link.droppedAttributesCount)],
          ["flags", int(link.flags)]
        ]))],
      ["droppedLinksCount", int(value.droppedLinksCount)],
      ["status", object([["message", string(value.status.message)], ["code", int(value.status.code)]])],
      ["flags", int(value.flags)]
    ])

  return {
    request: (value: Model.ExportRequest): Json =>
      object([["resourceSpans", value.resourceSpans.map((resource) =>
        object([
          ["resource", object([["attributes", attributes(resource.resource.attributes)], ["droppedAttributesCount", int(resource.resource.droppedAttributesCount)]])],
          ["scopeSpans", resource.scopeSpans.map((scope) =>
            object([
              ["scope", object([
                ["name", string(scope.scope.name)],
                ["version", string(scope.scope.version)],
                ["attributes", attributes(scope.scope.attributes)],
                ["droppedAttributesCount", int(scope.scope.droppedAttributesCount)]
              ])],
              ["spans", scope.spans.map(span)],
              ["schemaUrl", string(scope.schemaUrl)]
            ]))],
          ["schemaUrl", string(resource.schemaUrl)]
        ]))]]),
    anyValue
  }
}

/** An export request as OTLP/JSON text. */
export const encodeJson = (request: Model.ExportRequest, variation: JsonVariation = plainJson): string =>
  JSON.stringify(jsonWriter(variation).request(request))
