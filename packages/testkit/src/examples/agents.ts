/**
 * Agents: create, update, risk profile assignment; external identifiers; retire and reinstate;
 * deletion only while unused.
 */
import { Ids } from "@agentledger/domain"
import { expect } from "@effect/vitest"
import { Effect } from "effect"
import { docsProfile } from "../fixtures.js"
import { everything, refused, runOf, tenant } from "../harness.js"
import { type ExampleTest, unknownId } from "./helpers.js"

export const agentExamples = (test: ExampleTest): void => {
  test("create, update, assign and clear a risk profile", Effect.gen(function*() {
    const t = yield* tenant()
    const profile = yield* t.session.createRiskProfile(docsProfile)
    const agent = yield* t.session.createAgent({
      name: "  Support bot ",
      description: "answers tickets",
      external_identifier: "support",
      risk_profile_id: profile.profile.id
    })
    expect(agent).toMatchObject({
      account_id: t.account.id,
      name: "Support bot",
      description: "answers tickets",
      external_identifier: "support",
      status: "pending",
      risk_profile_id: profile.profile.id
    })
    const updated = yield* t.session.updateAgent(agent.id, { name: "Helpdesk", description: null })
    expect(updated).toMatchObject({ name: "Helpdesk", description: null, external_identifier: "support", risk_profile_id: profile.profile.id })
    expect((yield* t.session.updateAgent(agent.id, { risk_profile_id: null })).risk_profile_id).toBeNull()
    expect((yield* t.session.listAgents({ ...everything, risk_profile_id: profile.profile.id })).items).toHaveLength(0)
    expect((yield* t.session.updateAgent(agent.id, { risk_profile_id: profile.profile.id })).risk_profile_id).toBe(profile.profile.id)
    expect((yield* t.session.listAgents({ ...everything, risk_profile_id: profile.profile.id })).items.map((a) => a.id)).toEqual([agent.id])
    expect((yield* t.session.getAgent(agent.id)).name).toBe("Helpdesk")
    yield* refused(t.session.createAgent({ name: "   " }), "InvalidInput")
    yield* refused(t.session.updateAgent(agent.id, { risk_profile_id: unknownId(Ids.RiskProfileId, t.account.id) }), "NotFound")
    yield* refused(t.session.getAgent(unknownId(Ids.AgentId, t.account.id)), "NotFound")
  }))

  test("external identifiers are unique per account and find their agent", Effect.gen(function*() {
    const t = yield* tenant()
    const other = yield* tenant("Other")
    const agent = yield* t.session.createAgent({ name: "Bot", external_identifier: "bot-1" })
    yield* refused(t.session.createAgent({ name: "Bot 2", external_identifier: "bot-1" }), "Conflict")
    expect((yield* t.session.findAgentByExternalIdentifier("bot-1")).id).toBe(agent.id)
    yield* refused(t.session.findAgentByExternalIdentifier("bot-2"), "NotFound")
    yield* refused(other.session.findAgentByExternalIdentifier("bot-1"), "NotFound")
    expect((yield* other.session.createAgent({ name: "Bot", external_identifier: "bot-1" })).external_identifier).toBe("bot-1")
  }))

  test("a retired agent takes no runs and no edits; reinstate brings it back", Effect.gen(function*() {
    const t = yield* tenant()
    const agent = yield* t.session.createAgent({ name: "Bot" })
    expect((yield* t.session.retireAgent(agent.id)).status).toBe("retired")
    yield* refused(t.session.retireAgent(agent.id), "InvalidAction")
    yield* refused(runOf(t.session, agent.id, t.production.id), "InvalidAction")
    yield* refused(t.session.updateAgent(agent.id, { name: "New" }), "InvalidAction")
    expect((yield* t.session.reinstateAgent(agent.id)).status).toBe("pending")
    yield* refused(t.session.reinstateAgent(agent.id), "InvalidAction")
    yield* runOf(t.session, agent.id, t.production.id)
    expect((yield* t.session.getAgent(agent.id)).status).toBe("active")
    yield* t.session.retireAgent(agent.id)
    expect((yield* t.session.reinstateAgent(agent.id)).status).toBe("active")
    yield* runOf(t.session, agent.id, t.production.id)
  }))

  test("an agent is deleted only while it has no instances and no deployments", Effect.gen(function*() {
    const t = yield* tenant()
    const unused = yield* t.session.createAgent({ name: "Unused" })
    expect((yield* t.session.deleteAgent(unused.id)).id).toBe(unused.id)
    yield* refused(t.session.getAgent(unused.id), "NotFound")
    const ran = yield* t.session.createAgent({ name: "Ran" })
    yield* runOf(t.session, ran.id, t.staging.id, "1.0.0", { update_current_version: false })
    yield* refused(t.session.deleteAgent(ran.id), "Conflict")
    yield* t.session.retireAgent(ran.id)
    yield* refused(t.session.deleteAgent(ran.id), "Conflict")
    expect((yield* t.session.getAgent(ran.id)).status).toBe("retired")
    const deployed = yield* t.session.createAgent({ name: "Deployed" })
    const { deployment } = yield* t.session.createDeployment({ agent_id: deployed.id, environment_id: t.production.id })
    yield* refused(t.session.deleteAgent(deployed.id), "Conflict")
    yield* t.session.deleteDeployment(deployment.id)
    yield* t.session.deleteAgent(deployed.id)
    expect((yield* t.session.listAgents(everything)).items.map((a) => a.id)).toEqual([ran.id])
  }))

  test("a deleted risk profile cannot be assigned, at update or at create", Effect.gen(function*() {
    const t = yield* tenant()
    const profile = yield* t.session.createRiskProfile(docsProfile)
    const agent = yield* t.session.createAgent({ name: "Bot" })
    yield* t.session.deleteRiskProfile(profile.profile.id)
    yield* refused(t.session.updateAgent(agent.id, { risk_profile_id: profile.profile.id }), "InvalidInput")
    yield* refused(t.session.createAgent({ name: "Bot 2", risk_profile_id: profile.profile.id }), "InvalidInput")
  }))
}
