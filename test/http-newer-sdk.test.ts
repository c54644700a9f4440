/**
 * The newer Prefactor SDKs' wire (typescript-sdk core 0.4.x, the Python SDK), as they send it:
 * `X-Prefactor-SDK` on every request, an `idempotency_key` (a UUID) in every POST body, a run's
 * start with `{timestamp: null}`, `sensitive_encoding` on spans, the run polled by `GET`, quality
 * recorded with `POST agent_instance/{id}/record_quality`; and a run terminated mid-stream, whose
 * agent is answered its next span create and finish with `control: {terminate: true, reason}`
 * (2xx: the SDKs read `control` in a success, and treat a refused span create as a broken
 * contract). Run once with the lean span routes (`HotRoutes.ts`) and once through the platform:
 * both answer alike.
 */
import { randomUUID } from "node:crypto"
import { Schema } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { deployAgent, type Deployed } from "./support/deployAgent.js"
import type { Json } from "./support/json.js"
import { type Answer, parseBody } from "./support/jsonClient.js"
import { Details, ErrorBody, List } from "./support/resources.js"
import { type RunningServer, startServer } from "./support/server.js"

const sdkHeader = "@prefactor/langchain@0.3.0 @prefactor/core@0.4.3"

const Control = Schema.Struct({ terminate: Schema.Boolean, reason: Schema.NullOr(Schema.String) })
const SpanAnswer = Schema.Struct({
  status: Schema.Literal("success"),
  details: Schema.Struct({ id: Schema.String, status: Schema.String, sensitive_encoding: Schema.NullOr(Schema.Boolean) }),
  control: Schema.optional(Control)
})
const Run = Schema.Struct({
  id: Schema.String,
  status: Schema.String,
  termination_reason: Schema.NullOr(Schema.String),
  quality_payloads: Schema.Record({ key: Schema.String, value: Schema.Unknown }),
  quality_summaries: Schema.Record({ key: Schema.String, value: Schema.Unknown }),
  reported_by: Schema.NullOr(Schema.Struct({ protocol: Schema.String, sdk: Schema.NullOr(Schema.String) }))
})

/** A call as the newer SDKs make it: their header on every request, a fresh idempotency key in every POST body. */
const sdkCall = async (base: string, token: string, method: "GET" | "POST", path: string, body?: Json, key: string = randomUUID()): Promise<Answer> => {
  const response = await fetch(`${base}/api/v1/${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "x-prefactor-sdk": sdkHeader },
    ...(method === "POST" ? { body: JSON.stringify({ ...(typeof body === "object" && body !== null && !Array.isArray(body) ? body : {}), idempotency_key: key }) } : {})
  })
  return { status: response.status, body: parseBody(await response.text()) }
}

const decoded = <A, I>(answer: Answer, status: number, schema: Schema.Schema<A, I>, what: string): A => {
  expect(answer.status, `${what}: ${JSON.stringify(answer.body).slice(0, 1200)}`).toBe(status)
  return Schema.decodeUnknownSync(schema)(answer.body)
}

const spanDetails = (runId: string, schema_name: string, status: string, extra: Record<string, Json> = {}): Json => ({
  details: {
    agent_instance_id: runId,
    schema_name,
    status,
    payload: { inputs: { question: "Where is my order?" } },
    parent_span_id: null,
    started_at: new Date().toISOString(),
    finished_at: null,
    sensitive_encoding: true,
    ...extra
  }
})

describe.each([
  { name: "on the lean span routes", hotRoutes: true },
  { name: "through the platform", hotRoutes: false }
])("the newer Prefactor SDKs' wire $name", ({ hotRoutes }) => {
  let server: RunningServer
  let agent: Deployed
  let other: Deployed
  beforeAll(async () => {
    server = await startServer({ hotRoutes })
    agent = await deployAgent(server.url, server.secret, { name: "Newer SDK bot" })
    other = await deployAgent(server.url, server.secret, { name: "Other bot" })
  })
  afterAll(() => server.close())

  const register = (key: string = randomUUID()) =>
    sdkCall(server.url, agent.token, "POST", "agent_instance/register", {
      environment_id: agent.environmentId,
      agent_version: { external_identifier: "4.0.0", name: "Newer SDK bot", description: "" },
      agent_schema_version: { external_identifier: "newer-1", span_schemas: { agent: { type: "object" }, llm: { type: "object" } } }
    }, key)

  it("registers once per idempotency key, and records the SDK the header names on the run", async () => {
    const key = randomUUID()
    const first = decoded(await register(key), 201, Details(Run), "register")
    expect(first.details.reported_by).toEqual({ protocol: "prefactor", sdk: sdkHeader })
    expect([first.details.quality_payloads, first.details.quality_summaries]).toEqual([{}, {}])
    const again = decoded(await register(key), 201, Details(Run), "register again, same key")
    expect(again.details.id).toBe(first.details.id)
    const listed = decoded(await sdkCall(server.url, server.secret, "GET", "agent_instance?protocol=prefactor"), 200, List(Run), "runs by protocol")
    expect(listed.summaries.map((run) => run.id)).toContain(first.details.id)
    const otlp = decoded(await sdkCall(server.url, server.secret, "GET", "agent_instance?protocol=otlp"), 200, List(Run), "OTLP runs")
    expect(otlp.summaries).toEqual([])
  })

  it("a run terminated mid-stream answers its agent's next span create and finish with control.terminate", async () => {
    const runId = decoded(await register(), 201, Details(Run), "register").details.id
    decoded(await sdkCall(server.url, agent.token, "POST", `agent_instance/${runId}/start`, { timestamp: null }), 200, Details(Run), "start")
    const root = decoded(await sdkCall(server.url, agent.token, "POST", "agent_spans", spanDetails(runId, "agent", "active")), 201, SpanAnswer, "root span")
    expect(root.control).toBeUndefined()
    expect(root.details.sensitive_encoding).toBe(true)
    expect(Object.keys(root)).toEqual(["status", "details"])
    const child = decoded(
      await sdkCall(server.url, agent.token, "POST", "agent_spans", spanDetails(runId, "llm", "active", { parent_span_id: root.details.id })),
      201,
      SpanAnswer,
      "child span"
    )
    const finishedChild = decoded(
      await sdkCall(server.url, agent.token, "POST", `agent_spans/${child.details.id}/finish`, { timestamp: new Date().toISOString(), status: "complete", result_payload: { text: "ships today" } }),
      200,
      SpanAnswer,
      "finish the child"
    )
    expect([finishedChild.details.status, finishedChild.control]).toEqual(["complete", undefined])
    // The newer SDKs poll the run: running, no reason.
    const polled = decoded(await sdkCall(server.url, agent.token, "GET", `agent_instance/${runId}`), 200, Details(Run), "poll")
    expect([polled.details.status, polled.details.termination_reason]).toEqual(["active", null])

    // An operator stops the run.
    decoded(await sdkCall(server.url, server.secret, "POST", `agent_instance/${runId}/terminate`, { reason: "refund loop" }), 200, Details(Run), "terminate")

    const stop = { terminate: true, reason: "refund loop" }
    const next = decoded(
      await sdkCall(server.url, agent.token, "POST", "agent_spans", spanDetails(runId, "llm", "active", { parent_span_id: root.details.id })),
      201,
      SpanAnswer,
      "the next span create"
    )
    expect([next.details.status, next.control]).toEqual(["terminated", stop])
    const finishedRoot = decoded(
      await sdkCall(server.url, agent.token, "POST", `agent_spans/${root.details.id}/finish`, { timestamp: new Date().toISOString(), status: "complete", result_payload: { answer: "done" }, sensitive_encoding: true }),
      200,
      SpanAnswer,
      "the next span finish"
    )
    expect([finishedRoot.details.status, finishedRoot.control]).toEqual(["terminated", stop])
    // A key the SDK retries after the termination is answered with control too.
    const key = randomUUID()
    const sent = spanDetails(runId, "llm", "complete", { finished_at: new Date().toISOString(), result_payload: { ok: true } })
    const retried = [
      await sdkCall(server.url, agent.token, "POST", "agent_spans", sent, key),
      await sdkCall(server.url, agent.token, "POST", "agent_spans", sent, key)
    ].map((answer) => decoded(answer, 201, SpanAnswer, "a keyed create and its retry"))
    expect(retried.map((answer) => [answer.details.id, answer.control])).toEqual([[retried[0]?.details.id, stop], [retried[0]?.details.id, stop]])

    // The poll's shape: terminated, with the reason.
    const after = decoded(await sdkCall(server.url, agent.token, "GET", `agent_instance/${runId}`), 200, Details(Run), "poll after")
    expect([after.details.status, after.details.termination_reason]).toEqual(["terminated", "refund loop"])
    // The run's finish, which the SDKs send last, is refused: they read a 409 as "already terminal".
    const finishRun = await sdkCall(server.url, agent.token, "POST", `agent_instance/${runId}/finish`, { status: "complete", timestamp: null })
    expect([finishRun.status, Schema.decodeUnknownSync(ErrorBody)(finishRun.body).code]).toEqual([409, "invalid_action"])
    if (hotRoutes) expect(server.hotServed()).toBeGreaterThan(0)
    else expect(server.hotServed()).toBe(0)
  })

  it("records quality by name on the run: the latest wins, null removes, keys replay, bounds refuse", async () => {
    const runId = decoded(await register(), 201, Details(Run), "register").details.id
    const record = (name: string, payload: Json, key?: string, token = agent.token) =>
      sdkCall(server.url, token, "POST", `agent_instance/${runId}/record_quality`, { name, payload }, key)
    const key = randomUUID()
    const first = decoded(await record("accuracy", { score: 0.7 }, key), 200, Details(Run), "record")
    expect(first.details.quality_payloads).toEqual({ accuracy: { score: 0.7 } })
    expect(decoded(await record("accuracy", { score: 0.7 }, key), 200, Details(Run), "replay").details).toEqual(first.details)
    const conflict = await record("accuracy", { score: 0.1 }, key)
    expect([conflict.status, Schema.decodeUnknownSync(ErrorBody)(conflict.body).code]).toEqual([409, "conflict"])
    decoded(await record("tone", { label: "calm" }), 200, Details(Run), "a second name")
    const replaced = decoded(await record("accuracy", { score: 0.9 }), 200, Details(Run), "replace")
    expect(replaced.details.quality_payloads).toEqual({ accuracy: { score: 0.9 }, tone: { label: "calm" } })
    const removed = decoded(await record("tone", null), 200, Details(Run), "remove")
    expect(removed.details.quality_payloads).toEqual({ accuracy: { score: 0.9 } })
    // The header key works too (no body key: sent as the older clients send keys).
    const byHeader = await fetch(`${server.url}/api/v1/agent_instance/${runId}/record_quality`, {
      method: "POST",
      headers: { authorization: `Bearer ${agent.token}`, "content-type": "application/json", "idempotency-key": "header-key-1" },
      body: JSON.stringify({ name: "helpful", payload: { yes: true } })
    })
    expect(byHeader.status).toBe(200)
    // The run's answer shows them, and the account token reads them.
    const read = decoded(await sdkCall(server.url, server.secret, "GET", `agent_instance/${runId}`), 200, Details(Run), "read")
    expect(read.details.quality_payloads).toEqual({ accuracy: { score: 0.9 }, helpful: { yes: true } })
    // Bounds and shapes: typed 400s.
    const tooLarge = await record("notes", { text: "x".repeat(40_000) })
    expect([tooLarge.status, Schema.decodeUnknownSync(ErrorBody)(tooLarge.body).code]).toEqual([400, "validation_errors"])
    expect((await record("", { score: 1 })).status).toBe(400)
    expect((await sdkCall(server.url, agent.token, "POST", `agent_instance/${runId}/record_quality`, { name: "no payload" })).status).toBe(400)
    // Another agent's deployment token does not reach the run.
    expect((await record("intruder", { score: 0 }, undefined, other.token)).status).toBe(404)
    const after = decoded(await sdkCall(server.url, server.secret, "GET", `agent_instance/${runId}`), 200, Details(Run), "read after")
    expect(Object.keys(after.details.quality_payloads).sort()).toEqual(["accuracy", "helpful"])
  })
})
