/**
 * Deployments: create, point, roll back and delete, the history of every move; one per agent and
 * environment.
 */
import { Ids } from "@agentledger/domain"
import { expect } from "@effect/vitest"
import { Effect } from "effect"
import { everything, refused, runOf, tenant } from "../harness.js"
import { type ExampleTest, secretOf, unknownId } from "./helpers.js"

export const deploymentExamples = (test: ExampleTest): void => {
  test("create, point, roll back and delete; the history records every move", Effect.gen(function*() {
    const t = yield* tenant()
    const agent = yield* t.session.createAgent({ name: "Bot" })
    const other = yield* t.session.createAgent({ name: "Other" })
    const v1 = (yield* runOf(t.session, agent.id, t.staging.id, "1.0.0", { update_current_version: false })).agent_version_id
    const v2 = (yield* runOf(t.session, agent.id, t.staging.id, "2.0.0", { update_current_version: false })).agent_version_id
    const v3 = (yield* runOf(t.session, agent.id, t.staging.id, "3.0.0", { update_current_version: false })).agent_version_id
    const foreign = (yield* runOf(t.session, other.id, t.staging.id, "1.0.0", { update_current_version: false })).agent_version_id
    yield* refused(t.session.createDeployment({ agent_id: agent.id, environment_id: t.production.id, current_version_id: foreign }), "InvalidInput")
    expect((yield* t.session.listDeployments(everything)).items).toHaveLength(0)
    const created = yield* t.session.createDeployment({ agent_id: agent.id, environment_id: t.production.id, current_version_id: v1 })
    const id = created.deployment.id
    expect(created.deployment).toMatchObject({ agent_id: agent.id, environment_id: t.production.id, current_version_id: v1 })
    expect((yield* t.session.updateDeployment(id, { current_version_id: v3 })).deployment.current_version_id).toBe(v3)
    yield* refused(t.session.updateDeployment(id, { current_version_id: foreign }), "InvalidInput")
    expect((yield* t.session.rollbackDeployment(id, { version_id: v2 })).deployment.current_version_id).toBe(v2)
    yield* refused(t.session.rollbackDeployment(id, { version_id: v3 }), "InvalidInput")
    yield* refused(t.session.rollbackDeployment(id, { version_id: v2 }), "InvalidInput")
    yield* refused(t.session.rollbackDeployment(id, { version_id: foreign }), "InvalidInput")
    yield* t.session.updateDeployment(id, { current_version_id: null })
    yield* refused(t.session.rollbackDeployment(id, { version_id: v1 }), "InvalidAction")
    const details = yield* t.session.getDeployment(id)
    expect(details.history.map((h) => [h.from_version_id, h.to_version_id, h.cause])).toEqual([
      [null, v1, "api"],
      [v1, v3, "api"],
      [v3, v2, "rollback"],
      [v2, null, "api"]
    ])
    // Pointing at the version in place moves nothing and records nothing.
    yield* t.session.updateDeployment(id, { current_version_id: null })
    expect((yield* t.session.getDeployment(id)).history).toHaveLength(4)
    expect((yield* t.session.deleteDeployment(id)).id).toBe(id)
    yield* refused(t.session.getDeployment(id), "NotFound")
    expect((yield* t.session.listDeployments(everything)).items).toHaveLength(0)
  }))

  test("one deployment per agent and environment; one with instances stays; deleting one revokes its tokens", Effect.gen(function*() {
    const t = yield* tenant()
    const agent = yield* t.session.createAgent({ name: "Bot" })
    const created = yield* t.session.createDeployment({ agent_id: agent.id, environment_id: t.production.id })
    yield* refused(t.session.createDeployment({ agent_id: agent.id, environment_id: t.production.id }), "Conflict")
    const staging = yield* t.session.createDeployment({ agent_id: agent.id, environment_id: t.staging.id })
    const token = yield* t.session.createToken({ token_scope: "agent_deployment", agent_deployment_id: staging.deployment.id })
    const run = yield* runOf(t.session, agent.id, t.production.id)
    expect(run.agent_deployment_id).toBe(created.deployment.id)
    expect((yield* t.session.listDeployments({ ...everything, agent_id: agent.id })).items).toHaveLength(2)
    yield* refused(t.session.deleteDeployment(created.deployment.id), "Conflict")
    yield* t.session.deleteDeployment(staging.deployment.id)
    expect((yield* t.session.getToken(token.token.id)).status).toBe("revoked")
    yield* refused(t.ledger.authenticate(secretOf(token)), "Unauthenticated")
    yield* refused(t.session.createDeployment({ agent_id: unknownId(Ids.AgentId, t.account.id), environment_id: t.production.id }), "NotFound")
  }))
}
