/**
 * OTel traces recorded through `POST /v1/traces` on a served endpoint (memory store): the real
 * SDK and exporters, unmodified, export the agent's trace; the run, its tree, its spans'
 * conformance and its risk come back through `/api/v1`. A deployment token reports for its own
 * agent; an account token's traces name theirs by `service.name` and
 * `deployment.environment.name`, and a trace that names none that exist is refused in the
 * partial success, its spans not recorded.
 */
import { PgStore } from "@agentledger/store-postgres"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createRiskProfile, deployAgent } from "./support/deployAgent.js"
import { call } from "./support/jsonClient.js"
import { agentTrace, exporterTo, providerFor } from "./support/otelTrace.js"
import { agentTree, reads, tree } from "./support/otlpReads.js"
import { type OtlpServer, send, startOtlpServer } from "./support/otlpServer.js"

let server: OtlpServer
beforeAll(async () => {
  server = await startOtlpServer()
})
afterAll(() => server.close())

/** A profile under which every inference scores: 3 (organisational confidential) × 2.00 (external communication). */
const inferenceProfile = {
  name: "GenAI profile",
  category_weights: { organisational_confidential: { weight: 3, included: true } },
  action_multipliers: { external_communication: { multiplier: 2, included: true } },
  thresholds: { medium: 5, high: 10, critical: 40 }
}

const at = Date.UTC(2026, 11, 6, 9, 30)

describe("OTLP traces through /v1/traces", () => {
  it("records the agent's trace, exported in one batch, as one run with its tree, conformance and risk", async () => {
    const profileId = await createRiskProfile(server.url, server.secret, inferenceProfile)
    const deployed = await deployAgent(server.url, server.secret, { name: "weather-agent", riskProfileId: profileId })
    for (const [encoding, offset] of [["proto+gzip", 0], ["json", 60_000]] as const) {
      const provider = providerFor(exporterTo(server.url, deployed.token, encoding), "batch", { "service.version": "1.4.0" })
      agentTrace(provider.getTracer("weather-agent", "1.4.0"), at + offset)
      await provider.forceFlush()
      await provider.shutdown()
    }
    const read = reads(server.url, server.secret)
    const runs = await read.runs(deployed.agentId)
    expect(runs).toHaveLength(2)
    for (const run of runs) {
      expect(run).toMatchObject({
        status: "complete",
        span_counts: { total: 5, complete: 5, failed: 0 },
        conformance_counts: { conforms: 5, flagged: 0 },
        risk_score: 12,
        risk_level: "high"
      })
      const timeline = await read.timeline(run.id)
      expect(tree(timeline)).toEqual(agentTree)
      expect([timeline.instance.started_at, timeline.instance.finished_at]).toEqual(
        run.started_at === new Date(at).toISOString() ? [new Date(at).toISOString(), new Date(at + 1_200).toISOString()] : [new Date(at + 60_000).toISOString(), new Date(at + 61_200).toISOString()]
      )
      const chat = timeline.spans[1]?.span
      expect(chat?.payload).toMatchObject({ model: "gpt-4o", provider: "openai", input_messages: [{ role: "user" }] })
      expect(chat?.result_payload).toMatchObject({ usage: { input_tokens: 97, output_tokens: 21 }, response: { model: "gpt-4o-2024-08-06" } })
      expect(chat?.risk_score).toBe(6)
      expect(timeline.spans[2]?.span.payload).toMatchObject({ tool: { name: "get_weather" }, arguments: { city: "Paris" } })
      expect(timeline.spans[2]?.span.result_payload).toMatchObject({ result: { temperature_c: 14, sky: "rain" } })
      expect(timeline.spans[3]?.span.payload["otel"]).toMatchObject({ kind: "client", attributes: { "http.request.method": "GET" } })
      const risk = await read.risk(run.id)
      expect(risk?.breakdown.find((entry) => entry.schema_name === "gen_ai.chat")).toEqual({ schema_name: "gen_ai.chat", span_count: 2, points: 12 })
      expect(await read.version(run.agent_version_id)).toMatchObject({ external_identifier: "1.4.0" })
    }
  })

  it("takes an account token's agent and environment from the resource, and refuses a trace that names none that exist", async () => {
    const created = await call(server.url, server.secret, "POST", "/api/v1/agent", { details: { name: "Named agent", external_identifier: "named-agent" } })
    expect(created.status).toBe(201)
    const agentId = String(Reflect.get(Reflect.get(Object(created.body), "details"), "id"))
    const provider = providerFor(exporterTo(server.url, server.secret, "json"), "batch", { "service.name": "named-agent", "deployment.environment.name": "staging" })
    agentTrace(provider.getTracer("t"), at + 120_000, { failed: true })
    await provider.forceFlush()
    await provider.shutdown()
    const runs = await reads(server.url, server.secret).runs(agentId)
    expect(runs.map((run) => [run.status, run.span_counts.total])).toEqual([["failed", 5]])

    const unknown = JSON.stringify({
      resourceSpans: [{
        resource: { attributes: [{ key: "service.name", value: { stringValue: "nobody" } }, { key: "deployment.environment.name", value: { stringValue: "staging" } }] },
        scopeSpans: [{ spans: [{ traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331", name: "x", startTimeUnixNano: "1796553240521000000", endTimeUnixNano: "1796553240621000000" }] }]
      }]
    })
    const answer = await send(server.url, unknown, { token: server.secret, contentType: "application/json" })
    expect(answer.status).toBe(200)
    expect(JSON.parse(new TextDecoder().decode(answer.body))).toEqual({
      partialSuccess: { rejectedSpans: "1", errorMessage: "1 span was refused: no agent has the external identifier \"nobody\" (service.name) (1)" }
    })
  })
})

describe("OTLP at capacity", () => {
  it("sheds exports past capacity with 503, Retry-After and a google.rpc.Status in the request's encoding, as the API is shed", async () => {
    // One request at a time and no queue, on a store that answers asynchronously (PGlite): whatever
    // arrives while one is served is refused.
    const busy = await startOtlpServer({
      store: PgStore.layerPglite(),
      admission: { latencyTargetMs: 1_000, minInFlight: 1, maxInFlight: 1, maxQueue: 0, retryAfterSeconds: 2 }
    })
    try {
      const deployed = await deployAgent(busy.url, busy.secret, { name: "busy agent" })
      const body = JSON.stringify({
        resourceSpans: [{ scopeSpans: [{ spans: Array.from({ length: 200 }, (_, index) => ({
          traceId: "0af7651916cd43dd8448eb211c80319c",
          spanId: (index + 1).toString(16).padStart(16, "0"),
          parentSpanId: "00f067aa0ba902b7",
          name: "chat",
          startTimeUnixNano: "1796553240521000000",
          endTimeUnixNano: "1796553240621000000",
          attributes: [{ key: "gen_ai.operation.name", value: { stringValue: "chat" } }]
        })) }] }]
      })
      const answers = await Promise.all(Array.from({ length: 12 }, () => send(busy.url, body, { token: deployed.token, contentType: "application/json" })))
      const shed = answers.filter((answer) => answer.status === 503)
      expect(shed.length).toBeGreaterThan(0)
      expect(answers.every((answer) => answer.status === 200 || answer.status === 503)).toBe(true)
      for (const answer of shed) {
        expect([answer.contentType, answer.headers["retry-after"]]).toEqual(["application/json", "2"])
        expect(JSON.parse(new TextDecoder().decode(answer.body))).toEqual({ code: 14, message: expect.stringMatching(/capacity/) })
      }
    } finally {
      await busy.close()
    }
  })
})
