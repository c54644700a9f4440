import { describe, expect, it } from "@effect/vitest"
import { type Model, Plan } from "@agentledger/otlp"
import { FastCheck as fc } from "effect"
import * as arbitraries from "./support/arbitraries.js"
import { attributes, scope, span, traceId } from "./support/spans.js"

const hexOf = (index: number) => (index + 1).toString(16).padStart(16, "0")

const request = (spans: ReadonlyArray<Model.Span>, resource: Parameters<typeof attributes>[0] = { "service.name": "agent-x" }): Model.ExportRequest => ({
  resourceSpans: [{ resource: { attributes: attributes(resource), droppedAttributesCount: 0 }, scopeSpans: [{ scope, spans, schemaUrl: "" }], schemaUrl: "" }]
})

/** A random tree of `size` spans (the first the root, each other's parent an earlier one), sent in a random order. */
const shuffledTree = fc.integer({ min: 1, max: 30 }).chain((size) =>
  fc.tuple(
    fc.tuple(...Array.from({ length: size }, (_, index) => fc.integer({ min: index === 0 ? -1 : 0, max: index - 1 }))),
    fc.shuffledSubarray(Array.from({ length: size }, (_, index) => index), { minLength: size, maxLength: size })
  )
)

describe("Plan.plan", () => {
  it.prop("orders every span of a trace after its parent, whatever order they came in", [shuffledTree], ([[parents, order]]) => {
    const spans = order.map((index) => span({ spanId: hexOf(index), parentSpanId: (parents[index] ?? -1) < 0 ? "" : hexOf(parents[index] ?? 0), startTimeUnixNano: BigInt(1_000_000 * (1000 + index)) }))
    const planned = Plan.plan(request(spans))
    expect(planned.refused).toEqual([])
    expect(planned.groups).toHaveLength(1)
    const ordered = planned.groups[0]?.spans ?? []
    expect(new Set(ordered.map((reported) => reported.spanId))).toEqual(new Set(spans.map((s) => s.spanId)))
    const position = new Map(ordered.map((reported, index) => [reported.spanId, index]))
    for (const reported of ordered) {
      if (reported.parentSpanId !== null) expect(position.get(reported.parentSpanId) ?? -1).toBeLessThan(position.get(reported.spanId) ?? -1)
    }
    expect(planned.groups[0]?.root?.spanId).toBe(hexOf(0))
    expect(planned.groups[0]?.startedAt).toBe(1000)
  }, { fastCheck: { numRuns: arbitraries.runs(200) } })

  it("groups spans by resource and trace, keeps a span sent twice once, and refuses spans on their own", () => {
    const other = "0af7651916cd43dd8448eb211c80319c"
    const planned = Plan.plan({
      resourceSpans: [
        ...request([span({ spanId: hexOf(1) }), span({ spanId: hexOf(1) }), span({ spanId: hexOf(2), traceId: other }), span({ spanId: hexOf(3), endTimeUnixNano: 1n })]).resourceSpans,
        ...request([span({ spanId: hexOf(4) })], { "service.name": "agent-y" }).resourceSpans
      ]
    })
    expect(planned.groups.map((group) => [group.traceId, group.spans.map((s) => s.spanId), group.resource.get("service.name")])).toEqual([
      [traceId, [hexOf(1)], { _tag: "string", value: "agent-x" }],
      [other, [hexOf(2)], { _tag: "string", value: "agent-x" }],
      [traceId, [hexOf(4)], { _tag: "string", value: "agent-y" }]
    ])
    expect(planned.repeated).toBe(1)
    expect(planned.refused).toEqual([{ spanId: hexOf(3), reason: "it ends before it starts" }])
  })

  it("takes the earliest of several roots as the one that ends the run", () => {
    const planned = Plan.plan(request([span({ spanId: hexOf(1), startTimeUnixNano: 3_000_000n }), span({ spanId: hexOf(2), startTimeUnixNano: 2_000_000n })]))
    expect(planned.groups[0]?.root?.spanId).toBe(hexOf(2))
  })

  it("refuses spans whose parents loop within the request, and keeps their children", () => {
    const planned = Plan.plan(request([
      span({ spanId: hexOf(1), parentSpanId: hexOf(2) }),
      span({ spanId: hexOf(2), parentSpanId: hexOf(1) }),
      span({ spanId: hexOf(3), parentSpanId: hexOf(1) }),
      span({ spanId: hexOf(4), parentSpanId: hexOf(4) })
    ]))
    expect(planned.refused.map((refusal) => refusal.spanId).sort()).toEqual([hexOf(1), hexOf(2), hexOf(4)])
    expect(planned.groups[0]?.spans.map((s) => s.spanId)).toEqual([hexOf(3)])
    expect(planned.groups[0]?.root).toBeUndefined()
  })

  it("sums the refusals up by reason, within a bounded message", () => {
    expect(Plan.refusalMessage([{ spanId: "a", reason: "x" }, { spanId: "b", reason: "x" }, { spanId: "c", reason: "y" }])).toBe("3 spans were refused: x (2); y (1)")
    expect(Plan.refusalMessage(Array.from({ length: 500 }, (_, index) => ({ spanId: "a", reason: `reason ${index}` }))).length).toBeLessThanOrEqual(2000)
    // Warnings follow the refusals, and stand alone when every span landed.
    expect(Plan.refusalMessage([{ spanId: "a", reason: "x" }], ["the run could not be finished"])).toBe("1 span was refused: x (1); the run could not be finished")
    expect(Plan.refusalMessage([], ["the run could not be finished"])).toBe("the run could not be finished")
  })
})
