/**
 * The activity timeline of a run: its spans as a tree, siblings ordered by `started_at` and then
 * by creation order. A child may start before its parent was recorded (clients send parents
 * first but stamp times themselves); the tree still holds it under its parent.
 *
 * The order needs only a span's place (`TimelineSpan`: id, parent, start, sequence), so it is
 * computed alike over whole spans (a timeline read) and over their outlines (an export, which
 * orders the run first and reads the payloads after).
 */
import { DateTime } from "effect"
import type { Span } from "./Span.js"

/** What places a span in the timeline. */
export type TimelineSpan = Pick<Span, "id" | "parent_span_id" | "started_at" | "sequence">

export interface TimelineNode<S extends TimelineSpan = Span> {
  readonly span: S
  readonly children: ReadonlyArray<TimelineNode<S>>
}

/** Timeline order: `started_at`, then creation order. */
export const compareTimeline = (a: TimelineSpan, b: TimelineSpan): number => {
  const byStart = DateTime.toEpochMillis(a.started_at) - DateTime.toEpochMillis(b.started_at)
  return byStart !== 0 ? byStart : a.sequence - b.sequence
}

/**
 * The tree of a run's spans. A span whose parent is not among `spans` is shown as a root, so a
 * partial read never drops a span; nor does a loop of parents (spans reported after they
 * completed name parents that arrive later, and could name each other): a span no root reaches
 * is shown as a root too, the earliest of its loop first, and each span appears once.
 */
export const timeline = <S extends TimelineSpan>(spans: ReadonlyArray<S>): ReadonlyArray<TimelineNode<S>> => {
  const ids = new Set(spans.map((span) => span.id))
  const children = new Map<string, Array<S>>()
  const roots: Array<S> = []
  for (const span of spans) {
    const parent = span.parent_span_id
    if (parent !== null && ids.has(parent) && parent !== span.id) {
      const siblings = children.get(parent)
      if (siblings === undefined) children.set(parent, [span])
      else siblings.push(span)
    } else {
      roots.push(span)
    }
  }
  const placed = new Set<string>()
  // Iterative, so a 10,000-deep chain of spans cannot exhaust the stack.
  const build = (span: S): TimelineNode<S> => {
    const root: { span: S; children: Array<TimelineNode<S>> } = { span, children: [] }
    placed.add(span.id)
    const stack: Array<{ span: S; children: Array<TimelineNode<S>> }> = [root]
    for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
      const kids = (children.get(node.span.id) ?? []).sort(compareTimeline)
      for (const kid of kids) {
        if (placed.has(kid.id)) continue
        placed.add(kid.id)
        const child = { span: kid, children: [] }
        node.children.push(child)
        stack.push(child)
      }
    }
    return root
  }
  const tree = roots.sort(compareTimeline).map(build)
  if (placed.size === spans.length) return tree
  // Spans whose parents loop: each loop hangs from its earliest span, shown as a root.
  for (const span of [...spans].sort(compareTimeline)) if (!placed.has(span.id)) tree.push(build(span))
  return tree.sort((a, b) => compareTimeline(a.span, b.span))
}

/** The tree flattened depth-first: the order a reader scans a run in. */
export const flatten = <S extends TimelineSpan>(
  nodes: ReadonlyArray<TimelineNode<S>>
): ReadonlyArray<{ readonly span: S; readonly depth: number }> => {
  const out: Array<{ span: S; depth: number }> = []
  const stack: Array<{ node: TimelineNode<S>; depth: number }> = nodes.map((node) => ({ node, depth: 0 })).reverse()
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    out.push({ span: item.node.span, depth: item.depth })
    for (let i = item.node.children.length - 1; i >= 0; i--) {
      const child = item.node.children[i]
      if (child !== undefined) stack.push({ node: child, depth: item.depth + 1 })
    }
  }
  return out
}
