/**
 * A run's spans as the tree the Activity tab shows, built as the outline's pages arrive: each
 * span goes under its parent, siblings in the order the API's timeline uses (start time, then
 * creation order), and the visible rows are the tree flattened depth-first without the children
 * of collapsed spans. The API's pages come in creation order, so a parent always arrives before
 * its children; a span whose parent never arrives is shown as a root, as the API's timeline does.
 *
 * Iterative throughout (a 10,000-deep chain of spans must not exhaust the stack); adding a page
 * costs its own spans, flattening costs the rows.
 */
import type { SpanOutline } from "../../api/Runs.js"

interface Node {
  readonly span: SpanOutline
  readonly startMs: number
  readonly children: Array<Node>
}

/** One visible row. */
export interface Row {
  readonly span: SpanOutline
  readonly depth: number
  readonly hasChildren: boolean
  readonly expanded: boolean
  /** The id of the parent row, for moving up the tree with the keyboard. */
  readonly parentId: string | null
  /** Position among its siblings (1-based) and their number, for assistive technology. */
  readonly position: number
  readonly siblings: number
}

const msOf = (iso: string | null): number => (iso === null ? Number.NaN : Date.parse(iso))

/** Timeline order: start time, then creation order. */
const before = (a: Node, b: Node): boolean => (a.startMs !== b.startMs ? a.startMs < b.startMs : a.span.sequence < b.span.sequence)

/** Inserts `node` among `siblings`, which are kept in timeline order; appending is the common case. */
const insert = (siblings: Array<Node>, node: Node): void => {
  const last = siblings[siblings.length - 1]
  if (last === undefined || before(last, node)) {
    siblings.push(node)
    return
  }
  let low = 0
  let high = siblings.length
  while (low < high) {
    const middle = (low + high) >> 1
    const sibling = siblings[middle]
    if (sibling !== undefined && before(sibling, node)) low = middle + 1
    else high = middle
  }
  siblings.splice(low, 0, node)
}

export class SpanForest {
  readonly #nodes = new Map<string, Node>()
  readonly #roots: Array<Node> = []
  /** Spans whose parent has not arrived yet, by parent id. */
  readonly #waiting = new Map<string, Array<Node>>()
  #firstStart = Number.POSITIVE_INFINITY
  #lastEnd = Number.NEGATIVE_INFINITY

  get size(): number {
    return this.#nodes.size
  }

  /** The earliest start and the latest end (or start, for open spans) of the spans so far. */
  get extent(): { readonly start: number; readonly end: number } | null {
    return this.#nodes.size === 0 ? null : { start: this.#firstStart, end: this.#lastEnd }
  }

  has(id: string): boolean {
    return this.#nodes.has(id)
  }

  /** Adds a page of spans (in creation order). */
  add(spans: ReadonlyArray<SpanOutline>): void {
    for (const span of spans) {
      if (this.#nodes.has(span.id)) continue
      const node: Node = { span, startMs: msOf(span.started_at), children: [] }
      this.#nodes.set(span.id, node)
      if (node.startMs < this.#firstStart) this.#firstStart = node.startMs
      const end = span.finished_at === null ? node.startMs : msOf(span.finished_at)
      if (end > this.#lastEnd) this.#lastEnd = end
      const parentId = span.parent_span_id
      const parent = parentId === null || parentId === span.id ? undefined : this.#nodes.get(parentId)
      if (parent !== undefined) insert(parent.children, node)
      else if (parentId === null || parentId === span.id) insert(this.#roots, node)
      else this.#waiting.set(parentId, [...(this.#waiting.get(parentId) ?? []), node])
      const orphans = this.#waiting.get(span.id)
      if (orphans !== undefined) {
        this.#waiting.delete(span.id)
        for (const orphan of orphans) insert(node.children, orphan)
      }
    }
  }

  /** Once every page is in: spans whose parent never came are shown as roots. */
  settle(): void {
    for (const orphans of this.#waiting.values()) for (const orphan of orphans) insert(this.#roots, orphan)
    this.#waiting.clear()
  }

  /** The visible rows: depth-first, without the descendants of `collapsed` spans. */
  rows(collapsed: ReadonlySet<string>): ReadonlyArray<Row> {
    const out: Array<Row> = []
    const stack: Array<{ readonly node: Node; readonly depth: number; readonly parentId: string | null; readonly position: number; readonly siblings: number }> = []
    const pushAll = (nodes: ReadonlyArray<Node>, depth: number, parentId: string | null) => {
      for (let i = nodes.length - 1; i >= 0; i--) {
        const node = nodes[i]
        if (node !== undefined) stack.push({ node, depth, parentId, position: i + 1, siblings: nodes.length })
      }
    }
    pushAll(this.#roots, 0, null)
    for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
      const { node } = item
      const expanded = !collapsed.has(node.span.id)
      out.push({
        span: node.span,
        depth: item.depth,
        hasChildren: node.children.length > 0,
        expanded,
        parentId: item.parentId,
        position: item.position,
        siblings: item.siblings
      })
      if (expanded) pushAll(node.children, item.depth + 1, node.span.id)
    }
    return out
  }
}
