/**
 * API tokens: the secret shown once and only its hash kept; the token's state machine and who
 * authenticates; deployment tokens and what they reach.
 */
import { Ids } from "@agentledger/domain"
import { expect } from "@effect/vitest"
import { DateTime, Effect } from "effect"
import { everything, refused, runOf, supportSchema, tenant } from "../harness.js"
import { canonical } from "../reference.js"
import { type ExampleTest, secretOf, span, unknownId } from "./helpers.js"

export const tokenExamples = (test: ExampleTest): void => {
  test("the secret is shown once, at creation; only its hash is kept", Effect.gen(function*() {
    const t = yield* tenant()
    const created = yield* t.session.createToken({ token_scope: "account" }, { idempotencyKey: "token-1" })
    const secret = secretOf(created)
    expect(secret).toMatch(/^pf_[A-Za-z0-9_-]{43,}$/)
    expect(created.token).toMatchObject({ account_id: t.account.id, token_scope: "account", status: "active", agent_id: null })
    // The hash stays in the store: no answer carries it.
    expect(Object.keys(created.token)).not.toContain("secret_hash")
    expect(Object.keys(yield* t.session.getToken(created.token.id))).not.toContain("secret_hash")
    expect(canonical(yield* t.session.getToken(created.token.id))).not.toContain(secret)
    expect(canonical(yield* t.session.listTokens(everything))).not.toContain(secret)
    const replay = yield* t.session.createToken({ token_scope: "account" }, { idempotencyKey: "token-1" })
    expect(replay.secret).toBeNull()
    expect(replay.token.id).toBe(created.token.id)
    expect((yield* t.session.listTokens(everything)).items).toHaveLength(2)
    const session = yield* t.ledger.authenticate(secret)
    expect(session.principal).toMatchObject({ account_id: t.account.id, token_id: created.token.id, token_scope: "account" })
  }))

  test("suspend, activate, expire, revoke: a token that is not active and unexpired is Unauthenticated", Effect.gen(function*() {
    const t = yield* tenant()
    const created = yield* t.session.createToken({ token_scope: "account" })
    const secret = secretOf(created)
    const id = created.token.id
    expect((yield* t.session.suspendToken(id)).status).toBe("suspended")
    yield* refused(t.ledger.authenticate(secret), "Unauthenticated")
    yield* refused(t.session.suspendToken(id), "InvalidAction")
    expect((yield* t.session.activateToken(id)).status).toBe("active")
    yield* t.ledger.authenticate(secret)
    yield* refused(t.session.activateToken(id), "InvalidAction")
    const expired = yield* t.session.expireToken(id)
    expect(expired.expires_at).not.toBeNull()
    yield* refused(t.ledger.authenticate(secret), "Unauthenticated")
    expect((yield* t.session.revokeToken(id)).status).toBe("revoked")
    yield* refused(t.session.activateToken(id), "InvalidAction")
    yield* refused(t.session.suspendToken(id), "InvalidAction")
    yield* refused(t.session.revokeToken(id), "InvalidAction")
    yield* refused(t.session.expireToken(id), "InvalidAction")
    const other = yield* t.session.createToken({ token_scope: "account" })
    yield* t.ledger.authenticate(secretOf(other))
    yield* t.session.revokeToken(other.token.id)
    yield* refused(t.ledger.authenticate(secretOf(other)), "Unauthenticated")
    yield* refused(t.ledger.authenticate(`pf_${"A".repeat(43)}`), "Unauthenticated")
    yield* refused(t.ledger.authenticate(""), "Unauthenticated")
    // The account's own token still works.
    yield* t.ledger.authenticate(t.secret)
  }))

  test("a token is deleted only once revoked", Effect.gen(function*() {
    const t = yield* tenant()
    const created = yield* t.session.createToken({ token_scope: "account" })
    const id = created.token.id
    yield* refused(t.session.deleteToken(id), "InvalidAction")
    yield* t.session.suspendToken(id)
    yield* refused(t.session.deleteToken(id), "InvalidAction")
    yield* t.session.revokeToken(id)
    expect((yield* t.session.deleteToken(id)).id).toBe(id)
    yield* refused(t.session.getToken(id), "NotFound")
    yield* refused(t.session.deleteToken(id), "NotFound")
    yield* refused(t.ledger.authenticate(secretOf(created)), "Unauthenticated")
    expect((yield* t.session.listTokens(everything)).items.map((token) => token.id)).not.toContain(id)
  }))

  test("expires_at must lie in the future; a deployment token needs its deployment", Effect.gen(function*() {
    const t = yield* tenant()
    yield* refused(t.session.createToken({ token_scope: "account", expires_at: DateTime.unsafeMake(Date.now() - 60_000) }), "InvalidInput")
    const later = yield* t.session.createToken({ token_scope: "account", expires_at: DateTime.unsafeMake(Date.now() + 3_600_000) })
    expect(later.token.expires_at).not.toBeNull()
    yield* t.ledger.authenticate(secretOf(later))
    yield* refused(t.session.createToken({ token_scope: "agent_deployment" }), "InvalidInput")
    yield* refused(
      t.session.createToken({ token_scope: "agent_deployment", agent_deployment_id: unknownId(Ids.DeploymentId, t.account.id) }),
      "NotFound"
    )
  }))

  test("a deployment token reaches one agent in one environment; register takes both from it", Effect.gen(function*() {
    const t = yield* tenant()
    const agent = yield* t.session.createAgent({ name: "Bot" })
    const other = yield* t.session.createAgent({ name: "Other" })
    const { deployment } = yield* t.session.createDeployment({ agent_id: agent.id, environment_id: t.production.id })
    const created = yield* t.session.createToken({ token_scope: "agent_deployment", agent_deployment_id: deployment.id })
    expect(created.token).toMatchObject({ agent_id: agent.id, environment_id: t.production.id, agent_deployment_id: deployment.id })
    const scoped = yield* t.ledger.authenticate(secretOf(created))
    expect(scoped.principal).toMatchObject({
      account_id: t.account.id,
      token_scope: "agent_deployment",
      agent_id: agent.id,
      environment_id: t.production.id,
      agent_deployment_id: deployment.id
    })
    const body = { agent_version: { external_identifier: "1.0.0" }, agent_schema_version: supportSchema, update_current_version: true, purpose: "live" } as const
    const run = yield* scoped.registerRun(body)
    expect(run).toMatchObject({ agent_id: agent.id, environment_id: t.production.id, agent_deployment_id: deployment.id, status: "pending" })
    expect((yield* t.session.getDeployment(deployment.id)).deployment.current_version_id).toBe(run.agent_version_id)
    yield* scoped.registerRun({ ...body, agent_id: agent.id, environment_id: t.production.id })
    yield* refused(scoped.registerRun({ ...body, agent_id: other.id }), "NotPermitted")
    yield* refused(scoped.registerRun({ ...body, environment_id: t.staging.id }), "NotPermitted")
    // The ingest path is open to it; administration is not.
    yield* scoped.startRun(run.id, {})
    const root = yield* scoped.recordSpan(span(run, "agent"))
    yield* scoped.finishSpan(root.id, { status: "complete" })
    yield* scoped.finishRun(run.id, { status: "complete" })
    yield* refused(scoped.listAgents(everything), "NotPermitted")
    yield* refused(scoped.createEnvironment({ name: "x", purpose: "testing" }), "NotPermitted")
    yield* refused(scoped.createToken({ token_scope: "account" }), "NotPermitted")
    yield* refused(scoped.terminateRun(run.id, { reason: "stop" }), "NotPermitted")
    // Another agent's runs do not exist for it.
    const foreign = yield* runOf(t.session, other.id, t.production.id)
    yield* refused(scoped.getInstance(foreign.id), "NotFound")
    yield* refused(scoped.recordSpan(span(foreign, "agent")), "NotFound")
    // Its list of runs is its own agent's: asked for another agent's, it lists nothing.
    const ids = (request: typeof everything & { readonly agent_id?: typeof agent.id }) =>
      Effect.map(scoped.listInstances(request), (page) => page.items.map((instance) => instance.id).sort())
    expect(yield* ids(everything)).toEqual(
      (yield* t.session.listInstances({ ...everything, agent_id: agent.id })).items.map((instance) => instance.id).sort()
    )
    expect(yield* ids(everything)).not.toContain(foreign.id)
    expect(yield* ids({ ...everything, agent_id: other.id })).toEqual([])
  }))
}
