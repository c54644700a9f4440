/**
 * One row of the Activity tree: the span's title and type indented by depth, its status, when it
 * started (from the start of the run), how long it took, a bar placing it on the run's time axis,
 * its conformance and its points. The row's accessible name says all of it in one sentence.
 */
import type { Row } from "./SpanForest.js"
import { conformanceTone, ConformanceBadge, StatusBadge } from "../../ui/Badges.js"
import { duration, points, words } from "../../ui/Format.js"

/** The run's time axis: where a span's bar starts and how wide it is, in percent. */
export interface Axis {
  readonly start: number
  readonly end: number
}

export const rowHeight = 34

const placed = (axis: Axis, startMs: number, endMs: number): { readonly left: number; readonly width: number } => {
  const span = Math.max(axis.end - axis.start, 1)
  const left = Math.min(Math.max((startMs - axis.start) / span, 0), 1)
  const width = Math.min(Math.max((endMs - startMs) / span, 0), 1 - left)
  return { left: left * 100, width: width * 100 }
}

export const SpanRow = ({ row, index, axis, selected, focused, onOpen, onToggle }: {
  readonly row: Row
  readonly index: number
  readonly axis: Axis
  readonly selected: boolean
  readonly focused: boolean
  readonly onOpen: (index: number) => void
  readonly onToggle: (id: string) => void
}) => {
  const { span } = row
  const startMs = Date.parse(span.started_at)
  const open = span.finished_at === null
  const endMs = open ? axis.end : Date.parse(span.finished_at ?? span.started_at)
  const took = open ? null : endMs - startMs
  const bar = placed(axis, startMs, endMs)
  const flagged = conformanceTone(span.conformance.payload) === "flagged" || conformanceTone(span.conformance.result) === "flagged"
  const label = [
    `${span.schema_title}${span.schema_title === span.schema_name ? "" : ` (${span.schema_name})`}`,
    words(span.status),
    `started ${duration(startMs - axis.start)} into the run`,
    open ? "still open" : `took ${duration(took)}`,
    flagged ? `flagged: payload ${words(span.conformance.payload)}, result ${words(span.conformance.result)}` : "conforms",
    span.risk_points === 0 ? "" : `${points(span.risk_points)} risk points`
  ].filter((part) => part !== "").join(", ")
  return (
    <div
      role="treeitem"
      id={`span-row-${span.id}`}
      class={`span-row${selected ? " selected" : ""}${focused ? " focused" : ""}${flagged ? " flagged" : ""}`}
      style={{ top: `${index * rowHeight}px` }}
      aria-level={row.depth + 1}
      aria-setsize={row.siblings}
      aria-posinset={row.position}
      aria-expanded={row.hasChildren ? row.expanded : undefined}
      aria-selected={selected}
      aria-label={label}
      data-span-id={span.id}
      onClick={() => onOpen(index)}
    >
      <span class="cell name" style={{ paddingLeft: `${0.5 + row.depth * 1.1}rem` }}>
        {row.hasChildren
          ? (
            <span
              class="toggle"
              aria-hidden="true"
              onClick={(event) => {
                event.stopPropagation()
                onToggle(span.id)
              }}
            >
              {row.expanded ? "▾" : "▸"}
            </span>
          )
          : <span class="toggle leaf" aria-hidden="true">·</span>}
        <span class="title">{span.schema_title}</span>
        {span.schema_title === span.schema_name ? null : <span class="type">{span.schema_name}</span>}
      </span>
      <span class="cell"><StatusBadge status={span.status} /></span>
      <span class="cell number">+{duration(startMs - axis.start)}</span>
      <span class="cell number">{open ? "open" : duration(took)}</span>
      <span class="cell axis" aria-hidden="true">
        <span class={`bar status-${span.status}${open ? " open" : ""}`} style={{ left: `${bar.left}%`, width: `max(${bar.width}%, 2px)` }} />
      </span>
      <span class="cell">
        {flagged
          ? <ConformanceBadge target={conformanceTone(span.conformance.payload) === "flagged" ? "payload" : "result"} status={conformanceTone(span.conformance.payload) === "flagged" ? span.conformance.payload : span.conformance.result} />
          : <span class="badge conformance-fine">conforms</span>}
      </span>
      <span class="cell number">{span.risk_points === 0 ? "" : points(span.risk_points)}</span>
    </div>
  )
}
