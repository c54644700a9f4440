/**
 * Invariant 6: every span is stored, and its conformance flag equals an independent Ajv check of
 * its payload and result.
 */
import type { Json } from "@agentledger/domain"
import { expect, it } from "@effect/vitest"
import { Effect, FastCheck as fc } from "effect"
import * as Arbitraries from "../arbitraries/index.js"
import { runOf, tenant } from "../harness.js"
import { referenceConformance, referenceFlagged } from "../reference.js"
import { declaredTypes, payloads, renderSchema, results, spanTypeNames } from "../specs.js"
import type { PropertyContext } from "./context.js"

const jsonLeaf: fc.Arbitrary<Json.Json> = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.integer({ min: -5, max: 50 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.oneof(fc.integer(), fc.string({ maxLength: 3 })), { maxLength: 3 })
)
/** Payloads that use the keys the pool schemas talk about, with values of every JSON kind. */
const payload: fc.Arbitrary<Json.JsonObject> = fc.oneof(
  fc.constantFrom(...payloads),
  fc.dictionary(fc.constantFrom("prompt", "customer_id", "limit", "query", "n", "email", "text", "rows", "extra"), jsonLeaf, { maxKeys: 4 })
)

export const conformanceProperties = <E>({ fresh, runs: n, timeout }: PropertyContext<E>): void => {
  it.live.prop(
    "every span is stored, and its flag equals an independent Ajv check of payload and result",
    {
      schema: Arbitraries.schemaSpec,
      spans: fc.array(
        fc.record({
          type: fc.nat({ max: spanTypeNames.length }),
          payload,
          result: fc.option(fc.oneof(fc.constantFrom(...results), payload), { nil: null }),
          status: fc.constantFrom("active" as const, "complete" as const, "failed" as const),
          finish: fc.option(fc.oneof(fc.constantFrom(...results), payload), { nil: null })
        }),
        { minLength: 1, maxLength: 12 }
      )
    },
    ({ schema, spans }) =>
      fresh(Effect.gen(function*() {
        const t = yield* tenant()
        const agent = yield* t.session.createAgent({ name: "Bot" })
        const run = yield* runOf(t.session, agent.id, t.production.id, "1.0.0", { schema: renderSchema(schema, spans.length) })
        const declared = declaredTypes(schema)
        const expected: Array<{ payload: string; result: string }> = []
        for (const s of spans) {
          const type = spanTypeNames[s.type] ?? "undeclared:type"
          const open = s.status === "active"
          const result = open ? null : s.result
          const recorded = yield* t.session.recordSpan({
            agent_instance_id: run.id,
            schema_name: type,
            status: s.status,
            payload: s.payload,
            ...(result === null ? {} : { result_payload: result })
          })
          let conformance = referenceConformance(declared, type, s.payload, result, s.status)
          expect({ payload: recorded.conformance.payload, result: recorded.conformance.result }).toEqual(conformance)
          if (open) {
            const finished = yield* t.session.finishSpan(recorded.id, { status: "complete", ...(s.finish === null ? {} : { result_payload: s.finish }) })
            conformance = referenceConformance(declared, type, s.payload, s.finish, "complete")
            expect({ payload: finished.conformance.payload, result: finished.conformance.result }).toEqual(conformance)
          }
          expected.push(conformance)
        }
        const timeline = yield* t.session.getTimeline(run.id)
        expect(timeline.spans).toHaveLength(spans.length)
        const flagged = expected.filter(referenceFlagged).length
        expect(timeline.instance.conformance_counts).toEqual({ conforms: spans.length - flagged, flagged })
      })),
    { timeout, fastCheck: { numRuns: n(30) } }
  )
}
