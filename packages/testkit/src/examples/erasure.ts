/**
 * Erasure: a run deleted with its spans, a finished run redacted, an agent's runs in a window
 * deleted or redacted — account tokens only; afterwards no read returns what was erased, no
 * idempotency replay brings it back, and every other run reads as it did.
 */
import { Erasure, Ids, type Instance, type LedgerSession } from "@agentledger/domain"
import { expect } from "@effect/vitest"
import { DateTime, Effect } from "effect"
import { shown } from "../erasure/shown.js"
import { everything, refused, runOf, tenant, type Tenant } from "../harness.js"
import { type ExampleTest, secretOf, span, unknownId } from "./helpers.js"

const secret = "zq7-erasure-example-secret"

/** A run of the support bot with a lookup carrying a secret in its payload and result, finished (or not). */
const runWithSecrets = (t: Tenant, agent: Instance.Instance["agent_id"], finished = true) =>
  Effect.gen(function*() {
    const run = yield* runOf(t.session, agent, t.production.id)
    const [lookup, open] = yield* t.session.recordSpans([
      span(run, "crm:lookup", { status: "active", payload: { customer_id: secret } }),
      span(run, "llm", { status: "active", payload: { prompt: `${secret} prompt` } })
    ])
    if (lookup === undefined || open === undefined) return yield* Effect.dieMessage("the batch lost a span")
    yield* t.session.finishSpan(lookup.id, { status: "complete", result_payload: { email: `${secret}@example.com` } })
    const ended = finished ? yield* t.session.finishRun(run.id, { status: "complete" }) : yield* t.session.getInstance(run.id)
    return { run: ended, lookup, open }
  })

const agentOf = (t: Tenant) =>
  Effect.gen(function*() {
    const profile = yield* t.session.createRiskProfile({
      name: "Customer data",
      category_weights: { personal_identifiers: { weight: 8, included: true }, contact_information: { weight: 4, included: true } },
      action_multipliers: { read_data: { multiplier: 1, included: true } },
      thresholds: { medium: 20, high: 50, critical: 100 }
    })
    return yield* t.session.createAgent({ name: "Support bot", risk_profile_id: profile.profile.id })
  })

const deploymentSession = (t: Tenant, agent: Instance.Instance["agent_id"]): Effect.Effect<LedgerSession, unknown> =>
  Effect.gen(function*() {
    const deployment = yield* t.session.createDeployment({ agent_id: agent, environment_id: t.staging.id })
    const token = yield* t.session.createToken({ token_scope: "agent_deployment", agent_deployment_id: deployment.deployment.id })
    return yield* t.ledger.authenticate(secretOf(token))
  })

export const erasureExamples = (test: ExampleTest): void => {
  test("deleting a run answers it as it was; afterwards no read finds it, and the other runs read as they did", Effect.gen(function*() {
    const t = yield* tenant()
    const agent = yield* agentOf(t)
    const doomed = yield* runWithSecrets(t, agent.id)
    const kept = yield* runWithSecrets(t, agent.id)
    const before = yield* shown(t.session, [agent.id])
    const deleted = yield* t.session.deleteRun(doomed.run.id)
    expect(deleted).toEqual(doomed.run)
    yield* refused(t.session.getInstance(doomed.run.id), "NotFound")
    yield* refused(t.session.getTimeline(doomed.run.id), "NotFound")
    yield* refused(t.session.getSpan(doomed.lookup.id), "NotFound")
    yield* refused(t.session.getRiskReport(doomed.run.id), "NotFound")
    yield* refused(t.session.listSpanOutlines(doomed.run.id, everything), "NotFound")
    yield* refused(t.session.listSpans({ ...everything, agent_instance_id: doomed.run.id }), "NotFound")
    yield* refused(t.session.getActivity({ agent_instance_id: doomed.run.id }), "NotFound")
    yield* refused(t.session.deleteRun(doomed.run.id), "NotFound")
    const after = yield* shown(t.session, [agent.id])
    for (const erased of [doomed.run.id, doomed.lookup.id, doomed.open.id]) expect(after.text).not.toContain(erased)
    expect(after.runs.get(kept.run.id)?.figures).toBe(before.runs.get(kept.run.id)?.figures)
    expect(after.overviewRuns).toBe(before.overviewRuns - 1)
    expect(after.activitySpans).toBe(before.activitySpans - 2)
    // Its last run gone, its deployment and then the agent may be deleted.
    yield* t.session.deleteRun(kept.run.id)
    for (const deployment of (yield* t.session.listDeployments({ ...everything, agent_id: agent.id })).items) {
      yield* t.session.deleteDeployment(deployment.id)
    }
    expect((yield* t.session.deleteAgent(agent.id)).id).toBe(agent.id)
  }))

  test("a redacted run keeps its tree, statuses, conformance and risk; its payloads and results are the marker", Effect.gen(function*() {
    const t = yield* tenant()
    const agent = yield* agentOf(t)
    const { lookup, open, run } = yield* runWithSecrets(t, agent.id)
    const before = yield* shown(t.session, [agent.id])
    const redacted = yield* t.session.redactRun(run.id)
    expect(redacted.redacted_at).not.toBeNull()
    expect({ ...redacted, redacted_at: null, updated_at: run.updated_at }).toEqual(run)
    const after = yield* shown(t.session, [agent.id])
    expect(after.text).not.toContain(secret)
    expect(after.runs.get(run.id)?.figures).toBe(before.runs.get(run.id)?.figures)
    expect(after.overviewRuns).toBe(before.overviewRuns)
    expect(after.activitySpans).toBe(before.activitySpans)
    const read = yield* t.session.getSpan(lookup.id)
    expect(read.payload).toEqual(Erasure.redactedPayload)
    expect(read.result_payload).toEqual(Erasure.redactedPayload)
    expect((yield* t.session.getSpan(open.id)).result_payload).toBeNull()
    // A span left open takes no result now; a second redaction changes nothing.
    yield* refused(t.session.finishSpan(open.id, { status: "complete", result_payload: { email: "new@example.com" } }), "InvalidAction")
    expect(yield* t.session.redactRun(run.id)).toEqual(redacted)
  }))

  test("a run still recording is not redacted; erasure needs an account token and a run of the account", Effect.gen(function*() {
    const t = yield* tenant()
    const agent = yield* agentOf(t)
    const { run } = yield* runWithSecrets(t, agent.id, false)
    yield* refused(t.session.redactRun(run.id), "InvalidAction")
    const scoped = yield* deploymentSession(t, agent.id)
    yield* refused(scoped.deleteRun(run.id), "NotPermitted")
    yield* refused(scoped.redactRun(run.id), "NotPermitted")
    yield* refused(scoped.eraseRuns(agent.id, { mode: "delete" }), "NotPermitted")
    const other = yield* tenant("Other")
    yield* refused(other.session.deleteRun(run.id), "NotFound")
    yield* refused(other.session.eraseRuns(agent.id, { mode: "delete" }), "NotFound")
    yield* refused(t.session.deleteRun(unknownId(Ids.InstanceId, t.account.id)), "NotFound")
    expect((yield* t.session.getInstance(run.id)).id).toBe(run.id)
  }))

  test("no idempotency replay brings an erased run's data back", Effect.gen(function*() {
    const t = yield* tenant()
    const agent = yield* agentOf(t)
    const deletedRun = yield* runOf(t.session, agent.id, t.production.id)
    const recorded = yield* t.session.recordSpan(span(deletedRun, "llm", { payload: { prompt: secret } }), { idempotencyKey: "span-1" })
    const redactedRun = yield* runOf(t.session, agent.id, t.production.id)
    yield* t.session.recordSpan(span(redactedRun, "llm", { payload: { prompt: secret } }), { idempotencyKey: "span-2" })
    yield* t.session.finishRun(redactedRun.id, { status: "complete" }, { idempotencyKey: "finish-2" })
    const deleted = yield* t.session.deleteRun(deletedRun.id, { idempotencyKey: "delete-1" })
    yield* t.session.redactRun(redactedRun.id)
    // The key's record went with the run: the retry runs again and finds no run.
    yield* refused(t.session.recordSpan(span(deletedRun, "llm", { payload: { prompt: secret } }), { idempotencyKey: "span-1" }), "NotFound")
    yield* refused(t.session.getSpan(recorded.id), "NotFound")
    // The redacted run's records went too: the retry runs again, on a finished run.
    yield* refused(t.session.recordSpan(span(redactedRun, "llm", { payload: { prompt: secret } }), { idempotencyKey: "span-2" }), "InvalidAction")
    // The deletion's own answer (the run, no payload) still replays to its caller.
    expect(yield* t.session.deleteRun(deletedRun.id, { idempotencyKey: "delete-1" })).toEqual(deleted)
  }))

  test("every erasure is one audit event by its token: the run as it was for a deletion, each batch's runs for a range", Effect.gen(function*() {
    const t = yield* tenant()
    const agent = yield* agentOf(t)
    const deleted = (yield* runWithSecrets(t, agent.id)).run
    const redacted = (yield* runWithSecrets(t, agent.id)).run
    const ranged = (yield* runWithSecrets(t, agent.id)).run
    yield* t.session.deleteRun(deleted.id)
    yield* t.session.redactRun(redacted.id)
    yield* t.session.eraseRuns(agent.id, { mode: "delete" })
    yield* t.session.updateRetentionPolicy({ run_days: 7 })
    const events = (yield* t.session.listAuditEvents({ ...everything, sorting: "sequence" })).items
    const actor = { type: "api_token", id: t.session.principal.token_id, scope: "account" }
    const of = (action: string) => events.filter((e) => e.action === action)
    expect(of("agent_instance.delete")).toMatchObject([{ entity: "agent_instance", entity_id: deleted.id, actor, after: null }])
    expect(of("agent_instance.delete")[0]?.before).toMatchObject({ id: deleted.id, status: "complete", redacted_at: null })
    expect(of("agent_instance.redact")).toMatchObject([{ entity_id: redacted.id, actor, before: { redacted_at: null }, after: { id: redacted.id } }])
    expect(of("agent_instance.redact")[0]?.after).not.toMatchObject({ redacted_at: null })
    expect(of("agent_instance.erase")).toMatchObject([{ entity: "agent_instance", entity_id: null, actor, after: { agent_id: agent.id, mode: "delete" } }])
    const erasedIds = Reflect.get(Object(of("agent_instance.erase")[0]?.after), "agent_instance_ids")
    expect(erasedIds).toEqual([redacted.id, ranged.id].sort())
    expect(of("retention_policy.update")).toMatchObject([{ entity: "retention_policy", entity_id: t.account.id, actor, before: { run_days: null }, after: { run_days: 7 } }])
    // The log keeps that each erasure happened, not the data it erased.
    expect(JSON.stringify(events)).not.toContain(secret)
    expect((yield* t.session.verifyAuditChain()).valid).toBe(true)
  }))

  test("an agent's runs in a window are deleted or redacted, the others kept", Effect.gen(function*() {
    const t = yield* tenant()
    const agent = yield* agentOf(t)
    const other = yield* t.session.createAgent({ name: "Other bot" })
    const base = Date.now() - 3_600_000
    const startedAt = (minutes: number) => DateTime.unsafeMake(base + minutes * 60_000)
    const runAt = (agentId: typeof agent.id, minutes: number, finish: boolean) =>
      Effect.gen(function*() {
        const run = yield* runOf(t.session, agentId, t.production.id)
        yield* t.session.startRun(run.id, { timestamp: startedAt(minutes) })
        yield* t.session.recordSpan(span(run, "llm", { status: "complete", payload: { prompt: `${secret}-${minutes}` }, started_at: startedAt(minutes) }))
        return finish ? yield* t.session.finishRun(run.id, { status: "complete" }) : yield* t.session.getInstance(run.id)
      })
    const early = yield* runAt(agent.id, 0, true)
    const inside = yield* runAt(agent.id, 10, true)
    const open = yield* runAt(agent.id, 15, false)
    const late = yield* runAt(agent.id, 20, true)
    const otherAgent = yield* runAt(other.id, 10, true)
    yield* refused(t.session.eraseRuns(agent.id, { mode: "delete", started_after: startedAt(20), started_before: startedAt(10) }), "InvalidInput")
    const window = { started_after: startedAt(5), started_before: startedAt(20) }
    const redacted = yield* t.session.eraseRuns(agent.id, { mode: "redact", ...window })
    expect(redacted).toEqual({ agent_id: agent.id, mode: "redact", runs: 1, spans: 1, batches: 1, unfinished: 1 })
    expect((yield* t.session.getInstance(inside.id)).redacted_at).not.toBeNull()
    expect((yield* t.session.getInstance(open.id)).redacted_at).toBeNull()
    const deleted = yield* t.session.eraseRuns(agent.id, { mode: "delete", ...window })
    expect(deleted).toEqual({ agent_id: agent.id, mode: "delete", runs: 2, spans: 2, batches: 1, unfinished: 0 })
    const left = (yield* t.session.listInstances(everything)).items.map((r) => r.id).sort()
    expect(left).toEqual([early.id, late.id, otherAgent.id].sort())
    // A repeat finds nothing left to erase.
    expect(yield* t.session.eraseRuns(agent.id, { mode: "delete", ...window })).toMatchObject({ runs: 0, spans: 0, batches: 0 })
    const everythingOf = yield* t.session.eraseRuns(agent.id, { mode: "delete" })
    expect(everythingOf).toMatchObject({ runs: 2, spans: 2 })
    expect((yield* t.session.listInstances(everything)).items.map((r) => r.id)).toEqual([otherAgent.id])
  }))
}
