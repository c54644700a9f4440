/**
 * The audit log: every mutation one event, by its actor, with the record before and after; the
 * account's opening first, by the operator; ingest, replays and refusals none; filters, order and
 * pages; account tokens only; and a chain that verifies up to its last event.
 */
import { type Audit, Ids, type LedgerSession } from "@agentledger/domain"
import { expect } from "@effect/vitest"
import { DateTime, Effect } from "effect"
import { everything, refused, runOf, tenant } from "../harness.js"
import { canonical } from "../reference.js"
import { docsRiskProfile, type ExampleTest, secretOf, span, unknownId } from "./helpers.js"

/** Every event of the session's account, oldest first (the log's default order is newest first). */
const eventsOf = (session: LedgerSession, filter: Partial<Parameters<LedgerSession["listAuditEvents"]>[0]> = {}) =>
  Effect.map(session.listAuditEvents({ ...everything, sorting: "sequence", ...filter }), (page) => page.items)

/** The events after the first `skip`. */
const since = (events: ReadonlyArray<Audit.AuditEvent>, skip: number) => events.slice(skip)

export const auditExamples = (test: ExampleTest): void => {
  test("opening an account is its first event, by the operator; the secret is not in it", Effect.gen(function*() {
    const t = yield* tenant()
    const [opened, ...rest] = yield* eventsOf(t.session)
    expect(rest).toEqual([])
    expect(opened).toMatchObject({
      sequence: 1,
      account_id: t.account.id,
      action: "account.create",
      entity: "account",
      entity_id: t.account.id,
      actor: { type: "operator", id: null, scope: null },
      before: null,
      previous_hash: "0".repeat(64)
    })
    expect(opened?.after).toMatchObject({ account: { id: t.account.id }, token: { id: t.session.principal.token_id }, secret: null })
    expect(canonical(opened)).not.toContain(t.secret)
  }))

  test("each mutation is one event by its token: the action, the record, before and after, linked to the one before", Effect.gen(function*() {
    const t = yield* tenant()
    const actor = { type: "api_token", id: t.session.principal.token_id, scope: "account" }
    const agent = yield* t.session.createAgent({ name: "Support bot" })
    yield* t.session.updateAgent(agent.id, { name: "Billing bot" })
    yield* t.session.retireAgent(agent.id)
    yield* t.session.reinstateAgent(agent.id)
    yield* t.session.deleteAgent(agent.id)
    const all = yield* eventsOf(t.session)
    const events = since(all, 1)
    expect(events.map((e) => [e.action, e.entity, e.entity_id])).toEqual([
      ["agent.create", "agent", agent.id],
      ["agent.update", "agent", agent.id],
      ["agent.retire", "agent", agent.id],
      ["agent.reinstate", "agent", agent.id],
      ["agent.delete", "agent", agent.id]
    ])
    for (const event of events) expect(event.actor).toEqual(actor)
    const [create, update, retire, reinstate, remove] = events
    expect([create?.before, create?.after]).toMatchObject([null, { id: agent.id, name: "Support bot" }])
    expect([update?.before, update?.after]).toMatchObject([{ name: "Support bot" }, { name: "Billing bot" }])
    expect([retire?.before, retire?.after]).toMatchObject([{ status: "pending" }, { status: "retired" }])
    expect([reinstate?.before, reinstate?.after]).toMatchObject([{ status: "retired" }, { status: "pending" }])
    expect([remove?.before, remove?.after]).toMatchObject([{ id: agent.id, name: "Billing bot" }, null])
    all.forEach((event, index) => {
      expect(event.sequence).toBe(index + 1)
      expect(event.previous_hash).toBe(index === 0 ? "0".repeat(64) : all[index - 1]?.hash)
    })
  }))

  test("a replayed key, a refused call, reads and ingest write no event; a run that moves a deployment records it by its token", Effect.gen(function*() {
    const t = yield* tenant()
    const agent = yield* t.session.createAgent({ name: "Bot" }, { idempotencyKey: "agent-1" })
    yield* t.session.createAgent({ name: "Bot" }, { idempotencyKey: "agent-1" })
    yield* refused(t.session.updateAgent(unknownId(Ids.AgentId, t.account.id), { name: "x" }), "NotFound")
    yield* refused(t.session.deleteToken(t.session.principal.token_id), "InvalidAction")
    yield* t.session.listAgents(everything)
    const deployment = yield* t.session.createDeployment({ agent_id: agent.id, environment_id: t.production.id })
    const created = yield* t.session.createToken({ token_scope: "agent_deployment", agent_deployment_id: deployment.deployment.id })
    const deployed = yield* t.ledger.authenticate(secretOf(created))
    const before = (yield* eventsOf(t.session)).length
    expect(since(yield* eventsOf(t.session), 1).map((e) => e.action)).toEqual([
      "agent.create",
      "agent_deployment.create",
      "api_token.create"
    ])
    // Ingest: the run's registration (which moves the pointer), its start, spans and finish.
    const run = yield* runOf(deployed, agent.id, t.production.id)
    yield* deployed.startRun(run.id, {})
    const root = yield* deployed.recordSpan(span(run, "agent"))
    yield* deployed.recordSpans([span(run, "llm"), span(run, "llm")])
    yield* deployed.finishSpan(root.id, { status: "complete" })
    yield* deployed.finishRun(run.id, { status: "complete" })
    const after = since(yield* eventsOf(t.session), before)
    expect(after.map((e) => [e.action, e.entity_id])).toEqual([["agent_deployment.update", deployment.deployment.id]])
    const moved = after[0]
    const tokenActor = { type: "api_token", id: created.token.id, scope: "agent_deployment" }
    expect(moved?.actor).toEqual(tokenActor)
    expect(moved?.before).toMatchObject({ deployment: { current_version_id: null }, history: [] })
    expect(moved?.after).toMatchObject({ deployment: { current_version_id: run.agent_version_id } })
    // The history names the cause, who moved the pointer and the run that did.
    const history = (yield* t.session.getDeployment(deployment.deployment.id)).history
    expect(history.map((h) => [h.cause, h.actor, h.agent_instance_id])).toEqual([["run", tokenActor, run.id]])
  }))

  test("terminations, token lifecycles and profile revisions name their actor; a deleted token stays a record of the log", Effect.gen(function*() {
    const t = yield* tenant()
    const actor = { type: "api_token", id: t.session.principal.token_id, scope: "account" }
    const agent = yield* t.session.createAgent({ name: "Bot" })
    const run = yield* runOf(t.session, agent.id, t.production.id)
    yield* t.session.startRun(run.id, {})
    yield* t.session.terminateRun(run.id, { reason: "operator stop" })
    const token = yield* t.session.createToken({ token_scope: "account" })
    yield* t.session.suspendToken(token.token.id)
    yield* t.session.revokeToken(token.token.id)
    yield* t.session.deleteToken(token.token.id)
    yield* refused(t.session.getToken(token.token.id), "NotFound")
    const profile = yield* t.session.createRiskProfile(docsRiskProfile)
    const edited = yield* t.session.updateRiskProfile(profile.profile.id, { ...docsRiskProfile, name: "Stricter" })
    expect([profile.revision.created_by, edited.revision.created_by]).toEqual([actor, actor])
    expect((yield* t.session.listRiskProfileRevisions(profile.profile.id)).map((r) => r.created_by)).toEqual([actor, actor])

    const [terminated] = yield* eventsOf(t.session, { action: "agent_instance.terminate" })
    expect(terminated).toMatchObject({ entity: "agent_instance", entity_id: run.id, actor })
    expect([terminated?.before, terminated?.after]).toMatchObject([{ status: "active" }, { status: "terminated", termination_reason: "operator stop" }])
    const lifecycle = yield* eventsOf(t.session, { entity: "api_token", entity_id: token.token.id })
    expect(lifecycle.map((e) => [e.action, e.actor.id])).toEqual([
      ["api_token.create", actor.id],
      ["api_token.suspend", actor.id],
      ["api_token.revoke", actor.id],
      ["api_token.delete", actor.id]
    ])
    // The deleted token's last record is in the log, the secret nowhere.
    expect([lifecycle[3]?.before, lifecycle[3]?.after]).toMatchObject([{ id: token.token.id, status: "revoked" }, null])
    expect(canonical(lifecycle)).not.toContain(secretOf(token))
    const [revised] = yield* eventsOf(t.session, { action: "risk_profile.update" })
    expect([revised?.before, revised?.after]).toMatchObject([{ revision: { revision: 1 } }, { profile: { name: "Stricter" }, revision: { revision: 2 } }])
  }))

  test("the log is the account's, read by account tokens only: filters, order, pages", Effect.gen(function*() {
    const t = yield* tenant()
    const other = yield* tenant("Other")
    const start = yield* Effect.map(t.session.listAuditEvents(everything), (page) => page.items[0]?.occurred_at)
    const agent = yield* t.session.createAgent({ name: "Bot" })
    yield* t.session.updateAgent(agent.id, { name: "Bot 2" })
    yield* t.session.createEnvironment({ name: "qa", purpose: "testing" })
    const newest = yield* t.session.listAuditEvents(everything)
    expect(newest.sorting).toEqual({ field: "sequence", direction: "desc" })
    expect(newest.items.map((e) => e.sequence)).toEqual([4, 3, 2, 1])
    expect(newest.items.every((e) => e.account_id === t.account.id)).toBe(true)
    const count = (filter: Partial<Parameters<LedgerSession["listAuditEvents"]>[0]>) => Effect.map(eventsOf(t.session, filter), (e) => e.length)
    expect(yield* count({ entity: "agent" })).toBe(2)
    expect(yield* count({ entity_id: agent.id })).toBe(2)
    expect(yield* count({ action: "environment.create" })).toBe(1)
    expect(yield* count({ actor_type: "operator" })).toBe(1)
    expect(yield* count({ actor_type: "api_token", actor_id: t.session.principal.token_id })).toBe(3)
    expect(yield* count({ actor_id: other.session.principal.token_id })).toBe(0)
    if (start === undefined) return expect.fail("a new account has its opening event")
    expect(yield* count({ occurred_after: start })).toBe(4)
    expect(yield* count({ occurred_before: start })).toBe(0)
    expect(yield* count({ occurred_after: DateTime.add(DateTime.unsafeNow(), { hours: 1 }) })).toBe(0)
    const page = yield* t.session.listAuditEvents({ offset: 1, page_size: 2, sorting: "sequence" })
    expect([page.items.map((e) => e.sequence), page.pagination.item_count, page.pagination.next_page_offset]).toEqual([[2, 3], 4, 3])
    expect((yield* eventsOf(other.session)).map((e) => e.action)).toEqual(["account.create"])
    yield* refused(t.session.listAuditEvents({ offset: 0, page_size: 0 }), "InvalidInput")
    yield* refused(t.session.listAuditEvents({ ...everything, sorting: "-hash" }), "InvalidInput")
    yield* refused(t.session.listAuditEvents({ ...everything, entity: "agent\u0000" }), "InvalidInput")

    const deployment = yield* t.session.createDeployment({ agent_id: agent.id, environment_id: t.production.id })
    const created = yield* t.session.createToken({ token_scope: "agent_deployment", agent_deployment_id: deployment.deployment.id })
    const deployed = yield* t.ledger.authenticate(secretOf(created))
    yield* refused(deployed.listAuditEvents(everything), "NotPermitted")
    yield* refused(deployed.verifyAuditChain(), "NotPermitted")
  }))

  test("verification covers every event and ends at the last one", Effect.gen(function*() {
    const t = yield* tenant()
    const agent = yield* t.session.createAgent({ name: "Bot" })
    yield* t.session.createDeployment({ agent_id: agent.id, environment_id: t.staging.id })
    yield* t.session.createRiskProfile(docsRiskProfile)
    const events = yield* eventsOf(t.session)
    const last = events[events.length - 1]
    expect(yield* t.session.verifyAuditChain()).toEqual({
      valid: true,
      events: 4,
      first_mismatch: null,
      head: { sequence: 4, hash: last?.hash }
    })
  }))

  test("a token's use is written as its last_used_at", Effect.gen(function*() {
    const t = yield* tenant()
    const created = yield* t.session.createToken({ token_scope: "account" })
    expect(created.token.last_used_at).toBeNull()
    const session = yield* t.ledger.authenticate(secretOf(created))
    yield* session.listAgents(everything)
    expect((yield* t.session.getToken(created.token.id)).last_used_at).not.toBeNull()
    // Recording a use is not a mutation: the log holds only the token's creation.
    expect((yield* eventsOf(t.session, { entity_id: created.token.id })).map((e) => e.action)).toEqual(["api_token.create"])
  }))
}
