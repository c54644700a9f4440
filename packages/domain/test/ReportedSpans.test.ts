/**
 * Spans reported after they completed (docs/domain.md "Spans reported after they completed",
 * `ReportedSpans`): whatever order a trace's spans arrive in — children before parents, the root
 * (which finishes the run) before late children — every span within the run's time is recorded
 * once, under the parent it names, and the run ends as it would have in order; outside the run's
 * time, or on a run stopped by hand, a span is refused. Without the option nothing changes.
 */
import { describe, expect, it } from "@effect/vitest"
import { Either, FastCheck as fc } from "effect"
import { Ids, Instance, ReportedSpans, Span, Timeline } from "@agentledger/domain"
import { runs, seededRandom, shuffle } from "./arbitraries.js"
import { at, contextOf, idOf, makeInstance, schemaOf } from "./fixtures.js"

const context = contextOf(schemaOf([{ name: "t" }]), null)

const input = (start: number, end: number, parent: Ids.SpanId | null = null, status: "complete" | "failed" = "complete"): Span.SpanInput => ({
  schema_name: "t",
  status,
  payload: {},
  result_payload: {},
  parent_span_id: parent,
  started_at: at(start),
  finished_at: at(end)
})

/** A trace: a root spanning [0, 1000] and children within it, each under the root or an earlier child. */
const trace = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 998 }), fc.integer({ min: 0, max: 500 })), { maxLength: 25 }).map((children) => {
  const spans: Array<{ readonly id: Ids.SpanId; readonly input: Span.SpanInput }> = [{ id: idOf(Ids.SpanId, 1), input: input(0, 1000) }]
  children.forEach(([parentIndex, start, length], index) => {
    const parent = spans[parentIndex % spans.length]
    spans.push({ id: idOf(Ids.SpanId, index + 2), input: input(start, Math.min(999, start + length), parent?.id ?? null) })
  })
  return spans
})

/**
 * Records spans in the order given, as the OTLP ingestion does: each reported after it completed,
 * its parent looked up among those recorded (else awaited), and the run finished when the root arrives.
 */
const replay = (spans: ReadonlyArray<{ readonly id: Ids.SpanId; readonly input: Span.SpanInput }>, start: Instance.Instance = makeInstance({ status: "pending", risk: null })) => {
  let instance = start
  const recorded = new Map<string, Span.Span>()
  const refused: Array<string> = []
  for (const [index, { id, input: given }] of spans.entries()) {
    const named = given.parent_span_id ?? null
    const parent = named === null ? null : recorded.get(named) ?? null
    const now = at(10_000 + index)
    const next = Span.recordSpan({ instance, input: given, parent, context, id, now, reported: "completed", awaitedParent: parent === null ? named : null })
    if (Either.isLeft(next)) {
      refused.push(next.left._tag)
      continue
    }
    instance = next.right.instance
    recorded.set(id, next.right.span)
    if (named === null && given.finished_at !== undefined && given.finished_at !== null) {
      instance = Either.getOrThrow(Instance.finish(instance, given.status === "failed" ? "failed" : "complete", given.finished_at, now))
    }
  }
  return { instance, recorded, refused }
}

describe("spans reported after they completed", () => {
  it.prop("land once each, under their parents, in any arrival order, and the run ends as in order", [trace, fc.integer()], ([spans, seed]) => {
    const inOrder = replay(spans)
    const shuffled = replay(shuffle(spans, seededRandom(seed)))
    for (const outcome of [inOrder, shuffled]) {
      expect(outcome.refused).toEqual([])
      expect(outcome.instance).toMatchObject({ status: "complete", started_at: at(0), finished_at: at(1000) })
      expect(outcome.instance.span_counts).toMatchObject({ total: spans.length, complete: spans.length })
      const flat = Timeline.flatten(Timeline.timeline([...outcome.recorded.values()]))
      expect(flat).toHaveLength(spans.length)
      for (const { span } of flat) expect(span.parent_span_id).toBe(spans.find((s) => s.id === span.id)?.input.parent_span_id ?? null)
    }
    // The same tree (siblings that start together are ordered by arrival, so only the order among them may differ).
    const depths = (outcome: typeof inOrder) =>
      new Map(Timeline.flatten(Timeline.timeline([...outcome.recorded.values()])).map(({ depth, span }) => [span.id, depth]))
    expect(depths(shuffled)).toEqual(depths(inOrder))
  }, { fastCheck: { numRuns: runs(200) } })

  it("moves a run's start back to an earlier span's, and starts a pending run at its span's start", () => {
    const pending = makeInstance({ status: "pending", risk: null })
    const started = Either.getOrThrow(ReportedSpans.admit(pending, { started_at: at(50), finished_at: at(60) }, at(100)))
    expect(started).toMatchObject({ status: "active", started_at: at(50), updated_at: at(100) })
    expect(Either.getOrThrow(ReportedSpans.admit(started, { started_at: at(20), finished_at: at(30) }, at(101))).started_at).toEqual(at(20))
    expect(Either.getOrThrow(ReportedSpans.admit(started, { started_at: at(70), finished_at: at(80) }, at(101)))).toBe(started)
  })

  it.prop("a finished run takes a span exactly when it lies within the run's time; a terminated run takes every span, a cancelled one none", [
    fc.integer({ min: 0, max: 100 }),
    fc.integer({ min: 0, max: 100 }),
    fc.constantFrom<Instance.Instance["status"]>("complete", "failed", "cancelled", "terminated")
  ], ([start, length, status]) => {
    const run = { ...makeInstance({ status, risk: null }), started_at: at(20), finished_at: at(80) }
    const span = { started_at: at(start), finished_at: at(start + length) }
    const admitted = ReportedSpans.admit(run, span, at(200))
    const within = start >= 20 && start + length <= 80
    expect(Either.isRight(admitted)).toBe(status === "terminated" || (within && (status === "complete" || status === "failed")))
    if (Either.isRight(admitted)) expect(admitted.right).toBe(run)
    else expect(admitted.left._tag).toBe("InvalidAction")
  }, { fastCheck: { numRuns: runs(200) } })

  it("counts a late span into a finished run's counts", () => {
    const run = { ...makeInstance({ status: "complete", risk: null }), started_at: at(0), finished_at: at(1000) }
    const late = Either.getOrThrow(Span.recordSpan({ instance: run, input: input(10, 20, idOf(Ids.SpanId, 7)), parent: null, context, id: idOf(Ids.SpanId, 8), now: at(5000), reported: "completed", awaitedParent: idOf(Ids.SpanId, 7) }))
    expect(late.instance).toMatchObject({ status: "complete", span_counts: { total: 1, complete: 1, finished: 1 } })
    expect(late.span).toMatchObject({ parent_span_id: idOf(Ids.SpanId, 7), started_at: at(10), finished_at: at(20) })
  })

  it("takes no late span into a redacted run, however it is reported: its data was erased and stays so", () => {
    const run = { ...makeInstance({ status: "complete", risk: null }), started_at: at(0), finished_at: at(1000), redacted_at: at(2000) }
    for (const reported of ["completed", undefined] as const) {
      const refused = Span.recordSpan({ instance: run, input: input(10, 20), parent: null, context, id: idOf(Ids.SpanId, 9), now: at(5000), reported })
      expect(Either.getLeft(refused).pipe((left) => left._tag === "Some" ? left.value._tag : "admitted")).toBe("InvalidAction")
    }
  })

  it("asks a reported span to be terminal with a start and an end, the end not before the start", () => {
    const field = (given: Span.SpanInput) => Either.getLeft(ReportedSpans.validate(given)).pipe((left) => (left._tag === "Some" ? Object.keys(left.value.errors) : []))
    expect(field({ ...input(0, 10), status: "active", result_payload: null })).toEqual(["status"])
    expect(field({ ...input(0, 10), started_at: null })).toEqual(["started_at"])
    expect(field({ ...input(0, 10), finished_at: undefined })).toEqual(["finished_at"])
    expect(field(input(10, 5))).toEqual(["finished_at"])
    expect(ReportedSpans.validate(input(5, 5))).toEqual(Either.right({ started_at: at(5), finished_at: at(5) }))
  })

  it("awaits only a parent id of the account's partition", () => {
    const own = idOf(Ids.SpanId, 3)
    expect(ReportedSpans.awaitedParent(own, Ids.partitionOf(own))).toEqual(Either.right(own))
    const other = Ids.SpanId.make(Ids.encode(1, Ids.Partition.make(7, true), "0000000000000000"), true)
    expect(Either.isLeft(ReportedSpans.awaitedParent(other, Ids.partitionOf(own)))).toBe(true)
  })

  it("leaves the ordinary rules alone without the option: a finished run takes no span, a named parent is the caller's to find", () => {
    const run = { ...makeInstance({ status: "complete", risk: null }), started_at: at(0), finished_at: at(1000) }
    const refused = Span.recordSpan({ instance: run, input: input(10, 20), parent: null, context, id: idOf(Ids.SpanId, 9), now: at(5000) })
    expect(Either.isLeft(refused) && refused.left._tag).toBe("InvalidAction")
    const active = makeInstance({ status: "active", risk: null })
    const ignored = Either.getOrThrow(Span.recordSpan({ instance: active, input: input(10, 20), parent: null, context, id: idOf(Ids.SpanId, 10), now: at(5000), awaitedParent: idOf(Ids.SpanId, 7) }))
    expect(ignored.span.parent_span_id).toBeNull()
    // An earlier span does not move the run's start.
    expect(ignored.instance.started_at).toEqual(active.started_at)
  })
})
