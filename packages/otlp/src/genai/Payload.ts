/**
 * A span's payload and result from its attributes and events, by the GenAI semantic conventions
 * (`semantic-conventions-genai`), with OpenInference's and OpenLLMetry's names where the GenAI
 * one is absent. The payload holds what went in — the span's name, the operation, the provider
 * and model, the request's knobs, the input messages and system instructions, the tool and its
 * arguments, the agent — and the result what came out: output messages, the tool's result,
 * token usage, the response's model, id and finish reasons, the error. Every attribute, event and
 * link no field took is kept under `payload.otel`, with the OTel ids and the exact nanosecond
 * times (docs/otlp.md has the whole table).
 */
import type { Json } from "@agentledger/domain"
import * as Model from "../Model.js"
import { contentOf, objectOf, setKey, toJson, unflattened } from "./Values.js"

type JsonValue = Json.Json
type Fields = Record<string, JsonValue>

export interface Mapped {
  readonly payload: Json.JsonObject
  readonly result: Json.JsonObject
}

/** Reads attributes once each: whatever no field takes is kept under `otel.attributes`. */
class Attributes {
  readonly taken = new Set<string>()
  constructor(readonly all: ReadonlyMap<string, Model.AnyValue>) {}

  /** The first of these keys present, as JSON (or parsed content), marked taken. */
  value(keys: ReadonlyArray<string>, content = false): JsonValue | undefined {
    for (const key of keys) {
      const value = this.all.get(key)
      if (value === undefined) continue
      this.taken.add(key)
      return content ? contentOf(value) : toJson(value)
    }
    return undefined
  }

  /** Lists flattened under a prefix, their keys marked taken. */
  flattened(prefix: string, strip = ""): ReadonlyArray<Json.JsonObject> | null {
    const list = unflattened(this.all, prefix, strip)
    if (list !== null) for (const key of this.all.keys()) if (key.startsWith(prefix)) this.taken.add(key)
    return list
  }

  rest(): Json.JsonObject {
    const out: Fields = {}
    for (const [key, value] of this.all) if (!this.taken.has(key)) setKey(out, key, toJson(value))
    return out
  }
}

/** Sets the field when there is a value. */
const put = (target: Fields, key: string, value: JsonValue | undefined): void => {
  if (value !== undefined) setKey(target, key, value)
}

/** Sets an object of fields when it has any. */
const group = (target: Fields, key: string, fields: Fields): void => {
  if (Object.keys(fields).length > 0) setKey(target, key, fields)
}

const fieldsOf = (attributes: Attributes, table: ReadonlyArray<readonly [string, ReadonlyArray<string>]>, content = false): Fields => {
  const out: Fields = {}
  for (const [name, keys] of table) put(out, name, attributes.value(keys, content))
  return out
}

const requestKnobs: ReadonlyArray<readonly [string, ReadonlyArray<string>]> = [
  ["max_tokens", ["gen_ai.request.max_tokens"]],
  ["temperature", ["gen_ai.request.temperature"]],
  ["top_p", ["gen_ai.request.top_p"]],
  ["top_k", ["gen_ai.request.top_k"]],
  ["stop_sequences", ["gen_ai.request.stop_sequences"]],
  ["frequency_penalty", ["gen_ai.request.frequency_penalty"]],
  ["presence_penalty", ["gen_ai.request.presence_penalty"]],
  ["seed", ["gen_ai.request.seed"]],
  ["stream", ["gen_ai.request.stream"]],
  ["choice_count", ["gen_ai.request.choice.count"]],
  ["encoding_formats", ["gen_ai.request.encoding_formats"]],
  ["output_type", ["gen_ai.output.type"]]
]

const toolFields: ReadonlyArray<readonly [string, ReadonlyArray<string>]> = [
  ["name", ["gen_ai.tool.name", "tool.name"]],
  ["call_id", ["gen_ai.tool.call.id"]],
  ["type", ["gen_ai.tool.type"]],
  ["description", ["gen_ai.tool.description", "tool.description"]]
]

const agentFields: ReadonlyArray<readonly [string, ReadonlyArray<string>]> = [
  ["id", ["gen_ai.agent.id"]],
  ["name", ["gen_ai.agent.name"]],
  ["description", ["gen_ai.agent.description"]],
  ["version", ["gen_ai.agent.version"]]
]

const usageFields: ReadonlyArray<readonly [string, ReadonlyArray<string>]> = [
  ["input_tokens", ["gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens", "llm.token_count.prompt"]],
  ["output_tokens", ["gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens", "llm.token_count.completion"]],
  ["cache_read_input_tokens", ["gen_ai.usage.cache_read.input_tokens"]],
  ["cache_creation_input_tokens", ["gen_ai.usage.cache_creation.input_tokens"]],
  ["reasoning_output_tokens", ["gen_ai.usage.reasoning.output_tokens"]],
  ["total_tokens", ["llm.token_count.total", "llm.usage.total_tokens"]]
]

const responseFields: ReadonlyArray<readonly [string, ReadonlyArray<string>]> = [
  ["model", ["gen_ai.response.model", "llm.response.model_name"]],
  ["id", ["gen_ai.response.id"]],
  ["finish_reasons", ["gen_ai.response.finish_reasons"]]
]

/** The per-message events of conventions before v1.37 (`gen_ai.user.message`…), by the role each carries. */
const messageEvents: ReadonlyMap<string, string> = new Map([
  ["gen_ai.system.message", "system"],
  ["gen_ai.user.message", "user"],
  ["gen_ai.assistant.message", "assistant"],
  ["gen_ai.tool.message", "tool"]
])

const eventObject = (event: Model.Event): Fields => {
  const out: Fields = {}
  for (const { key, value } of event.attributes) setKey(out, key, contentOf(value))
  return out
}

/** What the events say of the messages, for spans that carry content as events; the rest of the events. */
const fromEvents = (events: ReadonlyArray<Model.Event>) => {
  const input: Array<JsonValue> = []
  const output: Array<JsonValue> = []
  let exception: Fields | undefined
  const rest: Array<JsonValue> = []
  for (const event of events) {
    const role = messageEvents.get(event.name)
    if (role !== undefined) {
      input.push({ role, ...eventObject(event) })
    } else if (event.name === "gen_ai.choice") {
      output.push(eventObject(event))
    } else if (event.name === "gen_ai.content.prompt" || event.name === "gen_ai.content.completion") {
      const content = event.attributes.find((kv) => kv.key === (event.name === "gen_ai.content.prompt" ? "gen_ai.prompt" : "gen_ai.completion"))
      const value = content === undefined ? eventObject(event) : contentOf(content.value)
      const into = event.name === "gen_ai.content.prompt" ? input : output
      if (Array.isArray(value)) into.push(...value)
      else into.push(value)
    } else if (event.name === "exception" && exception === undefined) {
      exception = eventObject(event)
    } else {
      rest.push({ name: event.name, time_unix_nano: event.timeUnixNano.toString(), attributes: objectOf(event.attributes) })
    }
  }
  return { input, output, exception, rest }
}

const kindNames = ["unspecified", "internal", "server", "client", "producer", "consumer"]
const statusNames = ["unset", "ok", "error"]

/** The span's payload and result: pure, the same span always mapping to the same JSON. */
export const map = (span: Model.Span, scope: Model.Scope, all: ReadonlyMap<string, Model.AnyValue>): Mapped => {
  const attributes = new Attributes(all)
  const events = fromEvents(span.events)
  const payload: Fields = {}
  put(payload, "name", span.name)
  put(payload, "operation", attributes.value(["gen_ai.operation.name"]))
  put(payload, "provider", attributes.value(["gen_ai.provider.name", "gen_ai.system", "llm.provider", "llm.system"]))
  put(payload, "model", attributes.value(["gen_ai.request.model", "llm.model_name", "llm.request.model_name"]))
  group(payload, "request", fieldsOf(attributes, requestKnobs))
  put(payload, "system_instructions", attributes.value(["gen_ai.system_instructions"], true))
  put(
    payload,
    "input_messages",
    attributes.value(["gen_ai.input.messages"], true) ??
      attributes.flattened("llm.input_messages.", "message.") ??
      attributes.flattened("gen_ai.prompt.") ??
      (events.input.length > 0 ? events.input : undefined)
  )
  put(payload, "input", attributes.value(["input.value", "traceloop.entity.input"], true))
  const tool = fieldsOf(attributes, toolFields)
  put(tool, "parameters", attributes.value(["tool.parameters"], true))
  group(payload, "tool", tool)
  put(payload, "arguments", attributes.value(["gen_ai.tool.call.arguments"], true))
  put(payload, "tool_definitions", attributes.value(["gen_ai.tool.definitions"], true))
  group(payload, "agent", fieldsOf(attributes, agentFields))
  put(payload, "conversation_id", attributes.value(["gen_ai.conversation.id", "session.id"]))
  put(payload, "workflow_name", attributes.value(["gen_ai.workflow.name", "traceloop.workflow.name"]))
  put(payload, "data_source_id", attributes.value(["gen_ai.data_source.id"]))

  const result: Fields = {}
  put(
    result,
    "output_messages",
    attributes.value(["gen_ai.output.messages"], true) ??
      attributes.flattened("llm.output_messages.", "message.") ??
      attributes.flattened("gen_ai.completion.") ??
      (events.output.length > 0 ? events.output : undefined)
  )
  put(result, "output", attributes.value(["output.value", "traceloop.entity.output"], true))
  put(result, "result", attributes.value(["gen_ai.tool.call.result"], true))
  group(result, "usage", fieldsOf(attributes, usageFields))
  group(result, "response", fieldsOf(attributes, responseFields))
  const error: Fields = {}
  put(error, "type", attributes.value(["error.type"]))
  if (span.status.code === Model.statusCode.error && span.status.message !== "") put(error, "message", span.status.message)
  if (events.exception !== undefined) put(error, "exception", events.exception)
  group(result, "error", error)

  const otel: Fields = {
    trace_id: span.traceId,
    span_id: span.spanId,
    kind: kindNames[span.kind] ?? String(span.kind),
    start_time_unix_nano: span.startTimeUnixNano.toString(),
    end_time_unix_nano: span.endTimeUnixNano.toString(),
    status: statusNames[span.status.code] ?? String(span.status.code)
  }
  if (span.parentSpanId !== "") put(otel, "parent_span_id", span.parentSpanId)
  if ((span.flags & Model.remoteParentFlags) === Model.remoteParentFlags) put(otel, "remote_parent", true)
  if (span.traceState !== "") put(otel, "trace_state", span.traceState)
  if (span.status.message !== "" && span.status.code !== Model.statusCode.error) put(otel, "status_message", span.status.message)
  group(otel, "attributes", attributes.rest())
  if (events.rest.length > 0) put(otel, "events", events.rest)
  if (span.links.length > 0) {
    put(otel, "links", span.links.map((link) => ({ trace_id: link.traceId, span_id: link.spanId, attributes: objectOf(link.attributes) })))
  }
  group(otel, "scope", scope.name === "" && scope.version === "" ? {} : { name: scope.name, version: scope.version })
  const dropped: Fields = {}
  if (span.droppedAttributesCount > 0) put(dropped, "attributes", span.droppedAttributesCount)
  if (span.droppedEventsCount > 0) put(dropped, "events", span.droppedEventsCount)
  if (span.droppedLinksCount > 0) put(dropped, "links", span.droppedLinksCount)
  group(otel, "dropped", dropped)
  setKey(payload, "otel", otel)
  return { payload, result }
}

/** A list of attributes as a map, a key sent twice keeping its last value. */
export const attributeMap = (list: ReadonlyArray<Model.KeyValue>): ReadonlyMap<string, Model.AnyValue> => {
  const map_ = new Map<string, Model.AnyValue>()
  for (const { key, value } of list) map_.set(key, value)
  return map_
}
