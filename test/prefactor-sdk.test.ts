/**
 * The real, unmodified `@prefactor/core@0.2.9` SDK against agentledger's HTTP server, on the
 * in-memory store and on PGlite. Each run goes SDK → recording proxy → server, so the tests see
 * both what the server answered on the wire (the SDK's protocol: docs/http.md) and what it stored, read back through the API with the account token.
 * `SDK_WIRE_DEBUG=1` prints each run's exchanges and the SDK's error logs.
 */
import type { CoreRuntime } from "@prefactor/core"
import { SpanContext, SpanType, withSpan } from "@prefactor/core"
import type { LedgerStore } from "@agentledger/domain"
import { MemoryStore } from "@agentledger/store-memory"
import { PgStore } from "@agentledger/store-postgres"
import type { Layer } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type RunningServer, startServer } from "./support/server.js"
import {
  call,
  captureSdkLogs,
  Created,
  createRiskProfile,
  type Deployed,
  deployAgent,
  describeExchanges,
  Details,
  detailString,
  ErrorBody,
  type Exchange,
  expectAnswer,
  type Injector,
  isObject,
  reader,
  type RecordingProxy,
  sdkCore,
  type Span,
  startProxy,
  topString
} from "./support/sdk.js"

// ---------------------------------------------------------------------------------------------
// Running the SDK

interface SdkRun {
  readonly exchanges: ReadonlyArray<Exchange>
  /** What the SDK logged as errors or warnings (it reports every failed request there). */
  readonly logs: ReadonlyArray<string>
}

/**
 * Runs `body` with a fresh SDK core pointed at a recording proxy in front of the server, always
 * awaits `core.shutdown()` (which drains the SDK's queue) and closes the proxy.
 */
const runSdk = async (
  server: RunningServer,
  options: {
    readonly token: string
    readonly agentSchema: Record<string, unknown>
    readonly inject?: Injector
    readonly maxRetries?: number
  },
  body: (core: CoreRuntime, proxy: RecordingProxy) => Promise<void>
): Promise<SdkRun> => {
  const proxy = await startProxy(server.url, options.inject)
  const logs = captureSdkLogs()
  try {
    const core = sdkCore({
      apiUrl: proxy.url,
      apiToken: options.token,
      agentSchema: options.agentSchema,
      ...(options.maxRetries === undefined ? {} : { maxRetries: options.maxRetries })
    })
    try {
      await body(core, proxy)
    } finally {
      await core.shutdown()
    }
    if (process.env["SDK_WIRE_DEBUG"] !== undefined) console.log(`${describeExchanges(proxy.exchanges)}\n${logs.lines.join("\n")}`)
    return { exchanges: [...proxy.exchanges], logs: [...logs.lines] }
  } finally {
    logs.restore()
    await proxy.close()
  }
}

const isSpanCreate = (e: Exchange) => e.method === "POST" && e.path === "/api/v1/agent_spans"
const isSpanFinish = (e: Exchange) => e.method === "POST" && /^\/api\/v1\/agent_spans\/[^/]+\/finish$/.test(e.path)
const isRegister = (e: Exchange) => e.method === "POST" && e.path === "/api/v1/agent_instance/register"
const errorCode = (body: unknown): string | undefined => (isObject(body) && typeof body["code"] === "string" ? body["code"] : undefined)

/**
 * What the SDK met on the wire must be what §6 allows a 0.2.9-compatible server to answer: 2xx,
 * or 409 `invalid_action` on the repeated finish of an agent span. Anything else is listed.
 */
const expectCleanWire = (run: SdkRun) => {
  const refused = run.exchanges
    .filter((e) => !e.injected)
    .filter((e) => !(e.status >= 200 && e.status < 300) && !(isSpanFinish(e) && e.status === 409 && errorCode(e.responseBody) === "invalid_action"))
    .map((e) => `${e.method} ${e.path} -> ${e.status} ${JSON.stringify(e.responseBody)} for ${JSON.stringify(e.requestBody).slice(0, 600)}`)
  expect(refused, describeExchanges(run.exchanges)).toEqual([])
  expect(run.logs, "the SDK logged errors").toEqual([])
}

/** The short wire shape of a run: `register`, `start`, `create <schema_name>/<status>`, `finish-span`, `finish`. */
const wireSteps = (exchanges: ReadonlyArray<Exchange>): ReadonlyArray<string> =>
  exchanges.map((e) => {
    if (isRegister(e)) return `register ${e.status}`
    if (isSpanCreate(e)) {
      return `create ${detailString(e.requestBody, "schema_name") ?? "?"}/${detailString(e.requestBody, "status") ?? "?"} ${e.status}`
    }
    if (isSpanFinish(e)) return `finish-span ${e.status}`
    if (e.path.endsWith("/start")) return `start ${e.status}`
    if (e.path.endsWith("/finish")) return `finish ${e.status}`
    return `${e.method} ${e.path} ${e.status}`
  })

/** Two ISO timestamps name the same millisecond (both must be present). */
const sameInstant = (a: string | null | undefined, b: string | null | undefined): boolean =>
  typeof a === "string" && typeof b === "string" && !Number.isNaN(Date.parse(a)) && Date.parse(a) === Date.parse(b)

/** `details.conformance` of a span answer. */
const conformanceOf = (body: unknown): unknown => {
  const details = isObject(body) ? body["details"] : undefined
  return isObject(details) ? details["conformance"] : undefined
}

const spanNamed = (spans: ReadonlyArray<{ readonly span: Span; readonly depth: number }>, name: string): Span => {
  const found = spans.find((entry) => entry.span.payload["name"] === name)
  if (found === undefined) throw new Error(`no span named ${name} among ${spans.map((s) => String(s.span.payload["name"])).join(", ")}`)
  return found.span
}

// ---------------------------------------------------------------------------------------------
// Activity schemas given to the SDK as `agentSchema`

/**
 * The SDK's span payload is `{span_id, trace_id, name, status, inputs, outputs, metadata,
 * token_usage, error}`: `agent`, `chain` and `tool` declare what it satisfies; `llm` requires a
 * top-level `prompt`, which the SDK never sends (it is inside `inputs`), so llm spans are
 * flagged; `custom:retrieval` is not declared at all.
 */
const treeSchema = {
  external_identifier: "support-bot-sdk-1",
  span_type_schemas: [
    {
      name: "agent",
      params_schema: { type: "object", required: ["span_id", "trace_id", "name", "inputs"], properties: { inputs: { type: "object", required: ["question"] } } },
      result_schema: { type: "object", required: ["answer"], properties: { answer: { type: "string" } } }
    },
    { name: "chain", params_schema: { type: "object", required: ["inputs"] } },
    { name: "llm", title: "LLM call", params_schema: { type: "object", required: ["prompt"] } },
    {
      name: "tool",
      params_schema: { type: "object", required: ["inputs", "error"], properties: { inputs: { type: "object", required: ["order_id"] } } },
      // A failed span's error report is not held to the result schema.
      result_schema: { type: "object", required: ["order"] }
    }
  ]
}

const agentOnlySchema = {
  external_identifier: "quick-agent-1",
  span_type_schemas: [
    { name: "agent", params_schema: { type: "object", required: ["inputs"] }, result_schema: { type: "object", required: ["answer"] } },
    { name: "tool", params_schema: { type: "object" } }
  ]
}

/**
 * Risk: a profile and a schema whose points are computed by hand (docs/domain.md as in Risk.ts):
 * points(type) = Σ weights of the type's included categories the profile includes ×
 * Σ multipliers of its allowed actions the profile includes, in hundredths.
 *
 *   tool             read_data allowed; result personal_identifiers  → 3 × 1.50          = 450
 *   payments:charge  read_data, financial_transactions, external_communication (excluded)
 *                    allowed; params financial_information, health_and_medical (excluded)
 *                                                                    → 5 × (1.50 + 2.00) = 1750
 *   llm              params personal_identifiers, but no action      → 3 × 0             = 0
 *   agent            nothing declared                                                    = 0
 *
 * One run: agent + tool (complete) + tool (failed: failed spans count) + payments:charge + llm
 *   total = 450 + 450 + 1750 = 2650 hundredths, 26.5 points on the wire (every risk amount an
 *   answer carries is in points, as the profile is written); thresholds 5 / 20 / 40: "high".
 */
const riskProfile = {
  name: "SDK payments profile",
  category_weights: {
    personal_identifiers: { weight: 3, included: true },
    financial_information: { weight: 5, included: true },
    health_and_medical: { weight: 9, included: false }
  },
  action_multipliers: {
    read_data: { multiplier: 1.5, included: true },
    financial_transactions: { multiplier: 2, included: true },
    external_communication: { multiplier: 4, included: false }
  },
  thresholds: { medium: 5, high: 20, critical: 40 }
}

const riskSchema = {
  external_identifier: "payments-bot-1",
  span_type_schemas: [
    { name: "agent", params_schema: { type: "object" } },
    {
      name: "tool",
      params_schema: { type: "object" },
      data_risk: { action_profile: { read_data: "allowed" }, result_data_categories: { personal_identifiers: "included" } }
    },
    {
      name: "payments:charge",
      params_schema: { type: "object", required: ["inputs"], properties: { inputs: { type: "object", required: ["amount"] } } },
      data_risk: {
        action_profile: { read_data: "allowed", financial_transactions: "allowed", external_communication: "allowed" },
        params_data_categories: { financial_information: "included", health_and_medical: "included" }
      }
    },
    { name: "llm", params_schema: { type: "object" }, data_risk: { params_data_categories: { personal_identifiers: "included" } } }
  ]
}

// ---------------------------------------------------------------------------------------------

const stores: ReadonlyArray<readonly [string, () => Layer.Layer<LedgerStore>]> = [
  ["the in-memory store", () => MemoryStore.layer],
  ["PGlite", () => PgStore.layerPglite()]
]

describe.each(stores)("@prefactor/core 0.2.9 against agentledger on %s", (_name, store) => {
  let server: RunningServer
  let read: ReturnType<typeof reader>
  beforeAll(async () => {
    server = await startServer({ store: store() })
    read = reader(server.url, server.secret)
  })
  afterAll(() => server.close())

  let agents = 0
  const deploy = (riskProfileId?: string): Promise<Deployed> =>
    deployAgent(server.url, server.secret, {
      name: `SDK agent ${++agents}`,
      ...(riskProfileId === undefined ? {} : { riskProfileId })
    })

  it("records an agent span with chain → llm, an undeclared span and a failing tool span as one stamped, complete run", async () => {
    const deployed = await deploy()
    let agentSpanId = ""
    const run = await runSdk(server, { token: deployed.token, agentSchema: treeSchema }, async (core, proxy) => {
      core.agentManager.startInstance()
      const root = core.tracer.startSpan({ name: "support-run", spanType: SpanType.AGENT, inputs: { question: "Where is my order?" } })
      agentSpanId = root.spanId
      // Let the agent span's create reach the server while it is still running (the slow-run case of §5).
      await proxy.waitFor((e) => isSpanCreate(e) && detailString(e.requestBody, "schema_name") === "agent")
      await SpanContext.runAsync(root, async () => {
        // Two-argument withSpan: the active tracer is this core's (createCore set it).
        await withSpan({ name: "plan", spanType: SpanType.CHAIN, inputs: { step: "plan" } }, async () => {
          const llm = core.tracer.startSpan({ name: "draft-answer", spanType: SpanType.LLM, inputs: { prompt: "Summarise order A-1" } })
          core.tracer.endSpan(llm, { outputs: { text: "Your order ships today" }, tokenUsage: { promptTokens: 12, completionTokens: 8, totalTokens: 20 } })
          const retrieval = core.tracer.startSpan({ name: "search-docs", spanType: "custom:retrieval", inputs: { query: "shipping" } })
          core.tracer.endSpan(retrieval, { outputs: { hits: 2 } })
          return { plan: "look up, then answer" }
        })
        const tool = core.tracer.startSpan({ name: "order-lookup", spanType: SpanType.TOOL, inputs: { order_id: "A-1" } })
        core.tracer.endSpan(tool, { error: new Error("order service unavailable") })
      })
      core.tracer.endSpan(root, { outputs: { answer: "It ships today" } })
      core.agentManager.finishInstance()
    })

    expectCleanWire(run)
    expect(wireSteps(run.exchanges)).toEqual([
      "register 201",
      "start 200",
      "create agent/active 201",
      "create chain/complete 201",
      "create llm/complete 201",
      "create custom:retrieval/complete 201",
      "create tool/failed 201",
      "finish-span 200",
      "finish 200"
    ])

    const list = await read.instances(deployed.agentId)
    expect(list.pagination.item_count).toBe(1)
    const listed = list.summaries[0]
    if (listed === undefined) throw new Error("no instance listed")
    expect(detailString(run.exchanges.find(isRegister)?.responseBody, "id")).toBe(listed.id)

    // The stamps.
    const instance = await read.instance(listed.id)
    const versions = await read.versions(deployed.agentId)
    const schemas = await read.schemaVersions(deployed.agentId)
    expect(versions.summaries).toHaveLength(1)
    expect(schemas.summaries).toHaveLength(1)
    const version = versions.summaries[0]
    const schemaVersion = schemas.summaries[0]
    expect(version).toMatchObject({ external_identifier: "1.0.0", name: "SDK test agent", agent_schema_version_id: schemaVersion?.id })
    expect(schemaVersion).toMatchObject({ external_identifier: "support-bot-sdk-1" })
    expect(instance).toMatchObject({
      agent_id: deployed.agentId,
      agent_version_id: version?.id,
      agent_schema_version_id: schemaVersion?.id,
      environment_id: deployed.environmentId,
      agent_deployment_id: deployed.deploymentId,
      status: "complete",
      span_counts: { total: 5, pending: 0, active: 0, complete: 4, failed: 1, cancelled: 0, finished: 5 },
      conformance_counts: { conforms: 3, flagged: 2 },
      risk_score: null,
      risk_level: null
    })
    expect(instance.started_at).not.toBeNull()
    expect(instance.finished_at).not.toBeNull()
    expect((await read.deployment(deployed.deploymentId)).current_version_id).toBe(version?.id)

    // The tree, in timeline order.
    const timeline = await read.timeline(instance.id)
    expect(timeline.instance.id).toBe(instance.id)
    expect(timeline.spans.map((s) => [s.span.schema_name, s.depth])).toEqual([
      ["agent", 0],
      ["chain", 1],
      ["llm", 2],
      ["custom:retrieval", 2],
      ["tool", 1]
    ])
    const agent = spanNamed(timeline.spans, "support-run")
    const chain = spanNamed(timeline.spans, "plan")
    const llm = spanNamed(timeline.spans, "draft-answer")
    const retrieval = spanNamed(timeline.spans, "search-docs")
    const tool = spanNamed(timeline.spans, "order-lookup")
    for (const span of [agent, chain, llm, retrieval, tool]) {
      expect(span.agent_instance_id).toBe(instance.id)
      expect(span.finished_at).not.toBeNull()
    }
    expect(agent.parent_span_id).toBeNull()
    expect(chain.parent_span_id).toBe(agent.id)
    expect(llm.parent_span_id).toBe(chain.id)
    expect(retrieval.parent_span_id).toBe(chain.id)
    expect(tool.parent_span_id).toBe(agent.id)
    // The server's ids are the ones the SDK learnt (and used in parent_span_id and the finish URL).
    const created = run.exchanges.filter(isSpanCreate).map((e) => detailString(e.responseBody, "id"))
    expect(created).toEqual(expect.arrayContaining([agent.id, chain.id, llm.id, retrieval.id, tool.id]))
    expect(run.exchanges.find(isSpanFinish)?.path).toBe(`/api/v1/agent_spans/${agent.id}/finish`)

    expect(agent).toMatchObject({ status: "complete", result_payload: { answer: "It ships today" } })
    expect(agent.payload).toMatchObject({ span_id: agentSpanId, name: "support-run", inputs: { question: "Where is my order?" } })
    expect(chain).toMatchObject({ status: "complete", result_payload: { plan: "look up, then answer" } })
    expect(llm).toMatchObject({
      status: "complete",
      schema_title: "LLM call",
      payload: { inputs: { prompt: "Summarise order A-1" }, token_usage: { prompt_tokens: 12, completion_tokens: 8, total_tokens: 20 } },
      result_payload: { text: "Your order ships today" }
    })
    expect(tool).toMatchObject({
      status: "failed",
      schema_title: "tool",
      payload: { error: { error_type: "Error", message: "order service unavailable" } },
      result_payload: { error_type: "Error", message: "order service unavailable" }
    })
    // All the spans of one SDK trace share its trace id.
    expect(new Set([agent, chain, llm, retrieval, tool].map((s) => s.payload["trace_id"])).size).toBe(1)
    // The SDK's own timestamps are kept: started_at and finished_at of each create, the finish's timestamp.
    for (const exchange of run.exchanges.filter(isSpanCreate)) {
      const id = detailString(exchange.responseBody, "id")
      const stored = timeline.spans.find((s) => s.span.id === id)?.span
      expect(sameInstant(stored?.started_at, detailString(exchange.requestBody, "started_at")), `started_at of ${id}`).toBe(true)
      const finishedAt = detailString(exchange.requestBody, "finished_at")
      if (finishedAt !== undefined) expect(sameInstant(stored?.finished_at, finishedAt), `finished_at of ${id}`).toBe(true)
    }
    const finish = run.exchanges.find(isSpanFinish)
    expect(sameInstant(agent.finished_at, topString(finish?.requestBody, "timestamp"))).toBe(true)
    // The agent span was checked twice: its payload at create (no result yet), its result at finish.
    expect(conformanceOf(run.exchanges.find(isSpanCreate)?.responseBody)).toMatchObject({ payload: "conforms", result: "not_applicable" })
    expect(conformanceOf(finish?.responseBody)).toMatchObject({ payload: "conforms", result: "conforms" })

    // Conformance against the registered schema.
    expect(agent.conformance).toEqual({ payload: "conforms", result: "conforms", errors: [] })
    expect(chain.conformance).toEqual({ payload: "conforms", result: "conforms", errors: [] })
    expect(tool.conformance).toEqual({ payload: "conforms", result: "not_applicable", errors: [] })
    expect(llm.conformance.payload).toBe("mismatch")
    expect(llm.conformance.result).toBe("conforms")
    expect(llm.conformance.errors).toEqual([expect.objectContaining({ target: "payload", keyword: "required", message: expect.stringContaining("prompt") })])
    expect(retrieval.conformance).toMatchObject({ payload: "undeclared_type", result: "undeclared_type" })
  })

  it("records a short agent span that the SDK creates already complete and then finishes again (the create/finish race)", async () => {
    const deployed = await deploy()
    const run = await runSdk(server, { token: deployed.token, agentSchema: agentOnlySchema }, async (core) => {
      core.agentManager.startInstance()
      const quick = core.tracer.startSpan({ name: "quick", spanType: SpanType.AGENT, inputs: { q: "ping" } })
      core.tracer.endSpan(quick, { outputs: { answer: "pong" } })
      await expect(
        withSpan(core.tracer, { name: "quick-failure", spanType: SpanType.AGENT, inputs: { q: "fail" } }, () => {
          throw new Error("agent gave up")
        })
      ).rejects.toThrow("agent gave up")
      core.agentManager.finishInstance()
    })

    expectCleanWire(run)
    // Both agent spans went out already terminal, each followed by its (repeated) finish, which
    // §4.4/§6 allow to be answered 2xx or 409 invalid_action (expectCleanWire checked the code).
    const repeatedFinish = expect.stringMatching(/^finish-span (409|20\d)$/)
    expect(wireSteps(run.exchanges)).toEqual([
      "register 201",
      "start 200",
      "create agent/complete 201",
      repeatedFinish,
      "create agent/failed 201",
      repeatedFinish,
      "finish 200"
    ])

    const list = await read.instances(deployed.agentId)
    expect(list.pagination.item_count).toBe(1)
    const instance = await read.instance(list.summaries[0]?.id ?? "missing")
    expect(instance).toMatchObject({
      status: "complete",
      agent_deployment_id: deployed.deploymentId,
      span_counts: { total: 2, active: 0, complete: 1, failed: 1, finished: 2 },
      conformance_counts: { conforms: 2, flagged: 0 }
    })
    const timeline = await read.timeline(instance.id)
    expect(timeline.spans).toHaveLength(2)
    const quick = spanNamed(timeline.spans, "quick")
    const failed = spanNamed(timeline.spans, "quick-failure")
    expect(quick).toMatchObject({ status: "complete", parent_span_id: null, result_payload: { answer: "pong" } })
    // The repeated finish changed nothing: the times are the ones the SDK's create carried.
    const quickCreate = run.exchanges.find((e) => isSpanCreate(e) && detailString(e.responseBody, "id") === quick.id)
    expect(sameInstant(quick.started_at, detailString(quickCreate?.requestBody, "started_at"))).toBe(true)
    expect(sameInstant(quick.finished_at, detailString(quickCreate?.requestBody, "finished_at"))).toBe(true)
    expect(quick.conformance).toEqual({ payload: "conforms", result: "conforms", errors: [] })
    expect(failed).toMatchObject({ status: "failed", parent_span_id: null, result_payload: { error_type: "Error", message: "agent gave up" } })
    expect(failed.conformance).toEqual({ payload: "conforms", result: "not_applicable", errors: [] })
  })

  it("records two runs of one process (start → finish → start → finish) as two instances, and a later core's run as a third", async () => {
    const deployed = await deploy()
    const first = await runSdk(server, { token: deployed.token, agentSchema: agentOnlySchema }, async (core) => {
      for (const n of [1, 2]) {
        core.agentManager.startInstance()
        const span = core.tracer.startSpan({ name: `run-${n}`, spanType: SpanType.AGENT, inputs: { n } })
        core.tracer.endSpan(span, { outputs: { answer: `answer ${n}` } })
        core.agentManager.finishInstance()
      }
    })
    expectCleanWire(first)
    const registered = first.exchanges.filter(isRegister).map((e) => detailString(e.responseBody, "id"))
    expect(registered).toHaveLength(2)
    expect(new Set(registered).size).toBe(2)

    // A fresh core in the same process, after the first one shut down: the global tracer is the new one.
    const second = await runSdk(server, { token: deployed.token, agentSchema: agentOnlySchema }, async (core) => {
      core.agentManager.startInstance()
      await withSpan({ name: "run-3", spanType: SpanType.AGENT, inputs: { n: 3 } }, () => ({ answer: "answer 3" }))
      core.agentManager.finishInstance()
    })
    expectCleanWire(second)

    const list = await read.instances(deployed.agentId)
    expect(list.pagination.item_count).toBe(3)
    const byRun = new Map<string, string>()
    for (const listed of list.summaries) {
      const timeline = await read.timeline(listed.id)
      expect(timeline.instance).toMatchObject({ status: "complete", agent_deployment_id: deployed.deploymentId })
      expect(timeline.instance.started_at).not.toBeNull()
      expect(timeline.spans).toHaveLength(1)
      const span = timeline.spans[0]?.span
      expect(span).toMatchObject({ schema_name: "agent", status: "complete" })
      byRun.set(String(span?.payload["name"]), listed.id)
    }
    expect([...byRun.keys()].sort()).toEqual(["run-1", "run-2", "run-3"])
    expect(byRun.get("run-1")).toBe(registered[0])
    expect(byRun.get("run-2")).toBe(registered[1])
    // Same content, same version: three runs, one agent version and one schema version.
    expect(new Set(list.summaries.map((i) => i.agent_version_id)).size).toBe(1)
    expect((await read.versions(deployed.agentId)).pagination.item_count).toBe(1)
    expect((await read.schemaVersions(deployed.agentId)).pagination.item_count).toBe(1)
  })

  it("retries a register answered 503 and records the run once", async () => {
    const deployed = await deploy()
    const run = await runSdk(
      server,
      {
        token: deployed.token,
        agentSchema: agentOnlySchema,
        maxRetries: 2,
        inject: ({ index, method, path }) =>
          method === "POST" && path === "/api/v1/agent_instance/register" && index === 0
            ? { status: 503, body: { status: "error", code: "unavailable", message: "injected by the test proxy" } }
            : undefined
      },
      async (core) => {
        core.agentManager.startInstance()
        await withSpan(core.tracer, { name: "after-outage", spanType: SpanType.AGENT, inputs: { q: "still there?" } }, async () => {
          await withSpan(core.tracer, { name: "probe", spanType: SpanType.TOOL, inputs: {} }, () => ({ ok: true }))
          return { answer: "yes" }
        })
        core.agentManager.finishInstance()
      }
    )

    expectCleanWire(run)
    const registers = run.exchanges.filter(isRegister)
    expect(registers.map((e) => [e.status, e.injected])).toEqual([[503, true], [201, false]])
    const list = await read.instances(deployed.agentId)
    expect(list.pagination.item_count).toBe(1)
    const instance = list.summaries[0]
    expect(instance?.id).toBe(detailString(registers[1]?.responseBody, "id"))
    expect(instance).toMatchObject({ status: "complete", span_counts: { total: 2, complete: 2 } })
    const timeline = await read.timeline(instance?.id ?? "missing")
    expect(timeline.spans.map((s) => [s.span.schema_name, s.depth, s.span.status])).toEqual([
      ["agent", 0, "complete"],
      ["tool", 1, "complete"]
    ])
  })

  it("scores the spans of an agent with a risk profile: total and level", async () => {
    const profileId = await createRiskProfile(server.url, server.secret, riskProfile)
    const deployed = await deploy(profileId)
    const run = await runSdk(server, { token: deployed.token, agentSchema: riskSchema }, async (core) => {
      core.agentManager.startInstance()
      await withSpan(core.tracer, { name: "payments-run", spanType: SpanType.AGENT, inputs: { customer: "c-1" } }, async () => {
        await withSpan(core.tracer, { name: "crm-lookup", spanType: SpanType.TOOL, inputs: { customer_id: "c-1" } }, () => ({ email: "a@example.com" }))
        const broken = core.tracer.startSpan({ name: "crm-lookup-retry", spanType: SpanType.TOOL, inputs: { customer_id: "c-1" } })
        core.tracer.endSpan(broken, { error: new Error("crm timeout") })
        await withSpan(core.tracer, { name: "charge", spanType: "payments:charge", inputs: { amount: 42 } }, () => ({ charged: true }))
        await withSpan(core.tracer, { name: "explain", spanType: SpanType.LLM, inputs: { prompt: "explain the charge" } }, () => "done")
        return { answer: "charged" }
      })
      core.agentManager.finishInstance()
    })

    expectCleanWire(run)
    const list = await read.instances(deployed.agentId)
    expect(list.pagination.item_count).toBe(1)
    const id = list.summaries[0]?.id ?? "missing"
    const risk = await read.risk(id)
    expect(risk).not.toBeNull()
    expect(risk?.total).toBe(26.5)
    expect(risk?.level).toBe("high")
    expect(risk?.peak_level).toBe("high")
    const points = Object.fromEntries((risk?.breakdown ?? []).map((entry) => [entry.schema_name, [entry.span_count, entry.points]]))
    expect(points).toEqual({ "payments:charge": [1, 17.5], tool: [2, 9], agent: [1, 0], llm: [1, 0] })
    expect(risk?.thresholds).toEqual({ medium: 5, high: 20, critical: 40 })

    const instance = await read.instance(id)
    expect(instance).toMatchObject({ status: "complete", risk_score: 26.5, risk_level: "high", span_counts: { total: 5, complete: 4, failed: 1 } })
    const timeline = await read.timeline(id)
    expect(Object.fromEntries(timeline.spans.map((s) => [String(s.span.payload["name"]), s.span.risk_score]))).toEqual({
      "payments-run": 0,
      "crm-lookup": 4.5,
      "crm-lookup-retry": 4.5,
      charge: 17.5,
      explain: 0
    })
    expect(spanNamed(timeline.spans, "charge").conformance.payload).toBe("conforms")
  })

  it("refuses spans whose instance the SDK never got (agent_instance_id null) with a 4xx, and records nothing", async () => {
    const deployed = await deploy()
    const run = await runSdk(
      server,
      {
        token: deployed.token,
        agentSchema: agentOnlySchema,
        inject: ({ method, path }) =>
          method === "POST" && path === "/api/v1/agent_instance/register"
            ? { status: 400, body: { status: "error", code: "bad_request", message: "register refused by the test proxy" } }
            : undefined
      },
      async (core) => {
        core.agentManager.startInstance()
        const span = core.tracer.startSpan({ name: "orphan", spanType: SpanType.AGENT, inputs: {} })
        core.tracer.endSpan(span, { outputs: {} })
        core.agentManager.finishInstance()
      }
    )
    const creates = run.exchanges.filter(isSpanCreate)
    expect(creates.length).toBeGreaterThan(0)
    for (const create of creates) {
      expect(detailString(create.requestBody, "agent_instance_id")).toBeUndefined()
      expect(create.status, JSON.stringify(create.responseBody)).toBeGreaterThanOrEqual(400)
      expect(create.status, JSON.stringify(create.responseBody)).toBeLessThan(500)
      expect(errorCode(create.responseBody)).toEqual(expect.any(String))
    }
    expect((await read.instances(deployed.agentId)).pagination.item_count).toBe(0)
  })

  describe("an SDK whose token does not work records nothing and never throws", () => {
    const runWithToken = async (token: string, agentId: string) => {
      const run = await runSdk(server, { token, agentSchema: treeSchema }, async (core) => {
        core.agentManager.startInstance()
        await withSpan(core.tracer, { name: "support-run", spanType: SpanType.AGENT, inputs: { question: "anyone?" } }, async () => {
          await withSpan(core.tracer, { name: "step", spanType: SpanType.CHAIN, inputs: {} }, () => ({}))
          return { answer: "no" }
        })
        core.agentManager.finishInstance()
      })
      expect(run.exchanges.length).toBeGreaterThan(0)
      // 401/403 everywhere, each answered once (not retried), with the JSON error envelope.
      for (const exchange of run.exchanges) {
        expect([401, 403], describeExchanges(run.exchanges)).toContain(exchange.status)
        expect(() => expectAnswer({ status: exchange.status, body: exchange.responseBody }, exchange.status, ErrorBody, exchange.path)).not.toThrow()
      }
      // Not retried: with no instance id, 0.2.9 registers once for the start and once more before
      // each of the two span actions (agent create, chain end), §4.1; a retried 401 (maxRetries
      // is 3) would multiply these. The agent span is still POSTed, with agent_instance_id null.
      expect(run.exchanges.filter(isRegister)).toHaveLength(3)
      expect(run.exchanges.filter(isSpanCreate).map((e) => e.requestBody)).toEqual([
        expect.objectContaining({ details: expect.objectContaining({ agent_instance_id: null, schema_name: "agent" }) })
      ])
      expect(run.logs.some((line) => line.includes("Error registering agent"))).toBe(true)
      expect((await read.instances(agentId)).pagination.item_count).toBe(0)
    }

    it("a revoked deployment token", async () => {
      const deployed = await deploy()
      const revoked = await call(server.url, server.secret, "POST", `/api/v1/api_token/${deployed.tokenId}/revoke`, {})
      expect(expectAnswer(revoked, 200, Details(Created), "revoke").details.id).toBe(deployed.tokenId)
      await runWithToken(deployed.token, deployed.agentId)
    })

    it("an unknown token", async () => {
      const deployed = await deploy()
      await runWithToken(`pf_${"x".repeat(43)}`, deployed.agentId)
    })
  })
})
