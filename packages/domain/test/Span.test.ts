/**
 * Span decisions (docs/domain.md "Spans", invariant 5): over random runs every accepted span is stored
 * once, counts match the spans, terminal spans never change, refusals carry the right tag, and
 * terminating an instance closes exactly its open spans; a terminated run still takes the spans its
 * agent reports, closed, and answers a finish of a span it closed as the span stands.
 */
import { describe, expect, it } from "@effect/vitest"
import { Either, FastCheck as fc, Schema } from "effect"
import { Conflict, Conformance, Ids, Instance, Span, Status } from "@agentledger/domain"
import { runs, runStep } from "./arbitraries.js"
import { at, contextOf, idOf, makeInstance, playRun, schemaOf } from "./fixtures.js"

const schema = schemaOf([
  { name: "t0", result: { type: "object", required: ["ok"] } },
  { name: "t1", result: { type: "object", required: ["missing"] } },
  { name: "t2", params: { type: "object", required: ["x"] } },
  { name: "t3" }
])
const context = contextOf(schema, null)
const names = ["t0", "t1", "t2", "t3", "ghost"]

const encodeSpan = Schema.encodeSync(Span.Span)

const recount = (spans: ReadonlyArray<Span.Span>): Status.StatusCounts => {
  const counts = { total: 0, pending: 0, active: 0, complete: 0, failed: 0, cancelled: 0, terminated: 0, finished: 0 }
  for (const span of spans) {
    counts.total++
    counts[span.status]++
    if (span.status !== "pending" && span.status !== "active") counts.finished++
  }
  return counts
}

describe("spans over random runs", () => {
  it.prop(
    "counts match the spans, terminal spans never change, refusals carry the right tag",
    [fc.constantFrom<Status.Status>("pending", "active"), fc.array(runStep({ instanceSteps: true }), { maxLength: 40 })],
    ([startStatus, steps]) => {
      const start = makeInstance({ status: startStatus, risk: null })
      const outcomes = playRun(context, start, names, steps)
      for (const { after, before, refused, step, target } of outcomes) {
        const instanceWasTerminal = Status.isTerminal(before.instance.status)
        const instanceWasStopped = before.instance.status === "terminated"
        switch (step.kind) {
          case "record":
            if (instanceWasStopped) {
              // Recorded as evidence, closed at once when the agent reported it open; the run stays terminated.
              expect(refused).toBeUndefined()
              expect(after.spans).toHaveLength(before.spans.length + 1)
              expect(after.spans.at(-1)?.status).toBe(Status.isTerminal(step.status) ? step.status : "terminated")
              expect(after.spans.at(-1)?.finished_at).not.toBeNull()
              expect(after.instance.status).toBe("terminated")
            } else if (instanceWasTerminal) {
              expect(refused).toMatchObject({ _tag: "InvalidAction", entity: "agent_instance", status: before.instance.status })
            } else {
              expect(refused).toBeUndefined()
              expect(after.spans).toHaveLength(before.spans.length + 1)
              const span = after.spans.at(-1)
              expect(span?.status).toBe(step.status)
              expect(span?.sequence).toBe(before.spans.length + 1)
              expect(after.instance.status).toBe("active")
              if (step.parent !== null && before.spans.length > 0) {
                expect(span?.parent_span_id).toBe(before.spans[step.parent % before.spans.length]?.id)
              }
            }
            break
          case "finish": {
            const original = before.spans.find((s) => s.id === target?.id)
            if (original === undefined) break
            if (original.status === "terminated" && instanceWasStopped) {
              // Answered as it stands: the termination closed it before the agent heard.
              expect(refused).toBeUndefined()
              expect(target).toEqual(original)
            } else if (Status.isTerminal(original.status)) {
              expect(refused).toMatchObject({ _tag: "InvalidAction", entity: "agent_span", id: original.id, status: original.status })
            } else {
              expect(refused).toBeUndefined()
              expect(target?.status).toBe(step.status)
              expect(target?.finished_at).not.toBeNull()
            }
            break
          }
          case "terminate":
            if (instanceWasTerminal) expect(refused).toMatchObject({ _tag: "InvalidAction", entity: "agent_instance" })
            else {
              expect(after.instance.status).toBe("terminated")
              before.spans.forEach((s, i) => {
                expect(after.spans[i]?.status).toBe(Status.isTerminal(s.status) ? s.status : "terminated")
              })
            }
            break
          case "finishInstance":
            break
        }
        // Every accepted span is stored exactly once, in creation order.
        expect(after.spans.map((s) => s.sequence)).toEqual(after.spans.map((_, i) => i + 1))
        expect(new Set(after.spans.map((s) => s.id)).size).toBe(after.spans.length)
        expect(after.spans.every((s) => s.agent_instance_id === start.id)).toBe(true)
        // Counts are maintained incrementally and match the spans.
        expect(after.instance.span_counts).toEqual(recount(after.spans))
        const flagged = after.spans.filter((s) => Conformance.isFlagged(s.conformance)).length
        expect(after.instance.conformance_counts).toEqual({ conforms: after.spans.length - flagged, flagged })
        // A terminal span never changes.
        before.spans.forEach((s, i) => {
          const now = after.spans[i]
          if (Status.isTerminal(s.status) && now !== undefined) expect(encodeSpan(now)).toEqual(encodeSpan(s))
        })
        expect(Instance.stampsOf(after.instance)).toEqual(Instance.stampsOf(start))
      }
    },
    { fastCheck: { numRuns: runs(200) } }
  )
})

describe("span decisions", () => {
  const record = (input: Span.SpanInput, instance = makeInstance({ status: "active", risk: null }), parent: Span.Span | null = null) =>
    Span.recordSpan({ instance, input, parent, context, id: idOf(Ids.SpanId, 500), now: at(50) })

  it("input rules: name 1–200, result and finished_at only with a terminal status", () => {
    const bad = (input: Span.SpanInput, field: string) => {
      const result = Span.validateSpanInput(input)
      expect(Either.isLeft(result) && result.left._tag === "InvalidInput" && Object.keys(result.left.errors)).toEqual([field])
    }
    bad({ schema_name: "", status: "active", payload: {} }, "schema_name")
    bad({ schema_name: "x".repeat(201), status: "active", payload: {} }, "schema_name")
    bad({ schema_name: "t0", status: "active", payload: {}, result_payload: { ok: true } }, "result_payload")
    bad({ schema_name: "t0", status: "pending", payload: {}, finished_at: at(1) }, "finished_at")
    expect(Either.isRight(Span.validateSpanInput({ schema_name: "x".repeat(200), status: "active", payload: {} }))).toBe(true)
    expect(Either.isRight(Span.validateSpanInput({ schema_name: "t0", status: "complete", payload: {}, result_payload: { ok: 1 }, finished_at: at(1) })))
      .toBe(true)
    expect(Either.isRight(Span.validateSpanInput({ schema_name: "t0", status: "active", payload: {}, result_payload: null }))).toBe(true)
  })

  it("a parent must be a span of the same instance", () => {
    const other = makeInstance({ n: 2, status: "active", risk: null })
    const foreign = Either.getOrThrow(record({ schema_name: "t3", status: "active", payload: {} }, other)).span
    const refused = record({ schema_name: "t3", status: "active", payload: {} }, undefined, foreign)
    expect(Either.isLeft(refused) && refused.left._tag).toBe("InvalidInput")
    const own = Either.getOrThrow(record({ schema_name: "t3", status: "active", payload: {} })).span
    const child = Either.getOrThrow(record({ schema_name: "t3", status: "active", payload: {} }, undefined, own)).span
    expect(child.parent_span_id).toBe(own.id)
  })

  it("a span on a run its agent finished is refused with invalid_action", () => {
    for (const status of ["complete", "failed", "cancelled"] as const) {
      const refused = record({ schema_name: "t3", status: "active", payload: {} }, makeInstance({ status, risk: null }))
      expect(Either.isLeft(refused) && refused.left._tag).toBe("InvalidAction")
    }
  })

  it("a span reported to a terminated run is recorded closed, and the run stays terminated", () => {
    const stopped = makeInstance({ status: "terminated", risk: null })
    const open = Either.getOrThrow(record({ schema_name: "t3", status: "active", payload: { step: 1 } }, stopped))
    expect([open.span.status, open.span.finished_at, open.span.sequence]).toEqual(["terminated", at(50), 1])
    expect(open.instance).toMatchObject({ status: "terminated", span_counts: { ...Status.noCounts, total: 1, terminated: 1, finished: 1 } })
    const done = Either.getOrThrow(record({ schema_name: "t0", status: "complete", payload: {}, result_payload: { ok: true } }, open.instance))
    expect([done.span.status, done.span.conformance.result]).toEqual(["complete", "conforms"])
    expect(done.instance.span_counts).toMatchObject({ total: 2, terminated: 1, complete: 1, finished: 2 })
    // Its finish changes nothing; on a run that is not terminated, a terminated span's finish is refused as before.
    const finish = (instance: Instance.Instance) =>
      Span.finishSpan({ span: open.span, instance, input: { status: "complete", result_payload: { ok: true } }, context, now: at(60) })
    const answered = Either.getOrThrow(finish(done.instance))
    expect(answered.span).toBe(open.span)
    expect(answered.instance).toBe(done.instance)
    const refused = finish(makeInstance({ status: "active", risk: null }))
    expect(Either.isLeft(refused) && refused.left).toMatchObject({ _tag: "InvalidAction", entity: "agent_span", status: "terminated" })
  })

  it("times: started_at defaults to now, finished_at only for terminal spans, the finish timestamp is kept", () => {
    const open = Either.getOrThrow(record({ schema_name: "t0", status: "active", payload: {} })).span
    expect([open.started_at, open.finished_at]).toEqual([at(50), null])
    const early = Either.getOrThrow(record({ schema_name: "t0", status: "complete", payload: {}, started_at: at(-5), finished_at: at(-1) })).span
    expect([early.started_at, early.finished_at]).toEqual([at(-5), at(-1)])
    const done = Either.getOrThrow(record({ schema_name: "t0", status: "failed", payload: {} })).span
    expect(done.finished_at).toEqual(at(50))
    const finished = Either.getOrThrow(Span.finishSpan({
      span: open,
      instance: makeInstance({ status: "active", risk: null }),
      input: { status: "complete", timestamp: at(70) },
      context,
      now: at(80)
    })).span
    expect([finished.status, finished.finished_at, finished.updated_at]).toEqual(["complete", at(70), at(80)])
  })

  it("finishing checks the result now and moves the instance's conformance count", () => {
    const instance = makeInstance({ status: "active", risk: null })
    const recorded = Either.getOrThrow(record({ schema_name: "t0", status: "active", payload: {} }, instance))
    expect(recorded.span.conformance).toEqual({ payload: "conforms", result: "not_applicable", errors: [] })
    expect(recorded.instance.conformance_counts).toEqual({ conforms: 1, flagged: 0 })
    const bad = Either.getOrThrow(Span.finishSpan({
      span: recorded.span,
      instance: recorded.instance,
      input: { status: "complete", result_payload: { nope: true } },
      context,
      now: at(60)
    }))
    expect(bad.span.conformance.payload).toBe("conforms")
    expect(bad.span.conformance.result).toBe("mismatch")
    expect(bad.span.conformance.errors).toEqual([expect.objectContaining({ target: "result", keyword: "required" })])
    expect(bad.instance.conformance_counts).toEqual({ conforms: 0, flagged: 1 })
    expect(bad.instance.span_counts).toMatchObject({ total: 1, active: 0, complete: 1, finished: 1 })
    const good = Either.getOrThrow(Span.finishSpan({
      span: recorded.span,
      instance: recorded.instance,
      input: { status: "complete", result_payload: { ok: true } },
      context,
      now: at(60)
    }))
    expect(good.span.conformance.result).toBe("conforms")
    expect(good.instance.conformance_counts).toEqual({ conforms: 1, flagged: 0 })
    // A failed span's result is not held to the result schema.
    const failed = Either.getOrThrow(Span.finishSpan({
      span: recorded.span,
      instance: recorded.instance,
      input: { status: "failed", result_payload: { error: "boom" } },
      context,
      now: at(60)
    }))
    expect(failed.span.conformance.result).toBe("not_applicable")
    // Finishing a terminal span answers invalid_action.
    const again = Span.finishSpan({ span: bad.span, instance: bad.instance, input: { status: "complete" }, context, now: at(61) })
    expect(Either.isLeft(again) && again.left).toMatchObject({ _tag: "InvalidAction", entity: "agent_span", status: "complete" })
  })

  it("terminateOpenSpans closes exactly the instance's open spans and keeps their points", () => {
    const instance = makeInstance({ status: "active", risk: null })
    const outcomes = playRun(context, instance, names, [
      { kind: "record", type: 3, status: "active", parent: null, withResult: false },
      { kind: "record", type: 3, status: "pending", parent: null, withResult: false },
      { kind: "record", type: 3, status: "complete", parent: null, withResult: false },
      { kind: "record", type: 3, status: "cancelled", parent: null, withResult: false }
    ])
    const state = outcomes.at(-1)?.after
    if (state === undefined) throw new Error("no run")
    const foreign = Either.getOrThrow(record({ schema_name: "t3", status: "active", payload: {} }, makeInstance({ n: 3, status: "active", risk: null }))).span
    const closed = Span.terminateOpenSpans(state.instance, [...state.spans, foreign], at(99))
    expect(closed.spans.map((s) => [s.sequence, s.status, s.finished_at])).toEqual([[1, "terminated", at(99)], [2, "terminated", at(99)]])
    expect(closed.instance.span_counts).toEqual({
      total: 4,
      pending: 0,
      active: 0,
      complete: 1,
      failed: 0,
      cancelled: 1,
      terminated: 2,
      finished: 4
    })
    expect(closed.spans.map((s) => s.risk_points)).toEqual(state.spans.slice(0, 2).map((s) => s.risk_points))
  })

  it("as a client sends them: a finish without a status means complete, a span without a payload has {}", () => {
    expect(Schema.decodeUnknownSync(Span.SpanFinishInput)({})).toEqual({ status: "complete" })
    expect(Schema.decodeUnknownSync(Span.SpanInput)({ schema_name: "t", status: "active" })).toEqual({ schema_name: "t", status: "active", payload: {} })
  })

  it("the span title comes from the declaration, else the name", () => {
    const titled = contextOf(schemaOf([{ name: "t" }]), null)
    const span = Either.getOrThrow(Span.recordSpan({
      instance: makeInstance({ status: "active", risk: null }),
      input: { schema_name: "ghost", status: "active", payload: {} },
      parent: null,
      context: titled,
      id: idOf(Ids.SpanId, 1),
      now: at(1)
    })).span
    expect(span.schema_title).toBe("ghost")
    expect(span.conformance.payload).toBe("undeclared_type")
  })
})

describe("span batches", () => {
  it("a span is recorded on a registered run only", () => {
    const run = idOf(Ids.InstanceId, 1)
    expect(Span.runOf({ agent_instance_id: run })).toEqual(Either.right(run))
    const unregistered = Span.runOf({ agent_instance_id: null })
    expect(Either.isLeft(unregistered) && unregistered.left.errors).toEqual({ agent_instance_id: ["is required (the run was not registered)"] })
  })

  it.prop(
    "an id is refused exactly when the batch already holds it",
    [fc.uniqueArray(fc.nat({ max: 20 }), { maxLength: 10 }), fc.nat({ max: 20 })],
    ([held, n]) => {
      const batch = new Map(held.map((i) => [idOf(Ids.SpanId, i), i]))
      const id = idOf(Ids.SpanId, n)
      const result = Span.checkNewInBatch(batch, id)
      if (held.includes(n)) expect(Either.isLeft(result) && result.left).toEqual(new Conflict({ message: `span ${id} appears twice in the batch` }))
      else expect(result).toEqual(Either.right(id))
    },
    { fastCheck: { numRuns: runs(100) } }
  )
})
