/**
 * A span is never dropped (docs/domain.md "Conformance", invariant 6): on an open instance any
 * payload of any type — declared, undeclared, with an invalid or catastrophic definition — is
 * recorded with its conformance, counted, and leaves the instance's stamps as they were
 * (invariant 4).
 */
import { describe, expect, it } from "@effect/vitest"
import { Either, FastCheck as fc } from "effect"
import { Conformance, Ids, Instance, Span, Status } from "@agentledger/domain"
import { jsonObject, runs } from "./arbitraries.js"
import { at, contextOf, idOf, makeInstance, schemaOf } from "./fixtures.js"
import { pool } from "./support/definitionPool.js"

const hostileSchema = schemaOf([
  ...pool.map((definition, i) => ({ name: `p${i}`, params: definition, result: definition })),
  { name: "invalid", params: { $ref: "https://example.com/x.json" }, result: 5 },
  { name: "catastrophic", params: { type: "object", properties: { s: { pattern: "(a+)+$" } } } }
])
const hostileContext = contextOf(hostileSchema, null)
const spanTypeName = fc.oneof(
  fc.constantFrom(...Object.keys(hostileSchema.span_type_schemas)),
  fc.string({ minLength: 1, maxLength: 10 })
)

describe("Span.recordSpan never drops a span", () => {
  it.prop(
    "on an open instance any payload is recorded, with its conformance and a count",
    [
      fc.constantFrom<Status.Status>("pending", "active"),
      spanTypeName,
      fc.constantFrom(...Status.statuses),
      jsonObject,
      fc.option(jsonObject, { nil: null })
    ],
    ([instanceStatus, schemaName, status, payload, result]) => {
      const instance = makeInstance({ status: instanceStatus, risk: null })
      const input: Span.SpanInput = {
        schema_name: schemaName,
        status,
        payload,
        ...(Status.isTerminal(status) ? { result_payload: result } : {})
      }
      const recorded = Span.recordSpan({ instance, input, parent: null, context: hostileContext, id: idOf(Ids.SpanId, 9), now: at(5) })
      expect(Either.isRight(recorded)).toBe(true)
      if (Either.isLeft(recorded)) return
      const { instance: after, span } = recorded.right
      expect(span.payload).toEqual(payload)
      expect(span.result_payload).toEqual(Status.isTerminal(status) ? result : null)
      expect(span.conformance).toEqual(
        Conformance.checkSpan(hostileContext.schema, schemaName, payload, Status.isTerminal(status) ? result : null, status)
      )
      expect(after.status).toBe("active")
      expect(after.span_counts.total).toBe(1)
      expect(after.span_counts[status]).toBe(1)
      expect(after.conformance_counts).toEqual(
        Conformance.isFlagged(span.conformance) ? { conforms: 0, flagged: 1 } : { conforms: 1, flagged: 0 }
      )
      expect(Instance.stampsOf(after)).toEqual(Instance.stampsOf(instance))
    },
    { fastCheck: { numRuns: runs(300) } }
  )
})
