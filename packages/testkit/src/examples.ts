/**
 * Example tests: every use case of `LedgerSession`, one scenario each, on a fresh ledger.
 */
import { type Commands, Ids, type Instance, Ledger, type LedgerSession } from "@agentledger/domain"
import { describe, expect, it } from "@effect/vitest"
import { DateTime, Effect, type Layer, Schema } from "effect"
import { everything, refused, runOf, supportSchema, tenant, type Tenant } from "./harness.js"
import { canonical } from "./reference.js"
import { docsProfile } from "./fixtures.js"

type Body = Effect.Effect<void, unknown, Ledger>

/** An id of the given kind in the tenant's partition that names nothing. */
const unknownId = <A>(kind: Ids.IdSchema<A>, account: Ids.AccountId): A =>
  Schema.decodeSync(kind)(Ids.encode(Date.now(), Ids.partitionOf(account), "0000000000000000"))

/** The secret of a new token (shown once, so never null on creation). */
const secretOf = (created: { readonly secret: string | null }): string => {
  if (created.secret === null) return expect.fail("a new token must show its secret")
  return created.secret
}

/** The docs' profile plus a weight of 5 for financial data, so a payment scores 5 and a CRM lookup 12. */
export const docsRiskProfile: Commands.CreateRiskProfile = {
  ...docsProfile,
  category_weights: { ...docsProfile.category_weights, financial_information: { weight: 5, included: true } }
}

const at = (seconds: number, base: number) => DateTime.unsafeMake(base + seconds * 1000)

const span = (
  instance: Instance.Instance,
  schema_name: string,
  fields: Partial<Omit<Commands.CreateSpan, "agent_instance_id" | "schema_name">> = {}
): Commands.CreateSpan => ({ agent_instance_id: instance.id, schema_name, status: "active", payload: {}, ...fields })

const agentWithRun = (t: Tenant, options: { readonly profile?: boolean } = {}) =>
  Effect.gen(function*() {
    const profile = options.profile === true ? (yield* t.session.createRiskProfile(docsRiskProfile)).profile.id : null
    const agent = yield* t.session.createAgent({ name: "Support bot", risk_profile_id: profile })
    const run = yield* runOf(t.session, agent.id, t.production.id)
    return { agent, run }
  })

const countSpans = (session: LedgerSession, instance: Instance.Instance) =>
  Effect.map(session.getTimeline(instance.id), (timeline) => timeline.spans.length)

/** Registers the example tests of every use case. */
export const exampleTests = <E>(makeLayer: () => Layer.Layer<Ledger, E>): void => {
  const test = (name: string, body: Body) => it.live(name, () => body.pipe(Effect.provide(makeLayer())))

  // ---------------------------------------------------------------------------------------------
  describe("environments", () => {
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
  })

  // ---------------------------------------------------------------------------------------------
  describe("API tokens", () => {
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
    }))
  })

  // ---------------------------------------------------------------------------------------------
  describe("agents", () => {
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
  })

  // ---------------------------------------------------------------------------------------------
  describe("runs", () => {
    test("with an account token, register names its agent and environment", Effect.gen(function*() {
      const t = yield* tenant()
      const agent = yield* t.session.createAgent({ name: "Bot" })
      const body = { agent_version: {}, agent_schema_version: supportSchema, update_current_version: true, purpose: "live" } as const
      yield* refused(t.session.registerRun({ ...body, environment_id: t.production.id }), "InvalidInput")
      yield* refused(t.session.registerRun({ ...body, agent_id: agent.id }), "InvalidInput")
      yield* refused(t.session.registerRun({ ...body, agent_id: unknownId(Ids.AgentId, t.account.id), environment_id: t.production.id }), "NotFound")
      yield* refused(t.session.registerRun({ ...body, agent_id: agent.id, environment_id: unknownId(Ids.EnvironmentId, t.account.id) }), "NotFound")
      const run = yield* t.session.registerRun({ ...body, agent_id: agent.id, environment_id: t.production.id, purpose: "eval" })
      expect(run).toMatchObject({
        account_id: t.account.id,
        agent_id: agent.id,
        environment_id: t.production.id,
        status: "pending",
        purpose: "eval",
        started_at: null,
        finished_at: null
      })
      expect((yield* t.session.getAgent(agent.id)).status).toBe("active")
      expect((yield* t.session.listInstances(everything)).items.map((i) => i.id)).toEqual([run.id])
    }))

    test("the first run creates the deployment and points it at the run's version; update_current_version: false does not", Effect.gen(function*() {
      const t = yield* tenant()
      const agent = yield* t.session.createAgent({ name: "Bot" })
      const first = yield* runOf(t.session, agent.id, t.production.id, "1.0.0")
      expect(first.agent_deployment_id).not.toBeNull()
      const deployments = yield* t.session.listDeployments({ ...everything, agent_id: agent.id, environment_id: t.production.id })
      expect(deployments.items.map((d) => [d.id, d.current_version_id])).toEqual([[first.agent_deployment_id, first.agent_version_id]])
      const quiet = yield* runOf(t.session, agent.id, t.production.id, "2.0.0", { update_current_version: false })
      expect(quiet.agent_deployment_id).toBe(first.agent_deployment_id)
      expect(quiet.agent_version_id).not.toBe(first.agent_version_id)
      const elsewhere = yield* runOf(t.session, agent.id, t.staging.id, "1.0.0", { update_current_version: false })
      expect(elsewhere.agent_deployment_id).toBeNull()
      expect((yield* t.session.listDeployments({ ...everything, environment_id: t.staging.id })).items).toHaveLength(0)
      const moved = yield* runOf(t.session, agent.id, t.production.id, "2.0.0")
      expect(moved.agent_version_id).toBe(quiet.agent_version_id)
      const details = yield* t.session.getDeployment(moved.agent_deployment_id ?? unknownId(Ids.DeploymentId, t.account.id))
      expect(details.deployment.current_version_id).toBe(quiet.agent_version_id)
      expect(details.history.map((h) => [h.from_version_id, h.to_version_id, h.cause])).toEqual([
        [null, first.agent_version_id, "run"],
        [first.agent_version_id, quiet.agent_version_id, "run"]
      ])
    }))

    test("start and finish follow the state machine; a terminal run is final", Effect.gen(function*() {
      const t = yield* tenant()
      const { agent, run } = yield* agentWithRun(t)
      const started = yield* t.session.startRun(run.id, {})
      expect(started.status).toBe("active")
      expect(started.started_at).not.toBeNull()
      const again = yield* t.session.startRun(run.id, {})
      expect(again.status).toBe("active")
      expect(canonical(again.started_at)).toBe(canonical(started.started_at))
      const finished = yield* t.session.finishRun(run.id, { status: "complete" })
      expect(finished.status).toBe("complete")
      expect(finished.finished_at).not.toBeNull()
      yield* refused(t.session.finishRun(run.id, { status: "failed" }), "InvalidAction")
      yield* refused(t.session.startRun(run.id, {}), "InvalidAction")
      yield* refused(t.session.terminateRun(run.id, { reason: "too late" }), "InvalidAction")
      expect((yield* t.session.getInstance(run.id)).status).toBe("complete")

      const pending = yield* runOf(t.session, agent.id, t.production.id)
      yield* refused(t.session.finishRun(pending.id, { status: "complete" }), "InvalidAction")
      yield* refused(t.session.finishRun(pending.id, { status: "failed" }), "InvalidAction")
      expect((yield* t.session.finishRun(pending.id, { status: "cancelled" })).status).toBe("cancelled")
      yield* refused(t.session.startRun(pending.id, {}), "InvalidAction")

      const failing = yield* runOf(t.session, agent.id, t.production.id)
      yield* t.session.startRun(failing.id, {})
      expect((yield* t.session.finishRun(failing.id, { status: "failed" })).status).toBe("failed")
      yield* refused(t.session.finishRun(failing.id, { status: "complete" }), "InvalidAction")
      yield* refused(t.session.startRun(unknownId(Ids.InstanceId, t.account.id), {}), "NotFound")
    }))

    test("terminate needs a reason, closes open spans as terminated and is final", Effect.gen(function*() {
      const t = yield* tenant()
      const { run } = yield* agentWithRun(t)
      const open = yield* t.session.recordSpan(span(run, "agent"))
      const pending = yield* t.session.recordSpan(span(run, "llm", { status: "pending", parent_span_id: open.id, payload: { prompt: "hi" } }))
      const done = yield* t.session.recordSpan(span(run, "llm", { status: "complete", parent_span_id: open.id, payload: { prompt: "hi" } }))
      yield* refused(t.session.terminateRun(run.id, { reason: "   " }), "InvalidInput")
      const terminated = yield* t.session.terminateRun(run.id, { reason: "  runaway loop " })
      expect(terminated).toMatchObject({ status: "terminated", termination_reason: "runaway loop" })
      expect(terminated.finished_at).not.toBeNull()
      const spans = (yield* t.session.getTimeline(run.id)).spans.map((s) => [s.span.id, s.span.status])
      expect(spans).toEqual([[open.id, "terminated"], [pending.id, "terminated"], [done.id, "complete"]])
      expect(terminated.span_counts).toMatchObject({ total: 3, terminated: 2, complete: 1, pending: 0, active: 0, finished: 3 })
      yield* refused(t.session.terminateRun(run.id, { reason: "again" }), "InvalidAction")
      yield* refused(t.session.startRun(run.id, {}), "InvalidAction")
      yield* refused(t.session.finishRun(run.id, { status: "complete" }), "InvalidAction")
      yield* refused(t.session.recordSpan(span(run, "agent")), "InvalidAction")
      // A pending run may be terminated too.
      const { agent } = yield* agentWithRun(t)
      const waiting = yield* runOf(t.session, agent.id, t.staging.id)
      expect((yield* t.session.terminateRun(waiting.id, { reason: "never started" })).status).toBe("terminated")
    }))

    test("a client may choose ids, in its own account's partition only", Effect.gen(function*() {
      const t = yield* tenant()
      const other = yield* tenant("Other")
      const agent = yield* t.session.createAgent({ name: "Bot" })
      const mine = Ids.InstanceId.make(Ids.encode(Date.now(), Ids.partitionOf(t.account.id), "abcdefghjkmnpqrs"))
      const theirs = Ids.InstanceId.make(Ids.encode(Date.now(), Ids.partitionOf(other.account.id), "abcdefghjkmnpqrs"))
      const body = { agent_id: agent.id, environment_id: t.production.id, agent_version: {}, agent_schema_version: {}, update_current_version: true, purpose: "live" } as const
      expect((yield* t.session.registerRun({ ...body, id: mine })).id).toBe(mine)
      yield* refused(t.session.registerRun({ ...body, id: mine }), "Conflict")
      yield* refused(t.session.registerRun({ ...body, id: theirs }), "InvalidInput")
      yield* refused(t.session.createAgent({ name: "Intruder", id: Ids.AgentId.make(theirs) }), "InvalidInput")
      expect((yield* t.session.listInstances(everything)).items).toHaveLength(1)
    }))
  })

  // ---------------------------------------------------------------------------------------------
  describe("spans", () => {
    test("a span on a pending instance is accepted and starts it", Effect.gen(function*() {
      const t = yield* tenant()
      const { run } = yield* agentWithRun(t)
      expect(run.status).toBe("pending")
      const recorded = yield* t.session.recordSpan(span(run, "agent", { payload: { goal: "refund" } }))
      expect(recorded).toMatchObject({ agent_instance_id: run.id, account_id: t.account.id, status: "active", sequence: 1, parent_span_id: null })
      const instance = yield* t.session.getInstance(run.id)
      expect(instance.status).toBe("active")
      expect(instance.started_at).not.toBeNull()
      expect(instance.span_counts).toMatchObject({ total: 1, active: 1 })
      expect((yield* t.session.getSpan(recorded.id)).id).toBe(recorded.id)
    }))

    test("finishing a span twice answers InvalidAction", Effect.gen(function*() {
      const t = yield* tenant()
      const { run } = yield* agentWithRun(t)
      const open = yield* t.session.recordSpan(span(run, "crm:lookup", { payload: { customer_id: "c-1" } }))
      const finished = yield* t.session.finishSpan(open.id, { status: "complete", result_payload: { email: "a@b.c" } })
      expect(finished).toMatchObject({ status: "complete", result_payload: { email: "a@b.c" } })
      expect(finished.finished_at).not.toBeNull()
      yield* refused(t.session.finishSpan(open.id, { status: "complete" }), "InvalidAction")
      yield* refused(t.session.finishSpan(open.id, { status: "cancelled" }), "InvalidAction")
      const closed = yield* t.session.recordSpan(span(run, "agent", { status: "failed" }))
      yield* refused(t.session.finishSpan(closed.id, { status: "complete" }), "InvalidAction")
      yield* refused(t.session.finishSpan(unknownId(Ids.SpanId, t.account.id), { status: "complete" }), "NotFound")
      expect((yield* t.session.getInstance(run.id)).span_counts).toMatchObject({ total: 2, complete: 1, failed: 1, finished: 2 })
    }))

    test("spans on a terminal instance are refused; a parent must be a span of the same instance", Effect.gen(function*() {
      const t = yield* tenant()
      const { agent, run } = yield* agentWithRun(t)
      const sibling = yield* runOf(t.session, agent.id, t.production.id)
      const foreignParent = yield* t.session.recordSpan(span(sibling, "agent"))
      const root = yield* t.session.recordSpan(span(run, "agent"))
      yield* refused(t.session.recordSpan(span(run, "llm", { parent_span_id: foreignParent.id })), "InvalidInput")
      yield* refused(t.session.recordSpan(span(run, "llm", { parent_span_id: unknownId(Ids.SpanId, t.account.id) })), "NotFound")
      yield* refused(t.session.recordSpan({ agent_instance_id: null, schema_name: "llm", status: "active", payload: {} }), "InvalidInput")
      yield* refused(t.session.recordSpan(span(run, "")), "InvalidInput")
      const child = yield* t.session.recordSpan(span(run, "llm", { parent_span_id: root.id, status: "complete", payload: { prompt: "x" } }))
      expect(child.parent_span_id).toBe(root.id)
      yield* t.session.finishRun(run.id, { status: "complete" })
      yield* refused(t.session.recordSpan(span(run, "llm")), "InvalidAction")
      yield* refused(t.session.recordSpans([span(run, "llm")]), "InvalidAction")
      yield* t.session.finishRun(sibling.id, { status: "cancelled" })
      yield* refused(t.session.recordSpan(span(sibling, "llm")), "InvalidAction")
      expect(yield* countSpans(t.session, run)).toBe(2)
      expect(yield* countSpans(t.session, sibling)).toBe(1)
    }))

    test("recordSpans: a parent may come earlier in the batch; a batch is all or nothing", Effect.gen(function*() {
      const t = yield* tenant()
      const { run } = yield* agentWithRun(t)
      const partition = Ids.partitionOf(t.account.id)
      const rootId = Ids.SpanId.make(Ids.encode(Date.now(), partition, "rrrrrrrrrrrrrrrr"))
      const childId = Ids.SpanId.make(Ids.encode(Date.now(), partition, "cccccccccccccccc"))
      const recorded = yield* t.session.recordSpans([
        span(run, "agent", { id: rootId }),
        span(run, "llm", { id: childId, parent_span_id: rootId, status: "complete", payload: { prompt: "p" } }),
        span(run, "crm:lookup", { parent_span_id: childId, payload: { customer_id: "c" } })
      ])
      expect(recorded.map((s) => [s.id === rootId, s.parent_span_id, s.sequence])).toEqual([[true, null, 1], [false, rootId, 2], [false, childId, 3]])
      // The third span of this batch is refused, so none of it is stored.
      yield* refused(
        t.session.recordSpans([span(run, "agent"), span(run, "llm", { status: "complete", payload: { prompt: "p" } }), span(run, "llm", { status: "active", result_payload: { text: "x" } })]),
        "InvalidInput"
      )
      yield* refused(t.session.recordSpans([span(run, "agent", { id: rootId })]), "Conflict")
      // The first span was fine, the second's id is taken: the first must not stay behind.
      yield* refused(t.session.recordSpans([span(run, "agent"), span(run, "agent", { id: childId })]), "Conflict")
      const dup = Ids.SpanId.make(Ids.encode(Date.now(), partition, "dddddddddddddddd"))
      yield* refused(t.session.recordSpans([span(run, "agent", { id: dup }), span(run, "agent", { id: dup })]), "Conflict")
      expect(yield* countSpans(t.session, run)).toBe(3)
      expect((yield* t.session.getInstance(run.id)).span_counts.total).toBe(3)
    }))

    test("result_payload and finished_at only with a terminal status", Effect.gen(function*() {
      const t = yield* tenant()
      const { run } = yield* agentWithRun(t)
      yield* refused(t.session.recordSpan(span(run, "llm", { status: "active", result_payload: { text: "x" } })), "InvalidInput")
      yield* refused(t.session.recordSpan(span(run, "llm", { status: "pending", finished_at: DateTime.unsafeMake(Date.now()) })), "InvalidInput")
      const done = yield* t.session.recordSpan(span(run, "llm", {
        status: "complete",
        payload: { prompt: "p" },
        result_payload: { text: "x" },
        finished_at: DateTime.unsafeMake(Date.now())
      }))
      expect(done.result_payload).toEqual({ text: "x" })
      expect(yield* countSpans(t.session, run)).toBe(1)
    }))
  })

  // ---------------------------------------------------------------------------------------------
  describe("conformance", () => {
    test("payloads and results are checked against the schema version; a mismatch is flagged, never dropped", Effect.gen(function*() {
      const t = yield* tenant()
      const agent = yield* t.session.createAgent({ name: "Bot" })
      const schema = {
        ...supportSchema,
        span_schemas: { broken: { type: "nonsense" } }
      }
      const run = yield* runOf(t.session, agent.id, t.production.id, "1.0.0", { schema })
      const version = yield* t.session.getSchemaVersion(run.agent_schema_version_id)
      expect(version.definition_checks["broken"]?.params.status).toBe("invalid")
      expect(version.definition_checks["crm:lookup"]?.params.status).toBe("valid")
      const conformance = (s: { readonly conformance: { readonly payload: string; readonly result: string } }) => [s.conformance.payload, s.conformance.result]
      const ok = yield* t.session.recordSpan(span(run, "crm:lookup", { status: "complete", payload: { customer_id: "c-1" }, result_payload: { email: "a@b.c" } }))
      expect(conformance(ok)).toEqual(["conforms", "conforms"])
      const badPayload = yield* t.session.recordSpan(span(run, "crm:lookup", { payload: { customer_id: 7 } }))
      expect(conformance(badPayload)).toEqual(["mismatch", "not_applicable"])
      expect(badPayload.conformance.errors.map((e) => [e.target, e.instance_path, e.keyword])).toEqual([["payload", "/customer_id", "type"]])
      const badResult = yield* t.session.finishSpan(badPayload.id, { status: "complete", result_payload: {} })
      expect(conformance(badResult)).toEqual(["mismatch", "mismatch"])
      const failed = yield* t.session.recordSpan(span(run, "crm:lookup", { status: "failed", payload: { customer_id: "c" }, result_payload: { error: "x" } }))
      expect(conformance(failed)).toEqual(["conforms", "not_applicable"])
      const undeclared = yield* t.session.recordSpan(span(run, "tool:unknown"))
      expect(conformance(undeclared)).toEqual(["undeclared_type", "not_applicable"])
      const invalid = yield* t.session.recordSpan(span(run, "broken"))
      expect(conformance(invalid)).toEqual(["invalid_definition", "not_applicable"])
      const instance = yield* t.session.getInstance(run.id)
      expect(instance.conformance_counts).toEqual({ conforms: 2, flagged: 3 })
      expect(yield* countSpans(t.session, run)).toBe(5)
    }))
  })

  // ---------------------------------------------------------------------------------------------
  describe("deployments", () => {
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
  })

  // ---------------------------------------------------------------------------------------------
  describe("risk profiles", () => {
    test("an edit creates a new revision; a run keeps the revision it registered with", Effect.gen(function*() {
      const t = yield* tenant()
      const created = yield* t.session.createRiskProfile({ ...docsRiskProfile, description: "v1" })
      expect(created.profile).toMatchObject({ name: "Customer data", description: "v1", revision: 1, deleted_at: null })
      expect(created.revision.rules.thresholds).toEqual({ medium: 2000, high: 5000, critical: 10000 })
      const agent = yield* t.session.createAgent({ name: "Bot", risk_profile_id: created.profile.id })
      const before = yield* runOf(t.session, agent.id, t.production.id)
      expect(before.risk_profile_revision_id).toBe(created.revision.id)
      const edited = yield* t.session.updateRiskProfile(created.profile.id, {
        ...docsRiskProfile,
        category_weights: { personal_identifiers: { weight: 2, included: true } }
      })
      expect(edited.profile).toMatchObject({ revision: 2, current_revision_id: edited.revision.id, description: "v1" })
      expect(edited.revision.id).not.toBe(created.revision.id)
      const after = yield* runOf(t.session, agent.id, t.production.id)
      expect(after.risk_profile_revision_id).toBe(edited.revision.id)
      const lookup = { status: "complete", payload: { customer_id: "c" }, result_payload: { email: "e" } } as const
      expect((yield* t.session.recordSpan(span(before, "crm:lookup", lookup))).risk_points).toBe(1200)
      expect((yield* t.session.recordSpan(span(after, "crm:lookup", lookup))).risk_points).toBe(200)
      const revisions = yield* t.session.listRiskProfileRevisions(created.profile.id)
      expect(revisions.map((r) => [r.id, r.revision])).toEqual([[created.revision.id, 1], [edited.revision.id, 2]])
      expect(canonical(revisions[0])).toBe(canonical(created.revision))
      yield* refused(t.session.createRiskProfile({ ...docsRiskProfile, thresholds: { medium: 50, high: 20, critical: 100 } }), "InvalidInput")
      yield* refused(t.session.createRiskProfile({ ...docsRiskProfile, category_weights: { personal_identifiers: { weight: 11, included: true } } }), "InvalidInput")
      yield* refused(t.session.createRiskProfile({ ...docsRiskProfile, action_multipliers: { read_data: { multiplier: 1.005, included: true } } }), "InvalidInput")
      yield* refused(t.session.createRiskProfile({ ...docsRiskProfile, category_weights: { not_a_category: { weight: 1, included: true } } }), "InvalidInput")
    }))

    test("deleting a profile keeps its history; new runs are not scored; a deleted profile takes no edits", Effect.gen(function*() {
      const t = yield* tenant()
      const created = yield* t.session.createRiskProfile(docsRiskProfile)
      const agent = yield* t.session.createAgent({ name: "Bot", risk_profile_id: created.profile.id })
      const scored = yield* runOf(t.session, agent.id, t.production.id)
      yield* t.session.recordSpan(span(scored, "crm:lookup", { payload: { customer_id: "c" } }))
      const deleted = yield* t.session.deleteRiskProfile(created.profile.id)
      expect(deleted.profile.deleted_at).not.toBeNull()
      yield* refused(t.session.deleteRiskProfile(created.profile.id), "InvalidAction")
      yield* refused(t.session.updateRiskProfile(created.profile.id, docsRiskProfile), "InvalidAction")
      expect((yield* t.session.getRiskProfile(created.profile.id)).revision.id).toBe(created.revision.id)
      expect((yield* t.session.listRiskProfileRevisions(created.profile.id)).map((r) => r.id)).toEqual([created.revision.id])
      const unscored = yield* runOf(t.session, agent.id, t.production.id)
      expect(unscored.risk_profile_revision_id).toBeNull()
      expect(unscored.risk).toBeNull()
      expect(yield* t.session.getRiskReport(unscored.id)).toBeNull()
      const report = yield* t.session.getRiskReport(scored.id)
      expect(report?.total).toBe(1200)
      expect(report?.profile_revision_id).toBe(created.revision.id)
    }))

    test("the docs' examples: weights 8 and 4 with read × 1.0 score 12; three spans at 12 and one at 5 total 41", Effect.gen(function*() {
      const t = yield* tenant()
      const { run } = yield* agentWithRun(t, { profile: true })
      const lookup = { status: "complete", payload: { customer_id: "c" }, result_payload: { email: "e" } } as const
      for (let i = 0; i < 3; i++) expect((yield* t.session.recordSpan(span(run, "crm:lookup", lookup))).risk_points).toBe(1200)
      expect((yield* t.session.recordSpan(span(run, "payments:charge", { status: "complete", payload: { amount: 5 } }))).risk_points).toBe(500)
      const report = yield* t.session.getRiskReport(run.id)
      expect(report).toMatchObject({ total: 4100, level: "medium", peak_level: "medium", thresholds: { medium: 2000, high: 5000, critical: 10000 } })
      expect(report?.breakdown).toEqual([
        { schema_name: "crm:lookup", span_count: 3, share: 0.75, points: 3600 },
        { schema_name: "payments:charge", span_count: 1, share: 0.25, points: 500 }
      ])
      expect((yield* t.session.getInstance(run.id)).risk).toEqual({ total: 4100, level: "medium", peak_level: "medium" })
    }))

    test("the level follows the total; the peak is the highest level reached, also after a span is cancelled", Effect.gen(function*() {
      const t = yield* tenant()
      const { run } = yield* agentWithRun(t, { profile: true })
      const lookup = { status: "active", payload: { customer_id: "c" } } as const
      const seen: Array<[number, string, string]> = []
      const spans = []
      for (let i = 0; i < 5; i++) {
        spans.push(yield* t.session.recordSpan(span(run, "crm:lookup", lookup)))
        const risk = (yield* t.session.getInstance(run.id)).risk
        if (risk !== null) seen.push([risk.total, risk.level, risk.peak_level])
      }
      expect(seen).toEqual([
        [1200, "low", "low"],
        [2400, "medium", "medium"],
        [3600, "medium", "medium"],
        [4800, "medium", "medium"],
        [6000, "high", "high"]
      ])
      const first = spans[0]
      if (first === undefined) return
      const cancelled = yield* t.session.finishSpan(first.id, { status: "cancelled" })
      expect(cancelled.risk_points).toBe(0)
      expect((yield* t.session.getInstance(run.id)).risk).toEqual({ total: 4800, level: "medium", peak_level: "high" })
      const report = yield* t.session.getRiskReport(run.id)
      expect(report?.breakdown).toEqual([{ schema_name: "crm:lookup", span_count: 4, share: 1, points: 4800 }])
      // A span recorded cancelled adds nothing.
      expect((yield* t.session.recordSpan(span(run, "crm:lookup", { ...lookup, status: "cancelled" }))).risk_points).toBe(0)
      for (let i = 0; i < 5; i++) yield* t.session.recordSpan(span(run, "crm:lookup", lookup))
      expect((yield* t.session.getInstance(run.id)).risk).toEqual({ total: 10800, level: "critical", peak_level: "critical" })
    }))

    test("version risk: theoretical risk of each type once, and agreed-risk violations", Effect.gen(function*() {
      const t = yield* tenant()
      const { agent, run } = yield* agentWithRun(t, { profile: true })
      const risk = yield* t.session.getVersionRisk(run.agent_version_id)
      expect(risk?.theoretical).toMatchObject({ total: 1700, level: "low" })
      expect(Object.fromEntries(risk?.theoretical.span_types.map((s) => [s.schema_name, s.points]) ?? [])).toEqual({
        agent: 0,
        "crm:lookup": 1200,
        llm: 0,
        "payments:charge": 500
      })
      expect(risk?.violations).toEqual([])
      const strict = yield* t.session.createRiskProfile({
        name: "Strict",
        category_weights: { personal_identifiers: { weight: 8, included: true }, contact_information: { weight: 4, included: false } },
        action_multipliers: { read_data: { multiplier: 1, included: false } },
        thresholds: { medium: 1, high: 2, critical: 3 }
      })
      yield* t.session.updateAgent(agent.id, { risk_profile_id: strict.profile.id })
      const strictRisk = yield* t.session.getVersionRisk(run.agent_version_id)
      expect(strictRisk?.profile_revision_id).toBe(strict.revision.id)
      expect(strictRisk?.theoretical.total).toBe(0)
      expect([...(strictRisk?.violations ?? [])].map((v) => `${v.schema_name}/${v.kind}/${v.key}`).sort()).toEqual([
        "crm:lookup/action/read_data",
        "crm:lookup/result_category/contact_information",
        "payments:charge/action/read_data",
        "payments:charge/params_category/financial_information"
      ])
      yield* t.session.updateAgent(agent.id, { risk_profile_id: null })
      expect(yield* t.session.getVersionRisk(run.agent_version_id)).toBeNull()
    }))

    test("an agent without a profile: its runs carry no score and no report", Effect.gen(function*() {
      const t = yield* tenant()
      const { run } = yield* agentWithRun(t)
      expect(run.risk).toBeNull()
      const recorded = yield* t.session.recordSpan(span(run, "crm:lookup", { payload: { customer_id: "c" } }))
      expect(recorded.risk_points).toBe(0)
      expect(yield* t.session.getRiskReport(run.id)).toBeNull()
      expect((yield* t.session.getInstance(run.id)).risk).toBeNull()
    }))
  })

  // ---------------------------------------------------------------------------------------------
  describe("queries", () => {
    test("the timeline is a tree in started_at order, then creation order; a child may start before its parent", Effect.gen(function*() {
      const t = yield* tenant()
      const { run } = yield* agentWithRun(t)
      const base = Date.now()
      const root = yield* t.session.recordSpan(span(run, "agent", { started_at: at(0, base) }))
      const late = yield* t.session.recordSpan(span(run, "llm", { parent_span_id: root.id, started_at: at(2, base) }))
      const early = yield* t.session.recordSpan(span(run, "llm", { parent_span_id: root.id, started_at: at(1, base) }))
      const tie = yield* t.session.recordSpan(span(run, "llm", { parent_span_id: root.id, started_at: at(1, base) }))
      const beforeParent = yield* t.session.recordSpan(span(run, "crm:lookup", { parent_span_id: late.id, started_at: at(-5, base) }))
      const second = yield* t.session.recordSpan(span(run, "agent", { started_at: at(-1, base) }))
      const timeline = yield* t.session.getTimeline(run.id)
      expect(timeline.instance.id).toBe(run.id)
      expect(timeline.spans.map((s) => [s.span.id, s.depth])).toEqual([
        [second.id, 0],
        [root.id, 0],
        [early.id, 1],
        [tie.id, 1],
        [late.id, 1],
        [beforeParent.id, 2]
      ])
      yield* refused(t.session.getTimeline(unknownId(Ids.InstanceId, t.account.id)), "NotFound")
    }))

    test("listSpans filters by start_time (inclusive) and end_time (exclusive)", Effect.gen(function*() {
      const t = yield* tenant()
      const { agent, run } = yield* agentWithRun(t)
      const otherRun = yield* runOf(t.session, agent.id, t.production.id)
      const base = Date.now()
      const s0 = yield* t.session.recordSpan(span(run, "agent", { started_at: at(0, base) }))
      const s10 = yield* t.session.recordSpan(span(run, "agent", { started_at: at(10, base) }))
      const s20 = yield* t.session.recordSpan(span(run, "agent", { started_at: at(20, base) }))
      const elsewhere = yield* t.session.recordSpan(span(otherRun, "agent", { started_at: at(10, base) }))
      const ids = (request: Commands.ListSpans) => Effect.map(t.session.listSpans(request), (page) => page.items.map((s) => s.id).sort())
      const of = { ...everything, agent_instance_id: run.id }
      expect(yield* ids(of)).toEqual([s0.id, s10.id, s20.id].sort())
      expect(yield* ids({ ...of, start_time: at(10, base) })).toEqual([s10.id, s20.id].sort())
      expect(yield* ids({ ...of, end_time: at(20, base) })).toEqual([s0.id, s10.id].sort())
      expect(yield* ids({ ...of, start_time: at(10, base), end_time: at(20, base) })).toEqual([s10.id])
      expect(yield* ids({ ...everything, start_time: at(10, base), end_time: at(11, base) })).toEqual([s10.id, elsewhere.id].sort())
      expect(yield* ids({ ...everything, agent_id: agent.id })).toHaveLength(4)
    }))

    test("lists page and sort as the Prefactor API does; bad page or sort requests are refused", Effect.gen(function*() {
      const t = yield* tenant()
      for (const name of ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf"]) {
        yield* t.session.createEnvironment({ name, purpose: "testing" })
      }
      const first = yield* t.session.listEnvironments({ offset: 0, page_size: 3, sorting: "name" })
      expect(first.items.map((e) => e.name)).toEqual(["alpha", "bravo", "charlie"])
      expect(first.pagination).toEqual({
        item_count: 10,
        item_start: 1,
        item_end: 3,
        page_count: 4,
        page_index: 1,
        page_offset: 0,
        page_size: 3,
        next_page_offset: 3,
        previous_page_offset: null
      })
      expect(first.sorting).toEqual({ field: "name", direction: "asc" })
      const last = yield* t.session.listEnvironments({ offset: 9, page_size: 3, sorting: "name" })
      expect(last.items.map((e) => e.name)).toEqual(["staging"])
      expect(last.pagination).toMatchObject({ item_start: 10, item_end: 10, page_index: 4, next_page_offset: null, previous_page_offset: 6 })
      const descending = yield* t.session.listEnvironments({ offset: 0, page_size: 2, sorting: "-name" })
      expect(descending.items.map((e) => e.name)).toEqual(["staging", "production"])
      expect(descending.sorting).toEqual({ field: "name", direction: "desc" })
      const beyond = yield* t.session.listEnvironments({ offset: 50, page_size: 10 })
      expect(beyond.items).toEqual([])
      expect(beyond.pagination).toMatchObject({ item_count: 10, item_start: 0, next_page_offset: null })
      // Every page together is the whole list, once.
      const pages = []
      for (let offset = 0; offset < 10; offset += 4) pages.push(...(yield* t.session.listEnvironments({ offset, page_size: 4, sorting: "-name" })).items)
      expect(pages.map((e) => e.name)).toEqual([...pages.map((e) => e.name)].sort().reverse())
      expect(new Set(pages.map((e) => e.id)).size).toBe(10)
      yield* refused(t.session.listEnvironments({ offset: 0, page_size: 0 }), "InvalidInput")
      yield* refused(t.session.listEnvironments({ offset: 0, page_size: 101 }), "InvalidInput")
      yield* refused(t.session.listEnvironments({ offset: -1, page_size: 10 }), "InvalidInput")
      yield* refused(t.session.listEnvironments({ offset: 0, page_size: 10, sorting: "secret_hash" }), "InvalidInput")
      yield* refused(t.session.listAgents({ offset: 0, page_size: 10, sorting: "-nope" }), "InvalidInput")
    }))

    test("instances list by agent, version, environment and status, sorted", Effect.gen(function*() {
      const t = yield* tenant()
      const { agent, run } = yield* agentWithRun(t)
      const staging = yield* runOf(t.session, agent.id, t.staging.id, "2.0.0")
      yield* t.session.startRun(staging.id, {})
      const other = yield* t.session.createAgent({ name: "Other" })
      const theirs = yield* runOf(t.session, other.id, t.production.id)
      const ids = (request: Commands.ListInstances) => Effect.map(t.session.listInstances(request), (page) => page.items.map((i) => i.id))
      expect((yield* ids({ ...everything, agent_id: agent.id })).sort()).toEqual([run.id, staging.id].sort())
      expect(yield* ids({ ...everything, environment_id: t.staging.id })).toEqual([staging.id])
      expect(yield* ids({ ...everything, agent_version_id: theirs.agent_version_id })).toEqual([theirs.id])
      expect(yield* ids({ ...everything, status: "active" })).toEqual([staging.id])
      expect(yield* ids({ ...everything, sorting: "id" })).toEqual([run.id, staging.id, theirs.id].sort())
      expect(yield* ids({ ...everything, sorting: "-id" })).toEqual([run.id, staging.id, theirs.id].sort().reverse())
    }))

    test("versions and schema versions are listed per agent, newest first, and read by id", Effect.gen(function*() {
      const t = yield* tenant()
      const agent = yield* t.session.createAgent({ name: "Bot", external_identifier: "bot" })
      const v1 = yield* runOf(t.session, agent.id, t.production.id, "1.0.0")
      const v2 = yield* runOf(t.session, agent.id, t.production.id, "2.0.0", { schema: { ...supportSchema, external_identifier: "support-bot-schema-2" } })
      const versions = yield* t.session.listVersions({ ...everything, agent_id: agent.id })
      expect(versions.items.map((v) => [v.id, v.sequence, v.external_identifier])).toEqual([
        [v2.agent_version_id, 2, "2.0.0"],
        [v1.agent_version_id, 1, "1.0.0"]
      ])
      const schemas = yield* t.session.listSchemaVersions({ ...everything, agent_id: agent.id })
      expect(schemas.items.map((s) => [s.id, s.sequence, s.external_identifier])).toEqual([
        [v2.agent_schema_version_id, 2, "support-bot-schema-2"],
        [v1.agent_schema_version_id, 1, "support-bot-schema-1"]
      ])
      const version = yield* t.session.getVersion(v1.agent_version_id)
      expect(version).toMatchObject({ agent_id: agent.id, name: "Support bot", agent_schema_version_id: v1.agent_schema_version_id })
      const schema = yield* t.session.getSchemaVersion(v1.agent_schema_version_id)
      expect(Object.keys(schema.span_type_schemas).sort()).toEqual(["agent", "crm:lookup", "llm", "payments:charge"])
      expect(schema.span_type_schemas["crm:lookup"]?.result_schema).toEqual({
        type: "object",
        properties: { email: { type: "string" } },
        required: ["email"]
      })
      yield* refused(t.session.listVersions({ ...everything, agent_id: unknownId(Ids.AgentId, t.account.id) }), "NotFound")
      yield* refused(t.session.getVersion(unknownId(Ids.AgentVersionId, t.account.id)), "NotFound")
    }))
  })

  // ---------------------------------------------------------------------------------------------
  describe("idempotency", () => {
    test("a retried call with the same key has one effect and answers the first answer", Effect.gen(function*() {
      const t = yield* tenant()
      const agent = yield* t.session.createAgent({ name: "Bot" }, { idempotencyKey: "agent" })
      const again = yield* t.session.createAgent({ name: "Bot" }, { idempotencyKey: "agent" })
      expect(canonical(again)).toBe(canonical(agent))
      expect((yield* t.session.listAgents(everything)).items).toHaveLength(1)
      const body = { agent_id: agent.id, environment_id: t.production.id, agent_version: {}, agent_schema_version: supportSchema, update_current_version: true, purpose: "live" } as const
      const run = yield* t.session.registerRun(body, { idempotencyKey: "run" })
      yield* t.session.startRun(run.id, {})
      const replayed = yield* t.session.registerRun(body, { idempotencyKey: "run" })
      expect(canonical(replayed)).toBe(canonical(run))
      expect(replayed.status).toBe("pending")
      expect((yield* t.session.listInstances(everything)).items).toHaveLength(1)
      const recorded = yield* t.session.recordSpan(span(run, "agent"), { idempotencyKey: "span" })
      expect((yield* t.session.recordSpan(span(run, "agent"), { idempotencyKey: "span" })).id).toBe(recorded.id)
      expect(yield* countSpans(t.session, run)).toBe(1)
      const finished = yield* t.session.finishSpan(recorded.id, { status: "complete" }, { idempotencyKey: "finish" })
      expect(canonical(yield* t.session.finishSpan(recorded.id, { status: "complete" }, { idempotencyKey: "finish" }))).toBe(canonical(finished))
    }))

    test("another request under a used key is a conflict; a failed call uses no key; keys belong to their account", Effect.gen(function*() {
      const t = yield* tenant()
      const other = yield* tenant("Other")
      yield* t.session.createEnvironment({ name: "qa", purpose: "testing" }, { idempotencyKey: "k" })
      yield* refused(t.session.createEnvironment({ name: "qa2", purpose: "testing" }, { idempotencyKey: "k" }), "Conflict")
      yield* refused(t.session.createAgent({ name: "Bot" }, { idempotencyKey: "k" }), "Conflict")
      expect((yield* t.session.listEnvironments(everything)).items).toHaveLength(4)
      expect((yield* t.session.listAgents(everything)).items).toHaveLength(0)
      yield* refused(t.session.createEnvironment({ name: "QA", purpose: "testing" }, { idempotencyKey: "failed" }), "Conflict")
      expect((yield* t.session.createEnvironment({ name: "preview", purpose: "testing" }, { idempotencyKey: "failed" })).name).toBe("preview")
      expect((yield* other.session.createEnvironment({ name: "qa2", purpose: "testing" }, { idempotencyKey: "k" })).name).toBe("qa2")
      yield* refused(t.session.createAgent({ name: "Bot" }, { idempotencyKey: "" }), "InvalidInput")
      yield* refused(t.session.createAgent({ name: "Bot" }, { idempotencyKey: "k".repeat(65) }), "InvalidInput")
    }))
  })

  // ---------------------------------------------------------------------------------------------
  describe("tenancy", () => {
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
  })
}
