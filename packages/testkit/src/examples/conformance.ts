/**
 * Conformance: payloads and results checked against the run's schema version, flagged and never
 * dropped.
 */
import { expect } from "@effect/vitest"
import { Effect } from "effect"
import { runOf, supportSchema, tenant } from "../harness.js"
import { countSpans, type ExampleTest, span } from "./helpers.js"

export const conformanceExamples = (test: ExampleTest): void => {
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
}
