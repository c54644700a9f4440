/**
 * The built-in activity schema "OpenTelemetry GenAI": the span types OTLP ingestion gives spans
 * (`SpanType.ts`), with JSON Schemas of the payload and result `Payload.ts` maps them to, and
 * what each type declares about the data it touches (`data_risk`). A run whose deployment points
 * at a version of the agent's own is recorded against that version's schema instead; this one is
 * registered, like any reported schema, the first time a run needs it (found by fingerprint
 * afterwards).
 *
 * The declarations are defaults an operator can read in docs/otlp.md and replace with a schema
 * of their own: an inference sends its prompt to a model provider (external communication of
 * the organisation's confidential data, internal by classification); retrieval and memory
 * searches read data; memory writes create, update or destroy it; agents, workflows, plans and
 * tools declare nothing, since what they touch shows in their child spans.
 */
import { ActivitySchema, type DataRisk, type Json } from "@agentledger/domain"
import { Schema } from "effect"
import { genericType, openInferenceKinds, operations, traceloopKinds } from "./SpanType.js"

type JsonObject = Json.JsonObject

export const externalIdentifier = "opentelemetry-genai/1"

const string = { type: "string" }
const count = { type: "integer", minimum: 0 }
const objects = { type: "array", items: { type: "object" } }
const content = { type: ["array", "object", "string"] }

/** The `otel` block every mapped payload carries. */
const otel: JsonObject = {
  type: "object",
  required: ["trace_id", "span_id", "kind", "start_time_unix_nano", "end_time_unix_nano", "status"],
  properties: {
    trace_id: { type: "string", pattern: "^[0-9a-f]{32}$" },
    span_id: { type: "string", pattern: "^[0-9a-f]{16}$" },
    parent_span_id: { type: "string", pattern: "^[0-9a-f]{16}$" },
    kind: string,
    start_time_unix_nano: { type: "string", pattern: "^[0-9]{1,20}$" },
    end_time_unix_nano: { type: "string", pattern: "^[0-9]{1,20}$" },
    status: string,
    attributes: { type: "object" },
    events: objects,
    links: objects,
    scope: { type: "object" }
  }
}

const payload = (properties: JsonObject): JsonObject => ({
  type: "object",
  required: ["name", "otel"],
  properties: {
    name: string,
    operation: string,
    provider: string,
    model: string,
    request: {
      type: "object",
      properties: {
        max_tokens: count,
        temperature: { type: "number" },
        top_p: { type: "number" },
        top_k: { type: "number" },
        choice_count: count,
        seed: { type: "integer" },
        stop_sequences: { type: "array", items: string },
        stream: { type: "boolean" }
      }
    },
    system_instructions: content,
    input_messages: objects,
    conversation_id: string,
    ...properties,
    otel
  }
})

const result: JsonObject = {
  type: "object",
  properties: {
    output_messages: objects,
    usage: {
      type: "object",
      properties: {
        input_tokens: count,
        output_tokens: count,
        cache_read_input_tokens: count,
        cache_creation_input_tokens: count,
        reasoning_output_tokens: count,
        total_tokens: count
      }
    },
    response: { type: "object", properties: { model: string, id: string, finish_reasons: { type: "array", items: string } } },
    error: { type: "object", properties: { type: string, message: string, exception: { type: "object" } } }
  }
}

const tool = { tool: { type: "object", properties: { name: string, call_id: string, type: string, description: string } } }
const agent = { agent: { type: "object", properties: { id: string, name: string, description: string, version: string } } }

type Risk = typeof DataRisk.DataRisk.Encoded
type TypeInput = typeof ActivitySchema.SpanTypeSchemaInput.Encoded

/** What a prompt holds: the organisation's confidential data, internal by classification. */
const confidential = { classification: "internal", organisational_confidential: "included" } as const

const inference: Risk = {
  action_profile: { external_communication: "allowed" },
  params_data_categories: confidential,
  result_data_categories: { classification: "internal" }
}
const reads: Risk = {
  action_profile: { read_data: "allowed" },
  result_data_categories: confidential
}
const writes = (actions: NonNullable<Risk["action_profile"]>): Risk => ({
  action_profile: actions,
  params_data_categories: confidential
})

const risks: Readonly<Record<string, Risk>> = {
  chat: inference,
  generate_content: inference,
  text_completion: inference,
  embeddings: { action_profile: { external_communication: "allowed" }, params_data_categories: confidential },
  retrieval: reads,
  search_memory: reads,
  create_memory: writes({ create_data: "allowed" }),
  upsert_memory: writes({ create_data: "allowed", update_data: "allowed" }),
  update_memory: writes({ update_data: "allowed" }),
  delete_memory: { action_profile: { destroy_data: "allowed" } },
  create_memory_store: { action_profile: { create_data: "allowed" } },
  delete_memory_store: { action_profile: { destroy_data: "allowed" } },
  create_agent: { action_profile: { create_data: "allowed" } }
}

const extras: Readonly<Record<string, JsonObject>> = {
  execute_tool: { ...tool, arguments: {} },
  invoke_agent: agent,
  create_agent: agent,
  invoke_workflow: { workflow_name: string },
  retrieval: { data_source_id: string }
}

const title = (prefix: string, name: string) => `${prefix} ${name.replaceAll("_", " ")}`

const genAiTypes: ReadonlyArray<TypeInput> = operations.map((operation) => ({
  name: `gen_ai.${operation}`,
  title: title("GenAI", operation),
  description: `An OpenTelemetry span of the GenAI operation ${operation} (gen_ai.operation.name).`,
  params_schema: payload(extras[operation] ?? {}),
  result_schema: result,
  ...(risks[operation] === undefined ? {} : { data_risk: risks[operation] })
}))

const dialectRisks: Readonly<Record<string, Risk>> = { llm: inference, embedding: risks["embeddings"] ?? {}, retriever: reads }

const openInferenceTypes: ReadonlyArray<TypeInput> = openInferenceKinds.map((kind) => ({
  name: `openinference.${kind}`,
  title: title("OpenInference", kind),
  description: `An OpenTelemetry span of OpenInference's kind ${kind.toUpperCase()} (openinference.span.kind).`,
  params_schema: payload({ input: {}, tool: { type: "object" } }),
  result_schema: result,
  ...(dialectRisks[kind] === undefined ? {} : { data_risk: dialectRisks[kind] })
}))

const traceloopTypes: ReadonlyArray<TypeInput> = traceloopKinds.map((kind) => ({
  name: `traceloop.${kind}`,
  title: title("OpenLLMetry", kind),
  description: `An OpenTelemetry span of OpenLLMetry's kind ${kind} (traceloop.span.kind).`,
  params_schema: payload({ input: {}, workflow_name: string }),
  result_schema: result
}))

/** The activity schema as a client would send it. */
export const activitySchemaInput: typeof ActivitySchema.ActivitySchemaInput.Encoded = {
  external_identifier: externalIdentifier,
  span_type_schemas: [
    ...genAiTypes,
    ...openInferenceTypes,
    ...traceloopTypes,
    {
      name: genericType,
      title: "OpenTelemetry span",
      description: "An OpenTelemetry span no GenAI convention names: an HTTP call, a database query, a framework's step.",
      params_schema: payload({}),
      result_schema: result
    }
  ]
}

/** The activity schema OTLP runs are recorded against when their deployment names none of its own. */
export const activitySchema: ActivitySchema.ActivitySchemaInput = Schema.decodeSync(ActivitySchema.ActivitySchemaInput)(activitySchemaInput)
