/**
 * Valid requests of erasure and retention (docs/http.md, "Erasure and retention"): a run of its
 * own, recorded by the deployment token, redacted and then deleted; an erasure of the agent's
 * runs in a window that holds none of the runs later steps use; the retention policy read, set
 * and set back to keeping every run. Each answer must decode with its reference Schema.
 */
import { expect, it } from "vitest"
import { Details } from "../../support/contract/envelopes.js"
import { Erasure, RetentionPolicy } from "../../support/contract/erasure.js"
import { supportSchema } from "../../support/contract/requests.js"
import { AgentInstance } from "../../support/contract/runs.js"
import type { ContractSession } from "../../support/contract/session.js"

/** The valid requests of erasure and retention. */
export const erasureRequests = (contract: ContractSession): void => {
  const { call, keep, ok, text, the } = contract

  it("POST agent_instance/{id}/redact: a finished run of its own, its payloads replaced by the marker", async () => {
    const token = the("deployment secret")
    const registered = await call("POST agent_instance/register", {
      token,
      body: { agent_version: { external_identifier: "2.0.0", name: "Support bot", description: "second release" }, agent_schema_version: supportSchema }
    })
    const id = keep("erased run", text(registered, "details", "id"))
    await call("POST agent_instance/{id}/start", { id, body: {}, token })
    const span = text(
      await call("POST agent_spans", {
        token,
        body: { details: { agent_instance_id: id, schema_name: "agent", status: "complete", payload: { secret: "to be redacted" }, result_payload: { ok: true } } }
      }),
      "details",
      "id"
    )
    await call("POST agent_instance/{id}/finish", { id, body: {}, token })
    const redacted = ok(await call("POST agent_instance/{id}/redact", { id, body: {} }), Details(AgentInstance))
    expect(redacted.details.id).toBe(id)
    const spanAnswer = await call("GET agent_spans/{id}", { id: span })
    expect(spanAnswer.raw).not.toContain("to be redacted")
    expect(spanAnswer.raw).toContain("\"redacted\":true")
  })

  it("DELETE agent_instance/{id}: the run as it was, then 404 for it", async () => {
    const id = the("erased run")
    const deleted = ok(await call("DELETE agent_instance/{id}", { id }), Details(AgentInstance))
    expect(deleted.details.id).toBe(id)
    expect((await call("GET agent_instance/{id}", { id })).status).toBe(404)
  })

  it("POST agent/{id}/erase: a window before any run erases nothing", async () => {
    const erased = ok(
      await call("POST agent/{id}/erase", { id: the("agent"), body: { started_before: "2000-01-01T00:00:00Z", mode: "delete" } }),
      Details(Erasure)
    )
    expect(erased.details).toMatchObject({ agent_id: the("agent"), mode: "delete", runs: 0, spans: 0 })
  })

  it("GET and PUT retention_policy: set, then back to keeping every run", async () => {
    const initial = ok(await call("GET retention_policy"), Details(RetentionPolicy))
    expect(initial.details.run_days).toBeNull()
    const set = ok(await call("PUT retention_policy", { body: { details: { run_days: 3650, environments: [] } } }), Details(RetentionPolicy))
    expect(set.details.run_days).toBe(3650)
    const back = ok(await call("PUT retention_policy", { body: { details: { run_days: null, environments: [] } } }), Details(RetentionPolicy))
    expect(back.details).toMatchObject({ run_days: null, environments: [] })
  })
}
