/**
 * A run an operator terminates while the real 0.2.9 SDK is still reporting it: the agent's next
 * span create and finish are answered 2xx with `control: {terminate: true, reason}` (what the
 * newer SDKs stop on; 0.2.9 reads past it), every span the agent reported is kept (the open agent
 * span closed by the termination, the tool span as the SDK reported it, complete) and the run
 * stays terminated. The SDK's own finish of the run is 409 `invalid_action`, the wire's "already
 * terminal", which 0.2.9 logs and goes on.
 */
import { SpanContext, SpanType } from "@prefactor/core"
import { Schema } from "effect"
import { expect, it } from "vitest"
import { call } from "../support/jsonClient.js"
import { describeExchanges, detailString, type Exchange } from "../support/sdk/proxy.js"
import { runSdk } from "../support/sdk/run.js"
import { treeSchema } from "../support/sdk/schemas.js"
import type { SdkTarget } from "../support/sdk/target.js"
import { errorCode, isRegister, isSpanCreate, isSpanFinish } from "../support/sdk/wire.js"

const reason = "refund loop"

/** The `control` a span answer carries, if any. */
const controlOf = Schema.decodeUnknownSync(Schema.Struct({
  control: Schema.optional(Schema.Struct({ terminate: Schema.Boolean, reason: Schema.NullOr(Schema.String) }))
}))

/** The create of the span of this type (the run has one of each). */
const createOf = (schemaName: string) => (e: Exchange) => isSpanCreate(e) && detailString(e.requestBody, "schema_name") === schemaName

/** The termination test, in the calling `describe`, against its server. */
export const terminatingRuns = ({ deploy, read, server }: SdkTarget): void => {
  it("answers the agent's spans after a termination mid-stream 2xx with control.terminate, keeps them, and leaves the run terminated", async () => {
    const deployed = await deploy()
    let runId = ""
    const run = await runSdk(server(), { token: deployed.token, agentSchema: treeSchema }, async (core, proxy) => {
      core.agentManager.startInstance()
      const root = core.tracer.startSpan({ name: "support-run", spanType: SpanType.AGENT, inputs: { question: "Refund order A-1" } })
      await proxy.waitFor(createOf("agent"))
      runId = detailString((await proxy.waitFor(isRegister)).responseBody, "id") ?? ""
      // An operator stops the run while its agent span is open.
      const terminated = await call(server().url, server().secret, "POST", `/api/v1/agent_instance/${runId}/terminate`, { reason })
      expect(terminated.status, JSON.stringify(terminated.body)).toBe(200)
      await SpanContext.runAsync(root, async () => {
        // The SDK sends a tool span once it has ended, as a create that is already complete.
        const tool = core.tracer.startSpan({ name: "issue-refund", spanType: SpanType.TOOL, inputs: { order_id: "A-1" } })
        core.tracer.endSpan(tool, { outputs: { refunded: true } })
        await proxy.waitFor(createOf("tool"))
      })
      core.tracer.endSpan(root, { outputs: { answer: "Refunded" } })
      core.agentManager.finishInstance()
    })

    const wire = describeExchanges(run.exchanges)
    const toolCreate = run.exchanges.find(createOf("tool"))
    expect([toolCreate?.status, controlOf(toolCreate?.responseBody).control], wire).toEqual([201, { terminate: true, reason }])
    // The agent span's finish: the termination closed it, so it is answered as it stands.
    const finishes = run.exchanges.filter(isSpanFinish)
    expect(finishes.map((e) => [e.status, detailString(e.responseBody, "status"), controlOf(e.responseBody).control]), wire).toEqual([
      [200, "terminated", { terminate: true, reason }]
    ])
    const runFinish = run.exchanges.find((e) => e.method === "POST" && e.path === `/api/v1/agent_instance/${runId}/finish`)
    expect([runFinish?.status, errorCode(runFinish?.responseBody)], wire).toEqual([409, "invalid_action"])
    // Nothing else was refused, and nothing was retried; 0.2.9 logs the run's finish and goes on.
    expect(run.exchanges.filter((e) => e.status >= 300 && e !== runFinish).map((e) => `${e.method} ${e.path} ${e.status}`), wire).toEqual([])
    expect(run.logs.map((line) => /Error finishing agent instance/.test(line))).toEqual([true])

    // Both spans kept: the agent's closed by the termination, the tool's as the SDK reported it.
    expect(await read().instance(runId)).toMatchObject({ status: "terminated", span_counts: { total: 2, complete: 1 } })
    const timeline = await read().timeline(runId)
    expect(timeline.spans.map(({ depth, span }) => [span.schema_name, depth, span.status])).toEqual([
      ["agent", 0, "terminated"],
      ["tool", 1, "complete"]
    ])
  })
}
