/**
 * Erasure (docs/domain.md "Erasure"): over random runs with random payloads, a redaction replaces
 * every payload and result by the marker and keeps everything else a reviewer reads — the tree,
 * statuses, times, conformance outcomes, every risk figure and the run's counts; only a finished
 * run is redacted, a second redaction changes nothing, and a redacted run's span is finished no
 * more. A range reaches the agent's runs that started in its window.
 */
import { describe, expect, it } from "@effect/vitest"
import { Either, FastCheck as fc } from "effect"
import { Erasure, Ids, Instance, Span, Status } from "@agentledger/domain"
import { jsonObject, runs, runStep } from "./arbitraries.js"
import { at, contextOf, idOf, makeInstance, playRun, schemaOf } from "./fixtures.js"

const schema = schemaOf([
  { name: "t0", result: { type: "object", required: ["ok"] } },
  { name: "t1", params: { type: "object", additionalProperties: { type: "string" } } },
  { name: "t2", params: { type: "object", required: ["x"] } }
])
const context = contextOf(schema, null)
const names = ["t0", "t1", "t2", "ghost"]

/** A finished run with random payloads and results on its spans, as ingest would have left them. */
const finishedRun = fc.tuple(
  fc.array(runStep({ instanceSteps: false }), { maxLength: 30 }),
  fc.array(fc.tuple(jsonObject, fc.option(jsonObject, { nil: null })), { minLength: 30, maxLength: 30 }),
  fc.constantFrom<"complete" | "failed" | "cancelled">("complete", "failed", "cancelled")
).map(([steps, contents, end]) => {
  const outcomes = playRun(context, makeInstance({ status: "pending", risk: null }), names, steps)
  const last = outcomes.at(-1)?.after ?? { instance: makeInstance({ status: "pending", risk: null }), spans: [] }
  const spans = last.spans.map((span, index): Span.Span => {
    const [payload, result] = contents[index % contents.length] ?? [{}, null]
    return { ...span, payload, result_payload: Status.isTerminal(span.status) ? result : null, summary: "a summary" }
  })
  const finished = Instance.finish(last.instance, end, at(1_000_000))
  const instance = Either.isRight(finished) ? finished.right : Either.getOrThrow(Instance.terminate(last.instance, "stop", at(1_000_000)))
  return { instance, spans }
})

const later = at(2_000_000)

describe("redaction", () => {
  it.prop("replaces payloads and results by the marker and keeps every other figure", [finishedRun], ([{ instance, spans }]) => {
    const redacted = Either.getOrThrow(Erasure.redact(instance, spans, later))
    expect(redacted.instance).toEqual({ ...instance, redacted_at: later, updated_at: later })
    expect(redacted.spans).toHaveLength(spans.length)
    redacted.spans.forEach((after, index) => {
      const before = spans[index]
      if (before === undefined) return expect.fail("a span was lost")
      expect(after.payload).toEqual(Erasure.redactedPayload)
      expect(after.result_payload).toEqual(before.result_payload === null ? null : Erasure.redactedPayload)
      expect(after.summary).toBeNull()
      expect(after.conformance.payload).toBe(before.conformance.payload)
      expect(after.conformance.result).toBe(before.conformance.result)
      expect(after.conformance.errors.map((e) => [e.target, e.keyword, e.message])).toEqual(before.conformance.errors.map((e) => [e.target, e.keyword, e.message]))
      expect(after.conformance.errors.every((e) => e.instance_path === Erasure.redactedPath)).toBe(true)
      const { conformance: _a, payload: _b, result_payload: _c, summary: _d, updated_at: _e, ...kept } = before
      expect(after).toMatchObject(kept)
      expect(after.updated_at).toEqual(later)
    })
  }, { fastCheck: { numRuns: runs(100) } })

  it.prop("a redacted run is redacted once: a second redaction writes nothing", [finishedRun], ([{ instance, spans }]) => {
    const first = Either.getOrThrow(Erasure.redact(instance, spans, later))
    const second = Either.getOrThrow(Erasure.redact(first.instance, first.spans, at(3_000_000)))
    expect(second.instance).toBe(first.instance)
    expect(second.spans).toEqual([])
  }, { fastCheck: { numRuns: runs(50) } })

  it("only a finished run is redacted", () => {
    for (const status of ["pending", "active"] as const) {
      const refused = Erasure.redact(makeInstance({ status }), [], later)
      expect(Either.isLeft(refused) && refused.left).toMatchObject({ _tag: "InvalidAction", action: "redact", status })
    }
  })

  it("a payload key a conformance error names does not survive redaction", () => {
    const run = makeInstance({ status: "active", risk: null })
    const recorded = Either.getOrThrow(Span.recordSpan({
      instance: run,
      input: { schema_name: "t1", status: "complete", payload: { "alice@example.com": 5 } },
      parent: null,
      context,
      id: idOf(Ids.SpanId, 1),
      now: at(1)
    }))
    expect(recorded.span.conformance.errors.map((e) => e.instance_path)).toEqual(["/alice@example.com"])
    const finished = Either.getOrThrow(Instance.finish(recorded.instance, "complete", at(2)))
    const [span] = Either.getOrThrow(Erasure.redact(finished, [recorded.span], later)).spans
    expect(JSON.stringify(span)).not.toContain("alice")
    expect(span?.conformance.payload).toBe("mismatch")
  })

  it("a span of a redacted run is finished no more", () => {
    const run = makeInstance({ status: "active", risk: null })
    const recorded = Either.getOrThrow(Span.recordSpan({
      instance: run,
      input: { schema_name: "t0", status: "active", payload: { secret: "s" } },
      parent: null,
      context,
      id: idOf(Ids.SpanId, 1),
      now: at(1)
    }))
    const finished = Either.getOrThrow(Instance.finish(recorded.instance, "complete", at(2)))
    const redacted = Either.getOrThrow(Erasure.redact(finished, [recorded.span], later))
    const span = redacted.spans[0]
    if (span === undefined) return expect.fail("the span was lost")
    const refused = Span.finishSpan({ span, instance: redacted.instance, input: { status: "complete", result_payload: { ok: true } }, context, now: later })
    expect(Either.isLeft(refused) && refused.left).toMatchObject({ _tag: "InvalidAction", entity: "agent_span" })
    // Before the redaction the same finish is accepted.
    expect(Either.isRight(Span.finishSpan({ span: recorded.span, instance: finished, input: { status: "complete" }, context, now: later }))).toBe(true)
  })
})

describe("a range of an agent's runs", () => {
  const agent = idOf(Ids.AgentId, 1)
  const started = (ms: number | null, status: Status.Status = "complete") =>
    ({ ...makeInstance({ status }), started_at: ms === null ? null : at(ms), inserted_at: at(0) })

  it("reaches the agent's runs that started in the window, a run never started by its registration", () => {
    const range = Either.getOrThrow(Erasure.rangeOf(agent, { mode: "delete", started_after: at(100), started_before: at(200) }))
    const reaches = Erasure.inRange(range)
    expect(reaches(started(100))).toBe(true)
    expect(reaches(started(199))).toBe(true)
    expect(reaches(started(200))).toBe(false)
    expect(reaches(started(99))).toBe(false)
    expect(reaches({ ...started(150), agent_id: idOf(Ids.AgentId, 2) })).toBe(false)
    expect(Erasure.inRange(Either.getOrThrow(Erasure.rangeOf(agent, { mode: "delete" })))(started(null, "pending"))).toBe(true)
  })

  it("a redaction's range keeps finished runs not yet redacted", () => {
    const range = Either.getOrThrow(Erasure.rangeOf(agent, { mode: "redact" }))
    const reaches = Erasure.inRange(range)
    expect(reaches(started(5, "active"))).toBe(false)
    expect(reaches(started(5, "pending"))).toBe(false)
    expect(reaches(started(5, "terminated"))).toBe(true)
    expect(reaches({ ...started(5), redacted_at: at(9) })).toBe(false)
  })

  it("an empty or inverted window is refused", () => {
    for (const [after, before] of [[200, 100], [100, 100]] as const) {
      const refused = Erasure.rangeOf(agent, { mode: "delete", started_after: at(after), started_before: at(before) })
      expect(Either.isLeft(refused) && refused.left._tag).toBe("InvalidInput")
    }
  })

  it.prop(
    "a redaction batch takes at least one run and at most its bound of spans",
    [fc.array(fc.nat({ max: 12_000 }), { minLength: 1, maxLength: 50 })],
    ([sizes]) => {
      const candidates = sizes.map((total, n) => ({ ...makeInstance({ n, status: "complete" }), span_counts: { ...Status.noCounts, total } }))
      const batch = Erasure.redactionBatch(candidates)
      expect(batch.length).toBeGreaterThanOrEqual(1)
      const spans = batch.reduce((sum, run) => sum + run.span_counts.total, 0)
      if (batch.length > 1) expect(spans).toBeLessThanOrEqual(Erasure.batchSpans)
      const next = candidates[batch.length]
      if (next !== undefined) expect(spans + next.span_counts.total).toBeGreaterThan(Erasure.batchSpans)
    },
    { fastCheck: { numRuns: runs(100) } }
  )
})
