/**
 * The timeline (docs/domain.md "Spans"): the spans of a run as a tree, siblings ordered by
 * `started_at` then creation order; a child that started before its parent stays under it; a
 * span whose parent is missing is a root, so nothing is dropped.
 */
import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { Ids, Span, Timeline } from "@agentledger/domain"
import { runs, seededRandom, shuffle } from "./arbitraries.js"
import { at, idOf, makeInstance } from "./fixtures.js"

const instance = makeInstance({ status: "active", risk: null })

const makeSpan = (sequence: number, parent: Ids.SpanId | null, startedAt: number, validate = true) =>
  Span.Span.make({
    id: idOf(Ids.SpanId, sequence),
    account_id: instance.account_id,
    agent_id: instance.agent_id,
    agent_instance_id: instance.id,
    parent_span_id: parent,
    schema_name: "t",
    schema_title: "t",
    status: "active",
    payload: {},
    result_payload: null,
    sensitive_encoding: null,
    summary: null,
    started_at: at(startedAt),
    finished_at: null,
    conformance: { payload: "conforms", result: "not_applicable", errors: [] },
    risk_points: 0,
    sequence,
    inserted_at: at(sequence),
    updated_at: at(sequence)
  }, !validate)

/** Where each span's parent is: none, an earlier span (by index), or a span not in the read. */
type ParentChoice = { readonly kind: "none" } | { readonly kind: "earlier"; readonly index: number } | { readonly kind: "missing" }

const forest = fc.array(
  fc.record({
    parent: fc.oneof(
      { arbitrary: fc.constant<ParentChoice>({ kind: "none" }), weight: 1 },
      { arbitrary: fc.nat({ max: 40 }).map((index): ParentChoice => ({ kind: "earlier", index })), weight: 4 },
      { arbitrary: fc.constant<ParentChoice>({ kind: "missing" }), weight: 1 }
    ),
    // Few distinct start times, so ties (broken by creation order) are common.
    start: fc.integer({ min: 0, max: 5 })
  }),
  { maxLength: 40 }
).map((choices) => {
  const spans: Array<Span.Span> = []
  choices.forEach(({ parent, start }, i) => {
    const earlier = parent.kind === "earlier" && spans.length > 0 ? spans[parent.index % spans.length] : undefined
    const parentId = parent.kind === "missing" ? idOf(Ids.SpanId, 100_000 + i) : earlier?.id ?? null
    spans.push(makeSpan(i + 1, parentId, start))
  })
  return spans
})

/** The expected depth-first reading, built recursively from the definition. */
const reference = (spans: ReadonlyArray<Span.Span>): Array<readonly [string, number]> => {
  const ids = new Set(spans.map((s) => s.id))
  const order = (a: Span.Span, b: Span.Span) =>
    a.started_at.epochMillis - b.started_at.epochMillis || a.sequence - b.sequence
  const childrenOf = (id: string) => spans.filter((s) => s.parent_span_id === id).sort(order)
  const out: Array<readonly [string, number]> = []
  const visit = (span: Span.Span, depth: number) => {
    out.push([span.id, depth])
    for (const child of childrenOf(span.id)) visit(child, depth + 1)
  }
  for (const root of spans.filter((s) => s.parent_span_id === null || !ids.has(s.parent_span_id)).sort(order)) visit(root, 0)
  return out
}

describe("Timeline", () => {
  it.prop(
    "every span appears once, under its parent, siblings by start then creation order, whatever the input order",
    [forest, fc.integer()],
    ([spans, seed]) => {
      const input = shuffle(spans, seededRandom(seed))
      const tree = Timeline.timeline(input)
      const flat = Timeline.flatten(tree)
      expect(flat.map(({ depth, span }) => [span.id, depth] as const)).toEqual(reference(spans))
      expect(flat).toHaveLength(spans.length)
      const check = (nodes: ReadonlyArray<Timeline.TimelineNode>, parent: Span.Span | null) => {
        for (let i = 0; i < nodes.length; i++) {
          const node = nodes[i]
          const previous = nodes[i - 1]
          if (node === undefined) continue
          if (parent !== null) expect(node.span.parent_span_id).toBe(parent.id)
          if (previous !== undefined) expect(Timeline.compareTimeline(previous.span, node.span)).toBeLessThan(0)
          check(node.children, node.span)
        }
      }
      check(tree, null)
    },
    { fastCheck: { numRuns: runs(300) } }
  )

  it("a child that started before its parent stays under it", () => {
    const parent = makeSpan(1, null, 50)
    const child = makeSpan(2, parent.id, 10)
    const other = makeSpan(3, null, 20)
    const flat = Timeline.flatten(Timeline.timeline([child, other, parent]))
    expect(flat.map(({ depth, span }) => [span.sequence, depth])).toEqual([[3, 0], [1, 0], [2, 1]])
  })

  it("a 10,000-deep chain neither overflows the stack nor loses a span", () => {
    const spans: Array<Span.Span> = []
    for (let i = 1; i <= 10_000; i++) spans.push(makeSpan(i, spans.at(-1)?.id ?? null, i, false))
    const flat = Timeline.flatten(Timeline.timeline(spans))
    expect(flat).toHaveLength(10_000)
    expect(flat.at(-1)?.depth).toBe(9_999)
    expect(flat.at(-1)?.span.sequence).toBe(10_000)
  })

  it("a span naming itself as parent is a root", () => {
    const self = makeSpan(1, idOf(Ids.SpanId, 1), 0)
    expect(Timeline.flatten(Timeline.timeline([self])).map(({ depth, span }) => [span.sequence, depth])).toEqual([[1, 0]])
  })
})

describe("Timeline with parents that loop", () => {
  /** Spans whose parents are any span of the set (later ones too, so loops happen) or none. */
  const tangle = fc.array(fc.tuple(fc.option(fc.nat(), { nil: null }), fc.integer({ min: 0, max: 5 })), { minLength: 1, maxLength: 30 }).map((choices) =>
    choices.map(([parent, start], i) => makeSpan(i + 1, parent === null ? null : idOf(Ids.SpanId, (parent % choices.length) + 1), start))
  )

  it.prop("shows every span once, each under the parent it names or as a root", [tangle, fc.integer()], ([spans, seed]) => {
    const flat = Timeline.flatten(Timeline.timeline(shuffle(spans, seededRandom(seed))))
    expect(flat.map(({ span }) => span.id).sort()).toEqual(spans.map((span) => span.id).sort())
    for (const [index, { depth, span }] of flat.entries()) {
      if (depth === 0) continue
      const parent = flat.slice(0, index).reverse().find((item) => item.depth === depth - 1)
      expect(parent?.span.id).toBe(span.parent_span_id)
    }
  }, { fastCheck: { numRuns: runs(300) } })

  it("hangs a loop from its earliest span", () => {
    const a = makeSpan(1, idOf(Ids.SpanId, 2), 5)
    const b = makeSpan(2, idOf(Ids.SpanId, 1), 3)
    expect(Timeline.flatten(Timeline.timeline([a, b])).map(({ depth, span }) => [span.sequence, depth])).toEqual([[2, 0], [1, 1]])
  })
})
