/**
 * The answers as the exporters read them: the transformer's own response readers (what
 * `@opentelemetry/exporter-trace-otlp-*` use) find the partial success in both encodings.
 */
import { describe, expect, it } from "@effect/vitest"
import { Answer, BodyTooLarge, MalformedRequest, UnsupportedMedia } from "@agentledger/otlp"
import { JsonTraceSerializer, ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer"

const text = (answer: Answer.Answer) => new TextDecoder().decode(answer.body)

describe("Answer", () => {
  it("answers a full success with the empty response, in the request's encoding", () => {
    expect(Answer.success("protobuf")).toEqual({ status: 200, headers: { "content-type": "application/x-protobuf" }, body: new Uint8Array(0) })
    expect(text(Answer.success("json"))).toBe("{}")
    expect(ProtobufTraceSerializer.deserializeResponse(Answer.success("protobuf").body)).toEqual({})
  })

  it("answers a partial success the exporters read, in both encodings", () => {
    const message = "2 spans refused: end before start (1); parent of another trace (1) — é"
    expect(ProtobufTraceSerializer.deserializeResponse(Answer.partialSuccess("protobuf", 2, message).body)).toEqual({
      partialSuccess: { rejectedSpans: 2, errorMessage: message }
    })
    expect(JsonTraceSerializer.deserializeResponse(Answer.partialSuccess("json", 2, message).body)).toEqual({
      partialSuccess: { rejectedSpans: "2", errorMessage: message }
    })
    expect(Answer.partialSuccess("json", 2, message).status).toBe(200)
  })

  it("writes a protobuf partial success byte for byte as the specification lays it out", () => {
    expect(Array.from(Answer.partialSuccess("protobuf", 3, "no").body)).toEqual([0x0a, 6, 0x08, 3, 0x12, 2, 0x6e, 0x6f])
  })

  it("answers refusals with a google.rpc.Status: 400, 413, 415 with their gRPC codes", () => {
    const malformed = Answer.refusal("json", new MalformedRequest({ message: "bad" }))
    expect([malformed.status, JSON.parse(text(malformed))]).toEqual([400, { code: 3, message: "bad" }])
    expect(Answer.refusal("json", new BodyTooLarge({ limit: 10 })).status).toBe(413)
    expect(Answer.refusal("protobuf", new UnsupportedMedia({ message: "x" })).status).toBe(415)
    // Status { code = 1 (varint 3); message = 2 ("bad") }
    expect(Array.from(Answer.refusal("protobuf", new MalformedRequest({ message: "bad" })).body)).toEqual([0x08, 3, 0x12, 3, 0x62, 0x61, 0x64])
  })

  it("answers capacity with 503 and Retry-After, which exporters retry", () => {
    const answer = Answer.unavailable("protobuf", 2)
    expect(answer.status).toBe(503)
    expect(answer.headers["retry-after"]).toBe("2")
  })
})
