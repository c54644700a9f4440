/**
 * Runs: registration with an account token, the first run's deployment, the run's state machine,
 * termination, client-chosen ids.
 */
import { Ids } from "@agentledger/domain"
import { expect } from "@effect/vitest"
import { Effect } from "effect"
import { everything, refused, runCommand, runOf, supportSchema, tenant } from "../harness.js"
import { canonical } from "../reference.js"
import { agentWithRun, type ExampleTest, span, unknownId } from "./helpers.js"

export const runExamples = (test: ExampleTest): void => {
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
    yield* refused(t.session.recordSpan(span(run, "agent")), "InvalidAction")
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
    // A span its agent still reports is kept, closed, and its answer tells the agent to stop; the run stays terminated.
    const late = yield* t.session.recordSpanWithControl(span(run, "agent"))
    expect([late.span.status, late.control]).toEqual(["terminated", { terminate: true, reason: "runaway loop" }])
    expect(yield* t.session.getInstance(run.id)).toMatchObject({ status: "terminated", span_counts: { total: 4, terminated: 3, finished: 4 } })
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
    const body = runCommand(agent.id, t.production.id, { version: {}, schema: {} })
    expect((yield* t.session.registerRun({ ...body, id: mine })).id).toBe(mine)
    yield* refused(t.session.registerRun({ ...body, id: mine }), "Conflict")
    yield* refused(t.session.registerRun({ ...body, id: theirs }), "InvalidInput")
    yield* refused(t.session.createAgent({ name: "Intruder", id: Ids.AgentId.make(theirs) }), "InvalidInput")
    expect((yield* t.session.listInstances(everything)).items).toHaveLength(1)
  }))
}
