import { describe, expect, it } from "@effect/vitest"
import { Payload, Reported, SpanType } from "@agentledger/otlp"
import { Either } from "effect"
import { attributes, scope, span, value } from "./support/spans.js"

const mapped = (changes: Parameters<typeof span>[0]) => {
  const given = span(changes)
  return Payload.map(given, scope, Payload.attributeMap(given.attributes))
}

const reported = (changes: Parameters<typeof span>[0]) => Either.getOrThrow(Reported.report(span(changes), scope))

/** A field of a JSON value, read as an own property (so `__proto__` reads the key, not the prototype). */
const field = (value: unknown, key: string): unknown =>
  typeof value === "object" && value !== null && Object.hasOwn(value, key) ? Object.getOwnPropertyDescriptor(value, key)?.value : undefined

const messages = [{ role: "user", parts: [{ type: "text", content: "Weather in Paris?" }] }]
const output = [{ role: "assistant", parts: [{ type: "text", content: "Rainy, 57°F" }], finish_reason: "stop" }]

describe("SpanType.schemaNameOf", () => {
  const of = (plain: Parameters<typeof attributes>[0]) => SpanType.schemaNameOf(Payload.attributeMap(attributes(plain)))

  it("types a span by its GenAI operation, else OpenInference's or OpenLLMetry's kind, else otel.span", () => {
    expect(of({ "gen_ai.operation.name": "chat", "openinference.span.kind": "LLM" })).toBe("gen_ai.chat")
    expect(of({ "gen_ai.operation.name": "my_custom_op" })).toBe("gen_ai.my_custom_op")
    expect(of({ "openinference.span.kind": "TOOL" })).toBe("openinference.tool")
    expect(of({ "traceloop.span.kind": "workflow" })).toBe("traceloop.workflow")
    expect(of({ "http.request.method": "GET" })).toBe("otel.span")
    expect(of({ "gen_ai.operation.name": "  " })).toBe("otel.span")
    expect(of({ "gen_ai.operation.name": 7 })).toBe("otel.span")
  })

  it("keeps a type name within the ledger's 200 characters", () => {
    expect(of({ "gen_ai.operation.name": "x".repeat(500) })).toHaveLength(200)
  })
})

describe("Payload.map", () => {
  it("maps a chat span: model and knobs and messages into the payload, output, usage and response into the result", () => {
    const { payload, result } = mapped({
      attributes: attributes({
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "gpt-4o",
        "gen_ai.request.temperature": 0.2,
        "gen_ai.request.max_tokens": 200,
        "gen_ai.input.messages": JSON.stringify(messages),
        "gen_ai.system_instructions": JSON.stringify([{ type: "text", content: "Be brief" }]),
        "gen_ai.output.messages": JSON.stringify(output),
        "gen_ai.usage.input_tokens": 97,
        "gen_ai.usage.output_tokens": 52,
        "gen_ai.response.model": "gpt-4o-2024-08-06",
        "gen_ai.response.id": "chatcmpl-1",
        "gen_ai.response.finish_reasons": ["stop"],
        "server.address": "api.openai.com"
      })
    })
    expect(payload).toEqual({
      name: "chat gpt-4o",
      operation: "chat",
      provider: "openai",
      model: "gpt-4o",
      request: { max_tokens: 200, temperature: 0.2 },
      system_instructions: [{ type: "text", content: "Be brief" }],
      input_messages: messages,
      otel: {
        trace_id: "5b8efff798038103d269b633813fc60c",
        span_id: "eee19b7ec3c1b174",
        kind: "client",
        start_time_unix_nano: "1796553240521000123",
        end_time_unix_nano: "1796553241021665249",
        status: "unset",
        attributes: { "server.address": "api.openai.com" },
        scope: { name: "test", version: "0.0.1" }
      }
    })
    expect(result).toEqual({
      output_messages: output,
      usage: { input_tokens: 97, output_tokens: 52 },
      response: { model: "gpt-4o-2024-08-06", id: "chatcmpl-1", finish_reasons: ["stop"] }
    })
  })

  it("keeps structured messages (key-value lists) as JSON, and JSON text that is not a list or object as text", () => {
    const { payload } = mapped({
      attributes: [
        { key: "gen_ai.input.messages", value: value(messages) },
        { key: "gen_ai.tool.call.arguments", value: value("not json {") }
      ]
    })
    expect(payload["input_messages"]).toEqual(messages)
    expect(payload["arguments"]).toBe("not json {")
  })

  it("maps a tool execution: the tool and its arguments in, its result out", () => {
    const { payload, result } = mapped({
      name: "execute_tool get_weather",
      attributes: attributes({
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": "get_weather",
        "gen_ai.tool.call.id": "call_1",
        "gen_ai.tool.type": "function",
        "gen_ai.tool.call.arguments": "{\"city\":\"Paris\"}",
        "gen_ai.tool.call.result": "{\"temperature\":57}"
      })
    })
    expect(payload).toMatchObject({ tool: { name: "get_weather", call_id: "call_1", type: "function" }, arguments: { city: "Paris" } })
    expect(result).toEqual({ result: { temperature: 57 } })
  })

  it("maps an error: error.type, the status message and the exception event into result.error", () => {
    const { payload, result } = mapped({
      status: { code: 2, message: "rate limited" },
      attributes: attributes({ "gen_ai.operation.name": "chat", "error.type": "429" }),
      events: [{ name: "exception", timeUnixNano: 5n, attributes: attributes({ "exception.type": "RateLimitError", "exception.message": "slow down" }), droppedAttributesCount: 0 }]
    })
    expect(result).toEqual({
      error: { type: "429", message: "rate limited", exception: { "exception.type": "RateLimitError", "exception.message": "slow down" } }
    })
    expect(payload["otel"]).toMatchObject({ status: "error" })
  })

  it("reads messages from the events of older conventions when no attribute holds them", () => {
    const event = (name: string, plain: Parameters<typeof attributes>[0]) => ({ name, timeUnixNano: 1n, attributes: attributes(plain), droppedAttributesCount: 0 })
    const { payload, result } = mapped({
      events: [
        event("gen_ai.system.message", { content: "Be brief" }),
        event("gen_ai.user.message", { content: "Hi" }),
        event("gen_ai.choice", { index: 0, finish_reason: "stop", message: "{\"content\":\"Hello\"}" }),
        event("checkpoint", { step: 2 })
      ]
    })
    expect(payload["input_messages"]).toEqual([{ role: "system", content: "Be brief" }, { role: "user", content: "Hi" }])
    expect(result["output_messages"]).toEqual([{ index: 0, finish_reason: "stop", message: { content: "Hello" } }])
    expect(payload["otel"]).toMatchObject({ events: [{ name: "checkpoint", time_unix_nano: "1", attributes: { step: 2 } }] })
  })

  it("reads OpenInference's and OpenLLMetry's names and flattened message lists", () => {
    const openInference = mapped({
      attributes: attributes({
        "openinference.span.kind": "LLM",
        "llm.model_name": "claude-3",
        "llm.input_messages.1.message.content": "second",
        "llm.input_messages.0.message.role": "user",
        "llm.input_messages.0.message.content": "first",
        "llm.token_count.prompt": 10,
        "input.value": "{\"q\":1}",
        "output.value": "plain answer"
      })
    })
    expect(openInference.payload).toMatchObject({ model: "claude-3", input: { q: 1 }, input_messages: [{ role: "user", content: "first" }, { content: "second" }] })
    expect(openInference.result).toEqual({ output: "plain answer", usage: { input_tokens: 10 } })
    const traceloop = mapped({
      attributes: attributes({ "traceloop.span.kind": "task", "traceloop.entity.input": "{\"a\":1}", "gen_ai.prompt.0.role": "user", "gen_ai.completion.0.content": "ok" })
    })
    expect(traceloop.payload).toMatchObject({ input: { a: 1 }, input_messages: [{ role: "user" }] })
    expect(traceloop.result).toEqual({ output_messages: [{ content: "ok" }] })
  })

  it("keeps integers past 2^53 exactly as text, non-finite doubles by name, bytes as base64, __proto__ as a key", () => {
    const { payload } = mapped({
      attributes: [
        { key: "big", value: { _tag: "int", value: 2n ** 60n } },
        { key: "nan", value: { _tag: "double", value: NaN } },
        { key: "bytes", value: { _tag: "bytes", value: Uint8Array.from([1, 2, 3]) } },
        { key: "__proto__", value: { _tag: "kvlist", values: [{ key: "__proto__", value: { _tag: "bool", value: true } }] } }
      ]
    })
    const rest = field(field(payload, "otel"), "attributes")
    expect(Object.keys(rest ?? {})).toEqual(["big", "nan", "bytes", "__proto__"])
    expect(field(rest, "big")).toBe("1152921504606846976")
    expect(field(rest, "nan")).toBe("NaN")
    expect(field(rest, "bytes")).toBe("AQID")
    expect(Object.getPrototypeOf(rest)).toBe(Object.prototype)
    expect(Object.keys(field(rest, "__proto__") ?? {})).toEqual(["__proto__"])
  })

  it("makes parsed JSON text storable: escaped NUL and lone surrogates become U+FFFD", () => {
    const { payload } = mapped({ attributes: attributes({ "gen_ai.input.messages": "[{\"role\":\"user\\u0000\",\"content\":\"\\ud800\"}]" }) })
    expect(payload["input_messages"]).toEqual([{ role: "user\ufffd", content: "\ufffd" }])
  })
})

describe("Reported.report", () => {
  it("records ERROR as failed and OK or UNSET as complete, in milliseconds (truncated)", () => {
    expect(reported({ status: { code: 2, message: "" } }).status).toBe("failed")
    expect(reported({ status: { code: 1, message: "" } }).status).toBe("complete")
    expect(reported({}).status).toBe("complete")
    expect(reported({}).startedAt).toBe(1_796_553_240_521)
    expect(reported({}).finishedAt).toBe(1_796_553_241_021)
  })

  it("makes a span without a parent, with an all-zero one, or with a remote one a root of its run", () => {
    expect(reported({}).parentSpanId).toBeNull()
    expect(reported({ parentSpanId: "0000000000000000" }).parentSpanId).toBeNull()
    expect(reported({ parentSpanId: "1111111111111111", flags: 0x301 }).parentSpanId).toBeNull()
    expect(reported({ parentSpanId: "1111111111111111", flags: 0x101 }).parentSpanId).toBe("1111111111111111")
  })

  it("refuses a span with a bad id, no start, or an end before its start, saying why", () => {
    const problem = (changes: Parameters<typeof span>[0]) => Either.getLeft(Reported.report(span(changes), scope))
    expect(problem({ traceId: "00".repeat(16) })).toEqual(Either.getLeft(Either.left("its trace id is not 16 bytes, or is zero")))
    expect(problem({ traceId: "ab" })._tag).toBe("Some")
    expect(problem({ spanId: "" })._tag).toBe("Some")
    expect(problem({ parentSpanId: "abcd" })._tag).toBe("Some")
    expect(problem({ startTimeUnixNano: 0n })._tag).toBe("Some")
    expect(problem({ endTimeUnixNano: 1n })._tag).toBe("Some")
  })
})
