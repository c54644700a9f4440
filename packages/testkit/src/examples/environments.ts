/**
 * Environments: the three defaults of a new account; names trimmed and unique per account without
 * regard to case; an environment in use is not deleted.
 */
import { Ids } from "@agentledger/domain"
import { expect } from "@effect/vitest"
import { Effect } from "effect"
import { everything, refused, runOf, tenant } from "../harness.js"
import { type ExampleTest, unknownId } from "./helpers.js"

export const environmentExamples = (test: ExampleTest): void => {
  test("a new account has development, staging and production; create, get, list and update", Effect.gen(function*() {
    const t = yield* tenant()
    const listed = yield* t.session.listEnvironments({ ...everything, sorting: "name" })
    expect(listed.items.map((e) => [e.name, e.purpose])).toEqual([
      ["development", "development"],
      ["production", "production"],
      ["staging", "staging"]
    ])
    const qa = yield* t.session.createEnvironment({ name: "  QA  ", purpose: "testing", description: "manual checks" })
    expect(qa).toMatchObject({ name: "QA", purpose: "testing", description: "manual checks", account_id: t.account.id })
    expect((yield* t.session.getEnvironment(qa.id)).name).toBe("QA")
    const renamed = yield* t.session.updateEnvironment(qa.id, { name: "qa-eu", description: null })
    expect(renamed).toMatchObject({ id: qa.id, name: "qa-eu", purpose: "testing", description: null })
    const repurposed = yield* t.session.updateEnvironment(qa.id, { purpose: "staging" })
    expect(repurposed).toMatchObject({ name: "qa-eu", purpose: "staging", description: null })
    expect((yield* t.session.listEnvironments(everything)).items.map((e) => e.id)).toContain(qa.id)
    yield* refused(t.session.getEnvironment(unknownId(Ids.EnvironmentId, t.account.id)), "NotFound")
  }))

  test("names are trimmed and unique per account without regard to case", Effect.gen(function*() {
    const t = yield* tenant()
    const other = yield* tenant("Other")
    yield* t.session.createEnvironment({ name: "QA", purpose: "testing" })
    yield* refused(t.session.createEnvironment({ name: "qa", purpose: "testing" }), "Conflict")
    yield* refused(t.session.createEnvironment({ name: " Qa ", purpose: "development" }), "Conflict")
    yield* refused(t.session.createEnvironment({ name: "PRODUCTION", purpose: "production" }), "Conflict")
    yield* refused(t.session.updateEnvironment(t.staging.id, { name: "Development" }), "Conflict")
    expect((yield* t.session.updateEnvironment(t.staging.id, { name: "STAGING" })).name).toBe("STAGING")
    expect((yield* other.session.createEnvironment({ name: "qa", purpose: "testing" })).name).toBe("qa")
    for (const bad of ["", "   ", "x".repeat(65)]) yield* refused(t.session.createEnvironment({ name: bad, purpose: "testing" }), "InvalidInput")
    expect((yield* t.session.createEnvironment({ name: "y".repeat(64), purpose: "testing" })).name).toHaveLength(64)
    expect((yield* t.session.listEnvironments(everything)).items).toHaveLength(5)
  }))

  test("an environment with deployments or instances is not deleted; an unused one is", Effect.gen(function*() {
    const t = yield* tenant()
    const agent = yield* t.session.createAgent({ name: "Bot" })
    yield* runOf(t.session, agent.id, t.staging.id, "1.0.0", { update_current_version: false })
    yield* refused(t.session.deleteEnvironment(t.staging.id), "Conflict")
    yield* t.session.createDeployment({ agent_id: agent.id, environment_id: t.production.id })
    yield* refused(t.session.deleteEnvironment(t.production.id), "Conflict")
    const deleted = yield* t.session.deleteEnvironment(t.development.id)
    expect(deleted.id).toBe(t.development.id)
    yield* refused(t.session.getEnvironment(t.development.id), "NotFound")
    yield* refused(t.session.deleteEnvironment(t.development.id), "NotFound")
    expect((yield* t.session.listEnvironments(everything)).items.map((e) => e.id).sort()).toEqual([t.production.id, t.staging.id].sort())
  }))
}
