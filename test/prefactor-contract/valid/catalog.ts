/**
 * Valid requests, first steps: the caller (`GET ping`), environments, risk profiles (whose rules
 * read back as sent) and an agent under the profile — the records the later steps register runs
 * against. Each answer must decode with its reference Schema.
 */
import { Schema } from "effect"
import { expect, it } from "vitest"
import { field } from "../../support/json.js"
import { Principal } from "../../support/contract/access.js"
import { Agent, Environment } from "../../support/contract/catalog.js"
import { Details, List } from "../../support/contract/envelopes.js"
import { profileRules, sentThresholds, unique } from "../../support/contract/requests.js"
import { RiskProfile, RiskProfileRevision, RiskProfileWithRevision } from "../../support/contract/risk.js"
import type { ContractSession } from "../../support/contract/session.js"

/** The valid requests of the caller, environments, risk profiles and agents. */
export const catalogRequests = (contract: ContractSession): void => {
  const { call, keep, ok, refusedWith, text, the } = contract

  // --- caller

  it("GET ping: the account token's principal", async () => {
    const principal = ok(await call("GET ping"), Details(Principal))
    expect(principal.details).toMatchObject({ token_scope: "account", agent_id: null, environment_id: null, agent_deployment_id: null })
  })

  // --- environments

  it("GET environment: the default environments, as a page", async () => {
    const answer = await call("GET environment", { query: "pagination[page_size]=100" })
    const summaries = field(answer.body, "summaries")
    const production = Array.isArray(summaries) ? summaries.find((entry) => field(entry, "name") === "production") : undefined
    const id = field(production, "id")
    if (typeof id === "string") keep("environment", id)
    const page = ok(answer, List(Environment))
    expect(page.summaries.map((environment) => environment.name)).toEqual(expect.arrayContaining(["development", "staging", "production"]))
  })

  it("POST environment", async () => {
    const answer = await call("POST environment", { body: { details: { name: unique("qa"), purpose: "testing", description: "QA" } } })
    keep("spare environment", text(answer, "details", "id"))
    expect(ok(answer, Details(Environment)).details).toMatchObject({ purpose: "testing", description: "QA" })
  })

  it("GET environment/{id}", async () => {
    const id = the("spare environment")
    expect(ok(await call("GET environment/{id}", { id }), Details(Environment)).details.id).toBe(id)
  })

  it("PUT environment/{id}", async () => {
    const id = the("spare environment")
    const renamed = unique("qa-renamed")
    expect(ok(await call("PUT environment/{id}", { id, body: { details: { name: renamed, description: null } } }), Details(Environment)).details)
      .toMatchObject({ id, name: renamed, description: null })
  })

  it("DELETE environment/{id}", async () => {
    const id = the("spare environment")
    expect(ok(await call("DELETE environment/{id}", { id }), Details(Environment)).details.id).toBe(id)
    refusedWith(await call("GET environment/{id}", { id }), 404, "not_found")
  })

  // --- risk profiles

  it("POST risk_profile: its rules read back as sent", async () => {
    const answer = await call("POST risk_profile", {
      body: { details: { name: unique("support profile"), description: "the docs' example", ...profileRules({ medium: 20, high: 40, critical: 80 }) } }
    })
    keep("profile", text(answer, "details", "id"))
    keep("first revision", text(answer, "details", "current_revision", "id"))
    const profile = ok(answer, Details(RiskProfileWithRevision))
    expect.soft(profile.details.current_revision.rules.thresholds, "thresholds read back in the units they were sent in")
      .toEqual({ medium: 20, high: 40, critical: 80 })
    expect.soft(profile.details.current_revision.rules.action_multipliers["external_communication"], "a multiplier reads back as sent")
      .toEqual({ multiplier: 1.5, included: true })
  })

  it("GET risk_profile", async () => {
    const page = ok(await call("GET risk_profile", { query: "pagination[page_size]=100" }), List(RiskProfile))
    expect(page.summaries.map((profile) => profile.id)).toContain(the("profile"))
  })

  it("GET risk_profile/{id}", async () => {
    const id = the("profile")
    expect(ok(await call("GET risk_profile/{id}", { id }), Details(RiskProfileWithRevision)).details.id).toBe(id)
  })

  it("PUT risk_profile/{id}: a new revision", async () => {
    const id = the("profile")
    const answer = await call("PUT risk_profile/{id}", { id, body: { details: profileRules(sentThresholds) } })
    keep("second revision", text(answer, "details", "current_revision", "id"))
    const updated = ok(answer, Details(RiskProfileWithRevision))
    expect(updated.details.current_revision.id).not.toBe(the("first revision"))
    expect(updated.details.current_revision.rules.thresholds, "thresholds read back in the units they were sent in").toEqual(sentThresholds)
  })

  it("GET risk_profile/{id}/revisions: both revisions", async () => {
    const revisions = ok(await call("GET risk_profile/{id}/revisions", { id: the("profile") }), Details(Schema.Array(RiskProfileRevision)))
    expect(revisions.details.map((revision) => revision.id).sort()).toEqual([the("first revision"), the("second revision")].sort())
  })

  it("DELETE risk_profile/{id}", async () => {
    const answer = await call("POST risk_profile", { body: { details: { name: unique("disposable profile"), ...profileRules(sentThresholds) } } })
    const id = text(answer, "details", "id")
    expect(ok(await call("DELETE risk_profile/{id}", { id }), Details(RiskProfileWithRevision)).details.id).toBe(id)
  })

  // --- agents

  it("POST agent with the risk profile", async () => {
    const externalIdentifier = keep("agent identifier", unique("support-bot"))
    const answer = await call("POST agent", {
      body: { details: { name: "Support bot", description: "answers customers", external_identifier: externalIdentifier, risk_profile_id: the("profile") } }
    })
    keep("agent", text(answer, "details", "id"))
    expect(ok(answer, Details(Agent)).details).toMatchObject({ external_identifier: externalIdentifier, risk_profile_id: the("profile"), status: "pending" })
  })

  it("GET agent, filtered by risk profile", async () => {
    const page = ok(await call("GET agent", { query: `risk_profile_id=${the("profile")}` }), List(Agent))
    expect(page.summaries.map((agent) => agent.id)).toEqual([the("agent")])
  })

  it("GET agent/show by external identifier", async () => {
    const agent = ok(await call("GET agent/show", { query: `external_identifier=${the("agent identifier")}` }), Details(Agent))
    expect(agent.details.id).toBe(the("agent"))
  })

  it("GET agent/{id}", async () => {
    expect(ok(await call("GET agent/{id}", { id: the("agent") }), Details(Agent)).details.id).toBe(the("agent"))
  })

  it("PUT agent/{id}", async () => {
    const id = the("agent")
    expect(ok(await call("PUT agent/{id}", { id, body: { details: { description: "answers customers by mail" } } }), Details(Agent)).details)
      .toMatchObject({ id, description: "answers customers by mail", risk_profile_id: the("profile") })
  })
}
