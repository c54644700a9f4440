/**
 * Evidence export: for a random run — a random tree of spans of declared and undeclared types,
 * conforming or not, open, finished or cancelled, on a scored agent, the run then finished,
 * terminated or left open — the document verifies, and everything it holds is what the reads of
 * that run answer: the run, its agent, version, schema version, environment, deployment, profile
 * revision, risk report, and the spans with their depths in the timeline's order.
 */
import { Export, type Ids } from "@agentledger/domain"
import { expect, it } from "@effect/vitest"
import { DateTime, Effect, FastCheck as fc } from "effect"
import { docsRiskProfile, span } from "../examples/helpers.js"
import { readsOf, same, textOf, verified } from "../examples/export.js"
import { runOf, tenant } from "../harness.js"
import { at } from "../model.js"
import type { PropertyContext } from "./context.js"

const payloads = [{}, { customer_id: "c-1" }, { customer_id: 7 }, { amount: 12.5 }, { prompt: "hi", "10": [1e21, -0.5] }] as const

export const exportProperties = <E>({ fresh, runs: n, timeout }: PropertyContext<E>): void => {
  it.live.prop(
    "a run's export verifies and holds what the reads of the run answer",
    {
      spans: fc.array(
        fc.record({
          parent: fc.option(fc.nat(), { nil: null }),
          offset: fc.integer({ min: -3, max: 3 }),
          type: fc.constantFrom("agent", "crm:lookup", "payments:charge", "llm", "undeclared"),
          payload: fc.nat({ max: payloads.length - 1 }),
          finish: fc.constantFrom("open" as const, "complete" as const, "failed" as const, "cancelled" as const)
        }),
        { maxLength: 12 }
      ),
      end: fc.constantFrom("open" as const, "finish" as const, "terminate" as const)
    },
    ({ end, spans }) =>
      fresh(Effect.gen(function*() {
        const t = yield* tenant()
        const profile = yield* t.session.createRiskProfile(docsRiskProfile)
        const agent = yield* t.session.createAgent({ name: "Bot", risk_profile_id: profile.profile.id })
        const run = yield* runOf(t.session, agent.id, t.production.id)
        yield* t.session.startRun(run.id, {})
        const base = Date.now() - 60_000
        const ids: Array<Ids.SpanId> = []
        for (const s of spans) {
          const parent = s.parent === null ? undefined : at(ids, s.parent)
          const created = yield* t.session.recordSpan(span(run, s.type, {
            payload: payloads[s.payload] ?? {},
            started_at: DateTime.unsafeMake(base + s.offset * 1000),
            ...(parent === undefined ? {} : { parent_span_id: parent })
          }))
          ids.push(created.id)
          if (s.finish !== "open") yield* t.session.finishSpan(created.id, { status: s.finish })
        }
        if (end === "finish") yield* t.session.finishRun(run.id, { status: "complete" })
        if (end === "terminate") yield* t.session.terminateRun(run.id, { reason: "stopped" })

        const contents = verified(yield* textOf(t.session.exportRun(run.id)))
        const reads = yield* readsOf(t.session, run)
        same(Export.Contents.fields.run, contents.run, reads.instance)
        same(Export.Contents.fields.agent, contents.agent, reads.agent)
        same(Export.Contents.fields.agent_version, contents.agent_version, reads.version)
        same(Export.Contents.fields.schema_version, contents.schema_version, reads.schemaVersion)
        same(Export.Contents.fields.environment, contents.environment, reads.environment)
        if (reads.deployment === null) return expect(contents.deployment).toBeNull()
        same(Export.DeploymentAtRun.fields.record, contents.deployment?.record ?? reads.deployment.deployment, reads.deployment.deployment)
        expect(contents.deployment?.version_at_registration).toBe(run.agent_version_id)
        same(Export.Contents.fields.risk_profile_revision, contents.risk_profile_revision, reads.revision)
        same(Export.Contents.fields.risk, contents.risk, reads.risk)
        same(Export.Contents.fields.spans, contents.spans, reads.timeline.spans)
        expect(contents.spans.map((entry) => entry.span.id).sort()).toEqual([...ids].sort())
      })),
    { timeout, fastCheck: { numRuns: n(15) } }
  )
}
