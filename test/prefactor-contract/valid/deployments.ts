/**
 * Valid requests: the agent's deployment, and its tokens — an account token and a deployment
 * token, each with its secret once and never again — and what `GET ping` answers a deployment
 * token. Each answer must decode with its reference Schema.
 */
import { expect, it } from "vitest"
import { ApiToken, CreatedApiToken, Principal } from "../../support/contract/access.js"
import { AgentDeployment, AgentDeploymentWithHistory } from "../../support/contract/catalog.js"
import { Details, List } from "../../support/contract/envelopes.js"
import type { ContractSession } from "../../support/contract/session.js"

/** The valid requests of deployments and tokens. */
export const deploymentRequests = (contract: ContractSession): void => {
  const { call, keep, ok, text, the } = contract

  // --- deployments and tokens

  it("POST agent_deployment", async () => {
    const answer = await call("POST agent_deployment", { body: { details: { agent_id: the("agent"), environment_id: the("environment") } } })
    keep("deployment", text(answer, "details", "id"))
    expect(ok(answer, Details(AgentDeployment)).details)
      .toMatchObject({ agent_id: the("agent"), environment_id: the("environment"), current_version_id: null })
  })

  it("GET agent_deployment, filtered by agent", async () => {
    const page = ok(await call("GET agent_deployment", { query: `agent_id=${the("agent")}` }), List(AgentDeployment))
    expect(page.summaries.map((deployment) => deployment.id)).toEqual([the("deployment")])
  })

  it("GET agent_deployment/{id}: with its (empty) history", async () => {
    const deployment = ok(await call("GET agent_deployment/{id}", { id: the("deployment") }), Details(AgentDeploymentWithHistory))
    expect(deployment.details.history).toEqual([])
  })

  it("POST api_token: an account token and a deployment token, each with its secret once", async () => {
    const accountAnswer = await call("POST api_token", { body: { details: { token_scope: "account" } } })
    keep("account token", text(accountAnswer, "details", "id"))
    keep("account secret", text(accountAnswer, "token"))
    const deploymentAnswer = await call("POST api_token", {
      body: { details: { token_scope: "agent_deployment", agent_deployment_id: the("deployment") } }
    })
    keep("deployment token", text(deploymentAnswer, "details", "id"))
    keep("deployment secret", text(deploymentAnswer, "token"))

    const account = ok(accountAnswer, CreatedApiToken)
    expect(account.details).toMatchObject({ token_scope: "account", status: "active", agent_deployment_id: null })
    expect(account.token).toMatch(/^pf_/)
    const deployment = ok(deploymentAnswer, CreatedApiToken)
    expect(deployment.details).toMatchObject({
      token_scope: "agent_deployment",
      agent_deployment_id: the("deployment"),
      agent_id: the("agent"),
      environment_id: the("environment")
    })
  })

  it("GET api_token: never the secrets again", async () => {
    const answer = await call("GET api_token", { query: "pagination[page_size]=100" })
    expect(answer.raw).not.toContain(the("account secret"))
    expect(answer.raw).not.toContain(the("deployment secret"))
    expect(ok(answer, List(ApiToken)).summaries.map((token) => token.id)).toEqual(expect.arrayContaining([the("account token"), the("deployment token")]))
  })

  it("GET api_token/{id}: never the secret again", async () => {
    const answer = await call("GET api_token/{id}", { id: the("deployment token") })
    expect(answer.raw).not.toContain(the("deployment secret"))
    expect(ok(answer, Details(ApiToken)).details.id).toBe(the("deployment token"))
  })

  it("GET ping with the deployment token: its agent, environment and deployment", async () => {
    const principal = ok(await call("GET ping", { token: the("deployment secret") }), Details(Principal))
    expect(principal.details).toMatchObject({
      token_scope: "agent_deployment",
      agent_id: the("agent"),
      environment_id: the("environment"),
      agent_deployment_id: the("deployment")
    })
  })
}
