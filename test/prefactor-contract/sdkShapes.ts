/**
 * What the SDKs depend on: exactly the bodies @prefactor/core 0.2.9 sends (register, start, span
 * create and finish, the run's finish) answer 2xx with a string `details.id`, and a repeated
 * span finish answers 409 `invalid_action`. Lenient on purpose: it reads only what the SDK reads.
 */
import { expect, it } from "vitest"
import { field } from "../support/json.js"
import { unique } from "../support/contract/requests.js"
import type { ContractSession } from "../support/contract/session.js"

/** The test of the shapes the SDK depends on. */
export const sdkShapes = (contract: ContractSession): void => {
  const { call, text } = contract

  it("register and span create answer 2xx with a string details.id; a repeated finish answers 409 invalid_action", async () => {
    // Lenient setup: an agent, its deployment and a deployment token, the SDK's credential.
    const agent = text(await call("POST agent", { body: { details: { name: "SDK bot" } } }), "details", "id")
    const environment = await call("POST environment", { body: { details: { name: unique("sdk") } } })
    const deployment = text(await call("POST agent_deployment", { body: { details: { agent_id: agent, environment_id: text(environment, "details", "id") } } }), "details", "id")
    const token = text(await call("POST api_token", { body: { details: { token_scope: "agent_deployment", agent_deployment_id: deployment } } }), "token")

    // Exactly the bodies of the SDK's wire protocol.
    const register = await call("POST agent_instance/register", {
      token,
      body: {
        agent_version: { external_identifier: "v1.0.0", name: "Agent", description: "" },
        agent_schema_version: { external_identifier: "sdk-schema-1", span_schemas: { agent: { type: "object" }, llm: { type: "object" } } }
      }
    })
    expect(register.status, register.raw).toBeGreaterThanOrEqual(200)
    expect(register.status, register.raw).toBeLessThan(300)
    const instance = field(register.body, "details", "id")
    expect(typeof instance, register.raw).toBe("string")
    expect(instance).toMatch(/^[0-7][0-9abcdefghjkmnpqrstvwxyz]{31}$/)
    const instanceId = String(instance)

    const started = await call("POST agent_instance/{id}/start", { token, id: instanceId, body: {} })
    expect(started.status, started.raw).toBeLessThan(300)

    const payload = (name: string, status: string) => ({
      span_id: "01m8q0000000000000000000000000aa",
      trace_id: "01m8q0000000000000000000000000bb",
      name,
      status,
      inputs: { question: "hi" },
      outputs: null,
      metadata: {},
      token_usage: null,
      error: null
    })
    const agentSpan = await call("POST agent_spans", {
      token,
      body: {
        details: {
          agent_instance_id: instanceId,
          schema_name: "agent",
          status: "active",
          payload: payload("agent", "active"),
          parent_span_id: null,
          started_at: new Date().toISOString(),
          finished_at: null
        }
      }
    })
    expect(agentSpan.status, agentSpan.raw).toBeGreaterThanOrEqual(200)
    expect(agentSpan.status, agentSpan.raw).toBeLessThan(300)
    const agentSpanId = field(agentSpan.body, "details", "id")
    expect(typeof agentSpanId, agentSpan.raw).toBe("string")

    const now = new Date().toISOString()
    const llmSpan = await call("POST agent_spans", {
      token,
      body: {
        details: {
          agent_instance_id: instanceId,
          schema_name: "llm",
          status: "complete",
          payload: { ...payload("llm", "complete"), outputs: { text: "hello" } },
          result_payload: { text: "hello" },
          parent_span_id: String(agentSpanId),
          started_at: now,
          finished_at: now
        }
      }
    })
    expect(llmSpan.status, llmSpan.raw).toBeGreaterThanOrEqual(200)
    expect(llmSpan.status, llmSpan.raw).toBeLessThan(300)
    expect(typeof field(llmSpan.body, "details", "id"), llmSpan.raw).toBe("string")

    const finishBody = { timestamp: new Date().toISOString(), status: "complete", result_payload: {} }
    const finished = await call("POST agent_spans/{id}/finish", { token, id: String(agentSpanId), body: finishBody })
    expect(finished.status, finished.raw).toBeLessThan(300)
    const again = await call("POST agent_spans/{id}/finish", { token, id: String(agentSpanId), body: finishBody })
    expect(again.status, again.raw).toBe(409)
    expect(field(again.body, "code"), again.raw).toBe("invalid_action")

    const runFinished = await call("POST agent_instance/{id}/finish", { token, id: instanceId, body: {} })
    expect(runFinished.status, runFinished.raw).toBeLessThan(300)
    expect(field(runFinished.body, "details", "status")).toBe("complete")
  })
}
