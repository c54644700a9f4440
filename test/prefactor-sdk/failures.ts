/**
 * The SDK when the wire fails: a register answered 503 is retried and the run recorded once;
 * spans whose instance the SDK never got (a refused register) are refused with a 4xx and nothing
 * is recorded; a token that does not work (revoked, unknown) records nothing, is never retried
 * and never makes the SDK throw.
 */
import { SpanType, withSpan } from "@prefactor/core"
import { describe, expect, it } from "vitest"
import { call, expectAnswer } from "../support/jsonClient.js"
import { Created, Details, ErrorBody } from "../support/resources.js"
import { describeExchanges, detailString } from "../support/sdk/proxy.js"
import { runSdk } from "../support/sdk/run.js"
import { agentOnlySchema, treeSchema } from "../support/sdk/schemas.js"
import type { SdkTarget } from "../support/sdk/target.js"
import { errorCode, expectCleanWire, isRegister, isSpanCreate } from "../support/sdk/wire.js"

/** The tests of a failing wire, in the calling `describe`, against its server. */
export const failingWire = ({ deploy, read, server }: SdkTarget): void => {
  it("retries a register answered 503 and records the run once", async () => {
    const deployed = await deploy()
    const run = await runSdk(
      server(),
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
    const list = await read().instances(deployed.agentId)
    expect(list.pagination.item_count).toBe(1)
    const instance = list.summaries[0]
    expect(instance?.id).toBe(detailString(registers[1]?.responseBody, "id"))
    expect(instance).toMatchObject({ status: "complete", span_counts: { total: 2, complete: 2 } })
    const timeline = await read().timeline(instance?.id ?? "missing")
    expect(timeline.spans.map((s) => [s.span.schema_name, s.depth, s.span.status])).toEqual([
      ["agent", 0, "complete"],
      ["tool", 1, "complete"]
    ])
  })

  it("refuses spans whose instance the SDK never got (agent_instance_id null) with a 4xx, and records nothing", async () => {
    const deployed = await deploy()
    const run = await runSdk(
      server(),
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
    expect((await read().instances(deployed.agentId)).pagination.item_count).toBe(0)
  })

  describe("an SDK whose token does not work records nothing and never throws", () => {
    const runWithToken = async (token: string, agentId: string) => {
      const run = await runSdk(server(), { token, agentSchema: treeSchema }, async (core) => {
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
      // each of the two span actions (agent create, chain end), the SDK's wire protocol; a retried 401 (maxRetries
      // is 3) would multiply these. The agent span is still POSTed, with agent_instance_id null.
      expect(run.exchanges.filter(isRegister)).toHaveLength(3)
      expect(run.exchanges.filter(isSpanCreate).map((e) => e.requestBody)).toEqual([
        expect.objectContaining({ details: expect.objectContaining({ agent_instance_id: null, schema_name: "agent" }) })
      ])
      expect(run.logs.some((line) => line.includes("Error registering agent"))).toBe(true)
      expect((await read().instances(agentId)).pagination.item_count).toBe(0)
    }

    it("a revoked deployment token", async () => {
      const deployed = await deploy()
      const revoked = await call(server().url, server().secret, "POST", `/api/v1/api_token/${deployed.tokenId}/revoke`, {})
      expect(expectAnswer(revoked, 200, Details(Created), "revoke").details.id).toBe(deployed.tokenId)
      await runWithToken(deployed.token, deployed.agentId)
    })

    it("an unknown token", async () => {
      const deployed = await deploy()
      await runWithToken(`pf_${"x".repeat(43)}`, deployed.agentId)
    })
  })
}
