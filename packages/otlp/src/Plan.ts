/**
 * What a request asks of the ledger, before anything is read or written: its spans checked and
 * mapped (`Reported.ts`), grouped by resource and trace (a resource names the agent and
 * environment, a trace is a run), each group with parents before their children, its root if
 * the group holds it, and its earliest start. A span sent twice in one request is one span; a
 * span refused on its own keeps its reason for the partial success; spans whose parents form a
 * cycle within the request are refused (a tree has no cycles).
 */
import { Either } from "effect"
import { attributeMap } from "./genai/Payload.js"
import type * as Model from "./Model.js"
import { report, type Reported } from "./Reported.js"

/** The spans of one trace under one resource. */
export interface TraceGroup {
  readonly traceId: string
  /** The resource's attributes, which choose the agent, environment and version of an account token's run. */
  readonly resource: ReadonlyMap<string, Model.AnyValue>
  /** Parents (in this group) before children. */
  readonly spans: ReadonlyArray<Reported>
  /** The span that ends the run, when this group holds it: its root (the earliest, if several). */
  readonly root: Reported | undefined
  /** The earliest start among the spans, epoch milliseconds. */
  readonly startedAt: number
}

export interface Refused {
  readonly spanId: string
  readonly reason: string
}

export interface Plan {
  readonly groups: ReadonlyArray<TraceGroup>
  readonly refused: ReadonlyArray<Refused>
  /** Spans sent more than once in the request: each lands once, and none is refused. */
  readonly repeated: number
}

/**
 * The spans in an order where each parent present comes before its children; spans whose parent
 * chain loops within the group are returned apart.
 */
export const parentsFirst = (spans: ReadonlyArray<Reported>): { readonly ordered: ReadonlyArray<Reported>; readonly looped: ReadonlyArray<Reported> } => {
  const byId = new Map(spans.map((span) => [span.spanId, span]))
  const state = new Map<string, "placing" | "placed" | "looped">()
  const ordered: Array<Reported> = []
  const looped: Array<Reported> = []
  for (const start of spans) {
    if (state.has(start.spanId)) continue
    // The chain up to the first ancestor already placed (or absent), placed from the top down.
    const chain: Array<Reported> = []
    let loops = false
    for (let span: Reported | undefined = start; span !== undefined; span = span.parentSpanId === null ? undefined : byId.get(span.parentSpanId)) {
      const seen = state.get(span.spanId)
      if (seen === "placing") {
        loops = true
        break
      }
      // An ancestor already placed, or refused for a loop it is in (this span is not in it).
      if (seen !== undefined) break
      state.set(span.spanId, "placing")
      chain.push(span)
    }
    for (let index = chain.length - 1; index >= 0; index--) {
      const span = chain[index]
      if (span === undefined) continue
      state.set(span.spanId, loops ? "looped" : "placed")
      ;(loops ? looped : ordered).push(span)
    }
  }
  return { ordered, looped }
}

/** The plan of a decoded request. */
export const plan = (request: Model.ExportRequest): Plan => {
  const groups: Array<TraceGroup> = []
  const refused: Array<Refused> = []
  let repeated = 0
  for (const resourceSpans of request.resourceSpans) {
    const resource = attributeMap(resourceSpans.resource.attributes)
    const byTrace = new Map<string, Map<string, Reported>>()
    for (const scopeSpans of resourceSpans.scopeSpans) {
      for (const span of scopeSpans.spans) {
        const reported = report(span, scopeSpans.scope)
        if (Either.isLeft(reported)) {
          refused.push({ spanId: span.spanId, reason: reported.left })
          continue
        }
        let trace = byTrace.get(span.traceId)
        if (trace === undefined) {
          trace = new Map()
          byTrace.set(span.traceId, trace)
        }
        if (trace.has(span.spanId)) repeated++
        else trace.set(span.spanId, reported.right)
      }
    }
    for (const [traceId, spans] of byTrace) {
      const { looped, ordered } = parentsFirst([...spans.values()])
      for (const span of looped) refused.push({ spanId: span.spanId, reason: "its parent chain loops back to it" })
      if (ordered.length === 0) continue
      let startedAt = Number.POSITIVE_INFINITY
      let root: Reported | undefined
      for (const span of ordered) {
        startedAt = Math.min(startedAt, span.startedAt)
        if (span.parentSpanId === null && (root === undefined || span.startedAt < root.startedAt)) root = span
      }
      groups.push({ traceId, resource, spans: ordered, root, startedAt })
    }
  }
  return { groups, refused, repeated }
}

/** The partial success's message: how many spans were refused, by reason, then any warnings. */
export const refusalMessage = (refused: ReadonlyArray<Refused>, warnings: ReadonlyArray<string> = []): string => {
  const counts = new Map<string, number>()
  for (const { reason } of refused) counts.set(reason, (counts.get(reason) ?? 0) + 1)
  const reasons = [...counts].map(([reason, count]) => `${reason} (${count})`).join("; ")
  const parts = refused.length === 0 ? [] : [`${refused.length} ${refused.length === 1 ? "span was" : "spans were"} refused: ${reasons}`]
  const text = [...parts, ...warnings].join("; ")
  return text.length > 2000 ? `${text.slice(0, 1999)}…` : text
}
