/**
 * A reviewer's reads: runs filtered by risk, peak, flags, purpose and time and ordered by when
 * they took place; a run's span outline filtered by type and flags; the overview of the last day.
 */
import type { Commands } from "@agentledger/domain"
import { expect } from "@effect/vitest"
import { DateTime, Effect } from "effect"
import { everything, refused, runCommand, tenant, type Tenant } from "../harness.js"
import { at, docsRiskProfile, type ExampleTest, secretOf, span } from "./helpers.js"

/**
 * Three runs: `medium` (scored; five customer lookups, one cancelled: 48 points, medium, peak
 * high), `flagged` (scored; a span that does not conform; an eval) and `pending` (of an agent
 * without a profile; a smoke test that never started), started in that order.
 */
export const reviewedRuns = (t: Tenant) =>
  Effect.gen(function*() {
    const base = Date.now()
    const profile = yield* t.session.createRiskProfile(docsRiskProfile)
    const scored = yield* t.session.createAgent({ name: "Scored", risk_profile_id: profile.profile.id })
    const unscored = yield* t.session.createAgent({ name: "Unscored" })
    const medium = yield* t.session.registerRun(runCommand(scored.id, t.production.id))
    yield* t.session.startRun(medium.id, { timestamp: at(-60, base) })
    const lookups = yield* t.session.recordSpans(Array.from({ length: 5 }, () => span(medium, "crm:lookup", { payload: { customer_id: "c-1" } })))
    yield* t.session.finishSpan(lookups[0]?.id ?? expect.fail("five lookups were recorded"), { status: "cancelled" })
    const flagged = yield* t.session.registerRun(runCommand(scored.id, t.production.id, { purpose: "eval" }))
    yield* t.session.startRun(flagged.id, { timestamp: at(-30, base) })
    yield* t.session.recordSpan(span(flagged, "llm", { status: "complete" }))
    const pending = yield* t.session.registerRun(runCommand(unscored.id, t.production.id, { purpose: "smoke_test" }))
    return { base, scored, unscored, medium, flagged, pending }
  })

export const reviewExamples = (test: ExampleTest): void => {
  test("runs list by risk level, peak level, flags, purpose and start time, ordered by when they took place", Effect.gen(function*() {
    const t = yield* tenant()
    const { base, flagged, medium, pending, scored } = yield* reviewedRuns(t)
    const ids = (request: Partial<Commands.ListInstances>) =>
      Effect.map(t.session.listInstances({ ...everything, ...request }), (page) => page.items.map((i) => i.id))
    const listed = yield* t.session.listInstances({ ...everything, sort: "started_at" })
    expect(listed.items.map((i) => [i.id, i.risk?.level ?? null, i.risk?.peak_level ?? null, i.conformance_counts.flagged])).toEqual([
      [medium.id, "medium", "high", 0],
      [flagged.id, "low", "low", 1],
      [pending.id, null, null, 0]
    ])
    expect(yield* ids({ risk_level: "medium" })).toEqual([medium.id])
    expect(yield* ids({ risk_level: "high" })).toEqual([])
    expect(yield* ids({ peak_risk_level: "high" })).toEqual([medium.id])
    // A run without a profile has no level: it is not low.
    expect(yield* ids({ risk_level: "low" })).toEqual([flagged.id])
    expect(yield* ids({ flagged: true })).toEqual([flagged.id])
    expect(yield* ids({ flagged: false, sort: "started_at" })).toEqual([medium.id, pending.id])
    expect(yield* ids({ purpose: "eval" })).toEqual([flagged.id])
    expect(yield* ids({ purpose: "smoke_test" })).toEqual([pending.id])
    // From (inclusive) and before (exclusive); a run that never started is placed at its registration.
    expect(yield* ids({ started_after: at(-30, base), sort: "started_at" })).toEqual([flagged.id, pending.id])
    expect(yield* ids({ started_before: at(-30, base) })).toEqual([medium.id])
    expect(yield* ids({ started_after: at(-90, base), started_before: at(-29, base), sort: "-started_at" })).toEqual([flagged.id, medium.id])
    expect(yield* ids({ sort: "-started_at" })).toEqual([pending.id, flagged.id, medium.id])
    expect(yield* ids({ sorting: "started_at" })).toEqual([medium.id, flagged.id, pending.id])
    // Filters combine; the default order stays by id, newest first (ids minted in one millisecond
    // may fall either way, so the order is checked against the ids themselves).
    expect(yield* ids({ agent_id: scored.id, flagged: false })).toEqual([medium.id])
    expect(yield* ids({})).toEqual([pending.id, flagged.id, medium.id].sort().reverse())
    expect((yield* t.session.listInstances({ ...everything, sort: "-started_at" })).sorting).toEqual({ field: "started_at", direction: "desc" })
    yield* refused(t.session.listInstances({ ...everything, sort: "started_at", sorting: "id" }), "InvalidInput")
  }))
  test("a run's span outline narrows to one span type, or to the spans flagged for review", Effect.gen(function*() {
    const t = yield* tenant()
    const { medium } = yield* reviewedRuns(t)
    const agent = yield* t.session.recordSpan(span(medium, "agent", { status: "complete" }))
    const unprompted = yield* t.session.recordSpan(span(medium, "llm", { parent_span_id: agent.id, status: "complete" }))
    const prompted = yield* t.session.recordSpan(span(medium, "llm", { parent_span_id: agent.id, status: "complete", payload: { prompt: "hi" } }))
    const mystery = yield* t.session.recordSpan(span(medium, "mystery", { parent_span_id: agent.id }))
    const noEmail = yield* t.session.recordSpan(span(medium, "crm:lookup", { payload: { customer_id: "c-2" }, status: "complete", result_payload: {} }))
    const outline = (request: Partial<Commands.ListSpanOutlines>) =>
      Effect.map(t.session.listSpanOutlines(medium.id, { ...everything, ...request }), (page) => ({
        ids: page.items.map((s) => s.id),
        count: page.pagination.item_count
      }))
    const lookups = (yield* outline({ schema_name: "crm:lookup" })).ids
    expect(lookups).toHaveLength(6)
    expect(lookups.at(-1)).toBe(noEmail.id)
    expect(yield* outline({ schema_name: "llm" })).toEqual({ ids: [unprompted.id, prompted.id], count: 2 })
    // Flagged: a payload or a result that does not conform, or a type the schema does not declare.
    expect(yield* outline({ flagged: true })).toEqual({ ids: [unprompted.id, mystery.id, noEmail.id], count: 3 })
    expect((yield* outline({ flagged: false })).ids).toEqual([...lookups.slice(0, 5), agent.id, prompted.id])
    expect(yield* outline({ schema_name: "llm", flagged: true })).toEqual({ ids: [unprompted.id], count: 1 })
    expect(yield* outline({ schema_name: "LLM" })).toEqual({ ids: [], count: 0 })
    expect(yield* outline({ flagged: true, offset: 1, page_size: 1 })).toEqual({ ids: [mystery.id], count: 3 })
  }))
  test("the overview counts each agent's runs since a time by status, level and flag, and shows the newest runs needing attention", Effect.gen(function*() {
    const t = yield* tenant()
    const { base, flagged, scored, unscored } = yield* reviewedRuns(t)
    const critical = yield* t.session.registerRun(runCommand(scored.id, t.staging.id))
    yield* t.session.startRun(critical.id, { timestamp: at(-10, base) })
    yield* t.session.recordSpans(Array.from({ length: 9 }, () => span(critical, "crm:lookup", { payload: { customer_id: "c-3" } })))
    yield* t.session.finishRun(critical.id, { status: "failed" })
    const idle = yield* t.session.createAgent({ name: "Idle" })
    const none = { pending: 0, active: 0, complete: 0, failed: 0, cancelled: 0, terminated: 0 }
    const unleveled = { low: 0, medium: 0, high: 0, critical: 0, none: 0 }
    const before = Date.now()
    const day = yield* t.session.getOverview({})
    // The default window is the last day.
    expect(DateTime.toEpochMillis(day.since)).toBeGreaterThanOrEqual(before - 86_400_000 - 60_000)
    expect(DateTime.toEpochMillis(day.since)).toBeLessThanOrEqual(Date.now() - 86_400_000)
    expect(day.agents).toEqual([
      { agent_id: idle.id, name: "Idle", status: "pending", runs_by_status: none, runs_by_risk_level: unleveled, flagged_runs: 0 },
      {
        agent_id: scored.id, name: "Scored", status: "active", runs_by_status: { ...none, active: 2, failed: 1 },
        runs_by_risk_level: { ...unleveled, low: 1, medium: 1, critical: 1 }, flagged_runs: 1
      },
      {
        agent_id: unscored.id, name: "Unscored", status: "active", runs_by_status: { ...none, pending: 1 },
        runs_by_risk_level: { ...unleveled, none: 1 }, flagged_runs: 0
      }
    ])
    expect(day.runs_by_status).toEqual({ ...none, pending: 1, active: 2, failed: 1 })
    expect(day.runs_by_risk_level).toEqual({ low: 1, medium: 1, high: 0, critical: 1, none: 1 })
    expect(day.flagged_runs).toBe(1)
    // Flagged or high or critical, newest first; a medium run that once peaked high is not among them.
    expect(day.recent_attention.map((run) => run.id)).toEqual([critical.id, flagged.id])
    expect(day.recent_attention[0]).toEqual(yield* t.session.getInstance(critical.id))
    // A narrower window counts only the runs that took place in it; every agent still shows.
    const recent = yield* t.session.getOverview({ since: at(-30, base) })
    expect(recent.runs_by_status).toEqual({ ...none, pending: 1, active: 1, failed: 1 })
    expect(recent.agents.map((a) => [a.name, a.flagged_runs])).toEqual([["Idle", 0], ["Scored", 1], ["Unscored", 0]])
    expect(recent.recent_attention.map((run) => run.id)).toEqual([critical.id, flagged.id])
    const later = yield* t.session.getOverview({ since: at(3600, base) })
    expect([later.runs_by_status, later.flagged_runs, later.recent_attention, later.agents.length]).toEqual([none, 0, [], 3])
  }))

  test("a deployment token's overview is its own agent's", Effect.gen(function*() {
    const t = yield* tenant()
    const { flagged, scored } = yield* reviewedRuns(t)
    const deployment = (yield* t.session.listDeployments({ ...everything, agent_id: scored.id })).items[0]
    if (deployment === undefined) return expect.fail("the scored agent's runs deployed it")
    const scoped = yield* t.ledger.authenticate(secretOf(yield* t.session.createToken({ token_scope: "agent_deployment", agent_deployment_id: deployment.id })))
    const overview = yield* scoped.getOverview({})
    expect(overview.agents.map((a) => a.agent_id)).toEqual([scored.id])
    expect(overview.runs_by_status).toEqual({ pending: 0, active: 2, complete: 0, failed: 0, cancelled: 0, terminated: 0 })
    expect(overview.runs_by_risk_level).toEqual({ low: 1, medium: 1, high: 0, critical: 0, none: 0 })
    expect(overview.recent_attention.map((run) => run.id)).toEqual([flagged.id])
    expect((yield* t.session.getOverview({})).agents).toHaveLength(2)
  }))
}
