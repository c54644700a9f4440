/**
 * What the SDK records, read back through the API: an agent span with a chain → llm subtree, an
 * undeclared span and a failing tool span as one stamped, complete run with its conformance; the
 * short agent span the SDK creates already complete and then finishes again; and several runs
 * of one process and of a later core. Every run's wire must be clean (expectCleanWire).
 */
import { SpanContext, SpanType, withSpan } from "@prefactor/core"
import { expect, it } from "vitest"
import { detailString, topString } from "../support/sdk/proxy.js"
import { runSdk } from "../support/sdk/run.js"
import { agentOnlySchema, treeSchema } from "../support/sdk/schemas.js"
import type { SdkTarget } from "../support/sdk/target.js"
import { conformanceOf, expectCleanWire, isRegister, isSpanCreate, isSpanFinish, sameInstant, spanNamed, wireSteps } from "../support/sdk/wire.js"

/** The recording tests, in the calling `describe`, against its server. */
export const recordingRuns = ({ deploy, read, server }: SdkTarget): void => {
  it("records an agent span with chain → llm, an undeclared span and a failing tool span as one stamped, complete run", async () => {
    const deployed = await deploy()
    let agentSpanId = ""
    const run = await runSdk(server(), { token: deployed.token, agentSchema: treeSchema }, async (core, proxy) => {
      core.agentManager.startInstance()
      const root = core.tracer.startSpan({ name: "support-run", spanType: SpanType.AGENT, inputs: { question: "Where is my order?" } })
      agentSpanId = root.spanId
      // Let the agent span's create reach the server while it is still running (the slow-run case of the SDK's wire protocol).
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

    const list = await read().instances(deployed.agentId)
    expect(list.pagination.item_count).toBe(1)
    const listed = list.summaries[0]
    if (listed === undefined) throw new Error("no instance listed")
    expect(detailString(run.exchanges.find(isRegister)?.responseBody, "id")).toBe(listed.id)

    // The stamps.
    const instance = await read().instance(listed.id)
    const versions = await read().versions(deployed.agentId)
    const schemas = await read().schemaVersions(deployed.agentId)
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
    expect((await read().deployment(deployed.deploymentId)).current_version_id).toBe(version?.id)

    // The tree, in timeline order.
    const timeline = await read().timeline(instance.id)
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
    const run = await runSdk(server(), { token: deployed.token, agentSchema: agentOnlySchema }, async (core) => {
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
    // the SDK's wire protocol allows to be answered 2xx or 409 invalid_action (expectCleanWire checked the code).
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

    const list = await read().instances(deployed.agentId)
    expect(list.pagination.item_count).toBe(1)
    const instance = await read().instance(list.summaries[0]?.id ?? "missing")
    expect(instance).toMatchObject({
      status: "complete",
      agent_deployment_id: deployed.deploymentId,
      span_counts: { total: 2, active: 0, complete: 1, failed: 1, finished: 2 },
      conformance_counts: { conforms: 2, flagged: 0 }
    })
    const timeline = await read().timeline(instance.id)
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
    const first = await runSdk(server(), { token: deployed.token, agentSchema: agentOnlySchema }, async (core) => {
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
    const second = await runSdk(server(), { token: deployed.token, agentSchema: agentOnlySchema }, async (core) => {
      core.agentManager.startInstance()
      await withSpan({ name: "run-3", spanType: SpanType.AGENT, inputs: { n: 3 } }, () => ({ answer: "answer 3" }))
      core.agentManager.finishInstance()
    })
    expectCleanWire(second)

    const list = await read().instances(deployed.agentId)
    expect(list.pagination.item_count).toBe(3)
    const byRun = new Map<string, string>()
    for (const listed of list.summaries) {
      const timeline = await read().timeline(listed.id)
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
    expect((await read().versions(deployed.agentId)).pagination.item_count).toBe(1)
    expect((await read().schemaVersions(deployed.agentId)).pagination.item_count).toBe(1)
  })
}
