/**
 * Invariant 5: the timeline lists every span once, as a tree, siblings by started_at then
 * creation order.
 */
import type { Ids } from "@agentledger/domain"
import { expect, it } from "@effect/vitest"
import { DateTime, Effect, FastCheck as fc } from "effect"
import { runOf, tenant } from "../harness.js"
import { at } from "../model.js"
import { referenceTimeline } from "../reference.js"
import type { PropertyContext } from "./context.js"

export const timelineProperties = <E>({ fresh, runs: n, timeout }: PropertyContext<E>): void => {
  it.live.prop(
    "the timeline lists every span once, as a tree, siblings by started_at then creation order",
    {
      spans: fc.array(fc.record({ parent: fc.option(fc.nat(), { nil: null }), offset: fc.integer({ min: -3, max: 3 }) }), { minLength: 1, maxLength: 15 })
    },
    ({ spans }) =>
      fresh(Effect.gen(function*() {
        const t = yield* tenant()
        const agent = yield* t.session.createAgent({ name: "Bot" })
        const run = yield* runOf(t.session, agent.id, t.production.id)
        const base = Date.now()
        const recorded: Array<{ id: Ids.SpanId; parent: Ids.SpanId | null; startedAt: number; order: number }> = []
        for (const [index, s] of spans.entries()) {
          const parent = s.parent === null ? null : at(recorded, s.parent)?.id ?? null
          const started = base + s.offset * 1000
          const created = yield* t.session.recordSpan({
            agent_instance_id: run.id,
            schema_name: "agent",
            status: "active",
            payload: {},
            started_at: DateTime.unsafeMake(started),
            ...(parent === null ? {} : { parent_span_id: parent })
          })
          recorded.push({ id: created.id, parent, startedAt: started, order: index + 1 })
        }
        const timeline = yield* t.session.getTimeline(run.id)
        expect(timeline.spans.map((s) => ({ id: s.span.id, depth: s.depth }))).toEqual(referenceTimeline(recorded))
      })),
    { timeout, fastCheck: { numRuns: n(20) } }
  )
}
