/**
 * Valid requests that retire and delete: a disposable deployment and agent (retired, reinstated,
 * deleted), and the account token through suspend, activate, expire, revoke and delete — each
 * state checked on `GET ping`. Each answer must decode with its reference Schema.
 */
import { expect, it } from "vitest"
import { field } from "../../support/json.js"
import { ApiToken } from "../../support/contract/access.js"
import { Agent, AgentDeployment } from "../../support/contract/catalog.js"
import { Details } from "../../support/contract/envelopes.js"
import { unique } from "../../support/contract/requests.js"
import type { ContractSession } from "../../support/contract/session.js"

/** The valid requests that retire, reinstate, suspend, expire, revoke and delete. */
export const retiringRequests = (contract: ContractSession): void => {
  const { call, keep, ok, refusedWith, text, the } = contract

  // --- retiring and deleting

  it("DELETE agent_deployment/{id}", async () => {
    const agent = keep("disposable agent", text(await call("POST agent", { body: { details: { name: "Disposable bot" } } }), "details", "id"))
    const staging = text(await call("POST environment", { body: { details: { name: unique("staging-copy"), purpose: "staging" } } }), "details", "id")
    const deployment = text(await call("POST agent_deployment", { body: { details: { agent_id: agent, environment_id: staging } } }), "details", "id")
    expect(ok(await call("DELETE agent_deployment/{id}", { id: deployment }), Details(AgentDeployment)).details.id).toBe(deployment)
  })

  it("POST agent/{id}/retire", async () => {
    const id = the("disposable agent")
    expect(ok(await call("POST agent/{id}/retire", { id, body: {} }), Details(Agent)).details).toMatchObject({ id, status: "retired" })
  })

  it("POST agent/{id}/reinstate", async () => {
    const id = the("disposable agent")
    expect(ok(await call("POST agent/{id}/reinstate", { id, body: {} }), Details(Agent)).details).toMatchObject({ id, status: "pending" })
  })

  it("DELETE agent/{id}", async () => {
    const id = the("disposable agent")
    expect(ok(await call("DELETE agent/{id}", { id }), Details(Agent)).details.id).toBe(id)
  })

  it("POST api_token/{id}/suspend", async () => {
    const id = the("account token")
    expect(ok(await call("POST api_token/{id}/suspend", { id, body: {} }), Details(ApiToken)).details.status).toBe("suspended")
    refusedWith(await call("GET ping", { token: the("account secret") }), 401, "unauthorized")
  })

  it("POST api_token/{id}/activate", async () => {
    const id = the("account token")
    expect(ok(await call("POST api_token/{id}/activate", { id, body: {} }), Details(ApiToken)).details.status).toBe("active")
    expect(field((await call("GET ping", { token: the("account secret") })).body, "status")).toBe("success")
  })

  it("POST api_token/{id}/expire", async () => {
    const id = the("account token")
    expect(ok(await call("POST api_token/{id}/expire", { id, body: {} }), Details(ApiToken)).details.expires_at).not.toBeNull()
    refusedWith(await call("GET ping", { token: the("account secret") }), 401, "unauthorized")
  })

  it("POST api_token/{id}/revoke", async () => {
    const id = the("account token")
    expect(ok(await call("POST api_token/{id}/revoke", { id, body: {} }), Details(ApiToken)).details.status).toBe("revoked")
  })

  it("DELETE api_token/{id}", async () => {
    const id = the("account token")
    expect(ok(await call("DELETE api_token/{id}", { id }), Details(ApiToken)).details.id).toBe(id)
  })
}
