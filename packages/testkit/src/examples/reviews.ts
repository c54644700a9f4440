/**
 * A reviewer's reads: runs filtered by risk, peak, flags, purpose and time and ordered by when
 * they took place; a run's span outline filtered by type and flags; the overview of the last day.
 */
import type { Commands } from "@agentledger/domain"
import { expect } from "@effect/vitest"
import { Effect } from "effect"
import { everything, refused, runCommand, tenant, type Tenant } from "../harness.js"
import { at, docsRiskProfile, type ExampleTest, span } from "./helpers.js"

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
    // Filters combine; the default order stays newest registered first.
    expect(yield* ids({ agent_id: scored.id, flagged: false })).toEqual([medium.id])
    expect(yield* ids({})).toEqual([pending.id, flagged.id, medium.id])
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
}
