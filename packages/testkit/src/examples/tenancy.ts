/**
 * Tenancy: another account's records answer not-found and never appear in lists.
 */
import { expect } from "@effect/vitest"
import { Effect } from "effect"
import { everything, refused, runOf, tenant } from "../harness.js"
import { countSpans, docsRiskProfile, type ExampleTest, span } from "./helpers.js"

export const tenancyExamples = (test: ExampleTest): void => {
  test("another account's records answer not-found and never appear in lists", Effect.gen(function*() {
    const a = yield* tenant("A")
    const b = yield* tenant("B")
    const profile = yield* a.session.createRiskProfile(docsRiskProfile)
    const agent = yield* a.session.createAgent({ name: "Bot", external_identifier: "bot", risk_profile_id: profile.profile.id })
    const run = yield* runOf(a.session, agent.id, a.production.id)
    const recorded = yield* a.session.recordSpan(span(run, "agent"))
    const token = yield* a.session.createToken({ token_scope: "account" })
    const deployment = run.agent_deployment_id ?? expect.fail("the run has no deployment")
    yield* refused(b.session.getAgent(agent.id), "NotFound")
    yield* refused(b.session.findAgentByExternalIdentifier("bot"), "NotFound")
    yield* refused(b.session.getEnvironment(a.production.id), "NotFound")
    yield* refused(b.session.getInstance(run.id), "NotFound")
    yield* refused(b.session.getTimeline(run.id), "NotFound")
    yield* refused(b.session.getRiskReport(run.id), "NotFound")
    yield* refused(b.session.getSpan(recorded.id), "NotFound")
    yield* refused(b.session.getVersion(run.agent_version_id), "NotFound")
    yield* refused(b.session.getSchemaVersion(run.agent_schema_version_id), "NotFound")
    yield* refused(b.session.getVersionRisk(run.agent_version_id), "NotFound")
    yield* refused(b.session.getDeployment(deployment), "NotFound")
    yield* refused(b.session.getRiskProfile(profile.profile.id), "NotFound")
    yield* refused(b.session.listRiskProfileRevisions(profile.profile.id), "NotFound")
    yield* refused(b.session.getToken(token.token.id), "NotFound")
    yield* refused(b.session.revokeToken(token.token.id), "NotFound")
    yield* refused(b.session.finishSpan(recorded.id, { status: "complete" }), "NotFound")
    yield* refused(b.session.recordSpan(span(run, "agent")), "NotFound")
    yield* refused(runOf(b.session, agent.id, b.production.id), "NotFound")
    yield* refused(b.session.createDeployment({ agent_id: agent.id, environment_id: b.production.id }), "NotFound")
    yield* refused(b.session.updateDeployment(deployment, { current_version_id: null }), "NotFound")
    yield* refused(b.session.deleteEnvironment(a.staging.id), "NotFound")
    const own = yield* b.session.createAgent({ name: "Own" })
    yield* refused(b.session.updateAgent(own.id, { risk_profile_id: profile.profile.id }), "NotFound")
    for (const page of [
      yield* b.session.listAgents(everything),
      yield* b.session.listInstances(everything),
      yield* b.session.listSpans(everything),
      yield* b.session.listDeployments(everything),
      yield* b.session.listRiskProfiles(everything),
      yield* b.session.listTokens(everything),
      yield* b.session.listEnvironments(everything)
    ]) {
      for (const item of page.items) expect(item.account_id).toBe(b.account.id)
    }
    yield* refused(b.session.listSpans({ ...everything, agent_instance_id: run.id }), "NotFound")
    // A's records are untouched.
    expect((yield* a.session.getInstance(run.id)).status).toBe("active")
    expect((yield* a.session.getToken(token.token.id)).status).toBe("active")
    expect(yield* countSpans(a.session, run)).toBe(1)
  }))
}
