/**
 * An agent's trace as an OpenTelemetry-instrumented agent makes it: the real SDK
 * (`@opentelemetry/sdk-trace-node`) with a real OTLP exporter, unmodified, spans carrying the
 * GenAI semantic conventions' attributes (content as JSON text, as the JavaScript SDK sends it).
 *
 *   invoke_agent weather-agent            gen_ai.invoke_agent
 *   ├─ chat gpt-4o                        gen_ai.chat (messages, usage)
 *   ├─ execute_tool get_weather           gen_ai.execute_tool (arguments, result)
 *   │  └─ GET /weather                    otel.span (an HTTP client call)
 *   └─ chat gpt-4o                        gen_ai.chat
 */
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, type Tracer, trace } from "@opentelemetry/api"
import { OTLPTraceExporter as HttpExporter } from "@opentelemetry/exporter-trace-otlp-http"
import { OTLPTraceExporter as ProtoExporter } from "@opentelemetry/exporter-trace-otlp-proto"
import { CompressionAlgorithm } from "@opentelemetry/otlp-exporter-base"
import { defaultResource, resourceFromAttributes } from "@opentelemetry/resources"
import { BatchSpanProcessor, type ReadableSpan, SimpleSpanProcessor, type SpanExporter } from "@opentelemetry/sdk-trace-base"
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node"

export type Encoding = "proto+gzip" | "json"

/** An OTLP exporter to `base`'s `/v1/traces` with a bearer token, in an encoding. */
export const exporterTo = (base: string, token: string, encoding: Encoding): SpanExporter => {
  const config = { url: `${base}/v1/traces`, headers: { Authorization: `Bearer ${token}` }, timeoutMillis: 5_000 }
  return encoding === "json" ? new HttpExporter(config) : new ProtoExporter({ ...config, compression: CompressionAlgorithm.GZIP })
}

export interface ResourceAttributes {
  readonly "service.name"?: string
  readonly "service.version"?: string
  readonly "deployment.environment.name"?: string
}

/**
 * A provider whose spans go to `exporter`, one export per span (`simple`, children first) or one
 * per flush (`batch`); its resource is the SDK's default (`telemetry.sdk.*`, as `NodeSDK` sets it)
 * with the agent's attributes.
 */
export const providerFor = (exporter: SpanExporter, processing: "simple" | "batch", resource: ResourceAttributes = {}) =>
  new NodeTracerProvider({
    resource: defaultResource().merge(resourceFromAttributes({ "service.name": "weather-agent", ...resource })),
    spanProcessors: [processing === "simple" ? new SimpleSpanProcessor(exporter) : new BatchSpanProcessor(exporter, { maxExportBatchSize: 512 })]
  })

export const userMessages = [{ role: "user", parts: [{ type: "text", content: "Weather in Paris?" }] }]
export const toolCall = [{ role: "assistant", parts: [{ type: "tool_call", id: "call_1", name: "get_weather", arguments: { city: "Paris" } }], finish_reason: "tool_calls" }]
export const answer = [{ role: "assistant", parts: [{ type: "text", content: "Rainy, 14°C" }], finish_reason: "stop" }]

/**
 * Records the agent's trace on `tracer`, starting at `at` (epoch milliseconds); the spans end in
 * the order an agent ends them, children first. The root fails when `failed`.
 */
export const agentTrace = (tracer: Tracer, at: number, options: { readonly failed?: boolean } = {}): void => {
  const root = tracer.startSpan("invoke_agent weather-agent", {
    kind: SpanKind.INTERNAL,
    startTime: at,
    attributes: { "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "weather-agent", "gen_ai.provider.name": "openai" }
  })
  const inRoot = trace.setSpan(ROOT_CONTEXT, root)
  const chat = (start: number, end: number, output: ReadonlyArray<unknown>, input: number) => {
    const span = tracer.startSpan("chat gpt-4o", {
      kind: SpanKind.CLIENT,
      startTime: start,
      attributes: {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "gpt-4o",
        "gen_ai.request.temperature": 0.2,
        "gen_ai.input.messages": JSON.stringify(userMessages),
        "gen_ai.output.messages": JSON.stringify(output),
        "gen_ai.usage.input_tokens": input,
        "gen_ai.usage.output_tokens": 21,
        "gen_ai.response.model": "gpt-4o-2024-08-06",
        "gen_ai.response.finish_reasons": ["stop"]
      }
    }, inRoot)
    span.end(end)
  }
  chat(at + 10, at + 400, toolCall, 97)
  const tool = tracer.startSpan("execute_tool get_weather", {
    kind: SpanKind.INTERNAL,
    startTime: at + 410,
    attributes: {
      "gen_ai.operation.name": "execute_tool",
      "gen_ai.tool.name": "get_weather",
      "gen_ai.tool.call.id": "call_1",
      "gen_ai.tool.type": "function",
      "gen_ai.tool.call.arguments": JSON.stringify({ city: "Paris" }),
      "gen_ai.tool.call.result": JSON.stringify({ temperature_c: 14, sky: "rain" })
    }
  }, inRoot)
  const http = tracer.startSpan("GET /weather", {
    kind: SpanKind.CLIENT,
    startTime: at + 420,
    attributes: { "http.request.method": "GET", "url.full": "https://weather.example/paris", "http.response.status_code": 200 }
  }, trace.setSpan(ROOT_CONTEXT, tool))
  http.end(at + 680)
  tool.end(at + 700)
  chat(at + 710, at + 1_100, answer, 140)
  if (options.failed === true) root.setStatus({ code: SpanStatusCode.ERROR, message: "the agent gave up" })
  root.end(at + 1_200)
}

/** The names of the trace's spans, in the order they end. */
export const endOrder = ["chat gpt-4o", "GET /weather", "execute_tool get_weather", "chat gpt-4o", "invoke_agent weather-agent"] as const

/** Exports spans already made (`ReadableSpan`s) through `exporter` as one request, as a retry or a late batch would send them. */
export const exportSpans = (exporter: SpanExporter, spans: ReadonlyArray<ReadableSpan>): Promise<void> =>
  new Promise((resolve, reject) => {
    exporter.export([...spans], (result) => (result.error === undefined && result.code === 0 ? resolve() : reject(result.error ?? new Error(`export failed: ${result.code}`))))
  })
