/**
 * The activity timeline of a run: its spans as a tree, siblings ordered by `started_at` and then
 * by creation order. A child may start before its parent was recorded (clients send parents
 * first but stamp times themselves); the tree still holds it under its parent.
 */
import { DateTime } from "effect"
import type { Span } from "./Span.js"

export interface TimelineNode {
  readonly span: Span
  readonly children: ReadonlyArray<TimelineNode>
}

/** Timeline order: `started_at`, then creation order. */
export const compareTimeline = (a: Span, b: Span): number => {
  const byStart = DateTime.toEpochMillis(a.started_at) - DateTime.toEpochMillis(b.started_at)
  return byStart !== 0 ? byStart : a.sequence - b.sequence
}

/**
 * The tree of a run's spans. A span whose parent is not among `spans` is shown as a root, so a
 * partial read never drops a span.
 */
export const timeline = (spans: ReadonlyArray<Span>): ReadonlyArray<TimelineNode> => {
  const ids = new Set(spans.map((span) => span.id))
  const children = new Map<string, Array<Span>>()
  const roots: Array<Span> = []
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
  // Iterative, so a 10,000-deep chain of spans cannot exhaust the stack.
  const build = (span: Span): TimelineNode => {
    const root: { span: Span; children: Array<TimelineNode> } = { span, children: [] }
    const stack: Array<{ span: Span; children: Array<TimelineNode> }> = [root]
    for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
      const kids = (children.get(node.span.id) ?? []).sort(compareTimeline)
      for (const kid of kids) {
        const child = { span: kid, children: [] }
        node.children.push(child)
        stack.push(child)
      }
    }
    return root
  }
  return roots.sort(compareTimeline).map(build)
}

/** The tree flattened depth-first: the order a reader scans a run in. */
export const flatten = (nodes: ReadonlyArray<TimelineNode>): ReadonlyArray<{ readonly span: Span; readonly depth: number }> => {
  const out: Array<{ span: Span; depth: number }> = []
  const stack: Array<{ node: TimelineNode; depth: number }> = nodes.map((node) => ({ node, depth: 0 })).reverse()
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    out.push({ span: item.node.span, depth: item.depth })
    for (let i = item.node.children.length - 1; i >= 0; i--) {
      const child = item.node.children[i]
      if (child !== undefined) stack.push({ node: child, depth: item.depth + 1 })
    }
  }
  return out
}
