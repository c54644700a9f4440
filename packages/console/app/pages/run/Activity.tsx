/**
 * The Activity tab: the run's span tree with a row per span on the run's time axis, rendered a
 * window at a time (a 10,000-span run renders the few dozen rows in view, not 10,000), with the
 * keyboard of the ARIA tree pattern. A span opened shows its payloads and errors beside the tree.
 */
import { useEffect, useMemo, useRef, useState } from "preact/hooks"
import type { Instance } from "../../api/Runs.js"
import type { Session } from "../../session/Session.js"
import { conformanceTone } from "../../ui/Badges.js"
import { Empty, Failed } from "../../ui/Feedback.js"
import { count } from "../../ui/Format.js"
import type { Outline } from "./Outline.js"
import { SpanDetails } from "./SpanDetails.js"
import type { Row } from "./SpanForest.js"
import { type Axis, rowHeight, SpanRow } from "./SpanRow.js"

/** Rows rendered beyond the visible ones on each side, so that scrolling never shows a gap. */
const overscan = 12

const axisOf = (instance: Instance, outline: Outline): Axis => {
  const extent = outline.forest.extent
  const start = instance.started_at !== null ? Date.parse(instance.started_at) : extent?.start ?? Date.now()
  const lastSeen = extent === null ? start : Math.max(extent.end, extent.start)
  const end = instance.finished_at !== null ? Math.max(Date.parse(instance.finished_at), lastSeen) : Math.max(Date.now(), lastSeen)
  return { start: Math.min(start, extent?.start ?? start), end: Math.max(end, start + 1) }
}

const isFlagged = (row: Row): boolean =>
  conformanceTone(row.span.conformance.payload) === "flagged" || conformanceTone(row.span.conformance.result) === "flagged"

/** Marks the first paint of the tree once per page (the bench reads it), after the browser has painted. */
const usePaintMark = (ready: boolean): void => {
  const marked = useRef(false)
  useEffect(() => {
    if (!ready || marked.current) return
    marked.current = true
    requestAnimationFrame(() => setTimeout(() => performance.mark("console:run-painted"), 0))
  }, [ready])
}

export const Activity = ({ session, instance, outline, selected, onSelect }: {
  readonly session: Session
  readonly instance: Instance
  readonly outline: Outline
  readonly selected: string | null
  readonly onSelect: (id: string | null) => void
}) => {
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(() => new Set())
  const [flaggedOnly, setFlaggedOnly] = useState(false)
  const [focus, setFocus] = useState(0)
  const [scrollTop, setScrollTop] = useState(0)
  const [height, setHeight] = useState(560)
  const viewport = useRef<HTMLDivElement>(null)
  const { forest, version } = outline
  const rows = useMemo(() => {
    const all = forest.rows(collapsed)
    return flaggedOnly ? all.filter(isFlagged) : all
  }, [forest, version, collapsed, flaggedOnly])
  const axis = axisOf(instance, outline)
  usePaintMark(rows.length > 0 || (outline.done && outline.failure === null))

  useEffect(() => {
    const element = viewport.current
    if (element === null) return
    const observer = new ResizeObserver(() => setHeight(element.clientHeight))
    observer.observe(element)
    return () => observer.disconnect()
  }, [])

  const focusAt = (index: number) => {
    const clamped = Math.min(Math.max(index, 0), Math.max(rows.length - 1, 0))
    setFocus(clamped)
    const element = viewport.current
    if (element === null) return
    const top = clamped * rowHeight
    if (top < element.scrollTop) element.scrollTop = top
    else if (top + rowHeight > element.scrollTop + element.clientHeight) element.scrollTop = top + rowHeight - element.clientHeight
  }
  const toggle = (id: string) => {
    const next = new Set(collapsed)
    if (next.has(id)) next.delete(id)
    else next.add(id)
    setCollapsed(next)
  }
  const open = (index: number) => {
    const row = rows[index]
    if (row === undefined) return
    setFocus(index)
    onSelect(row.span.id)
  }
  const onKey = (event: KeyboardEvent) => {
    const row = rows[focus]
    const page = Math.max(Math.floor(height / rowHeight) - 1, 1)
    const moves: Readonly<Record<string, () => void>> = {
      ArrowDown: () => focusAt(focus + 1),
      ArrowUp: () => focusAt(focus - 1),
      PageDown: () => focusAt(focus + page),
      PageUp: () => focusAt(focus - page),
      Home: () => focusAt(0),
      End: () => focusAt(rows.length - 1),
      Enter: () => open(focus),
      " ": () => open(focus),
      ArrowRight: () => row?.hasChildren === true && !row.expanded ? toggle(row.span.id) : row?.hasChildren === true ? focusAt(focus + 1) : undefined,
      ArrowLeft: () => row?.hasChildren === true && row.expanded ? toggle(row.span.id) : focusAt(rows.findIndex((r) => r.span.id === row?.parentId))
    }
    const move = moves[event.key]
    if (move === undefined) return
    event.preventDefault()
    move()
  }

  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan)
  const last = Math.min(rows.length, Math.ceil((scrollTop + height) / rowHeight) + overscan)
  const focused = rows[focus]
  const loaded = forest.size
  const total = outline.total
  return (
    <div class="activity">
      <div class="toolbar">
        <span role="status" aria-live="polite">
          {total === null ? "Reading spans…" : outline.done ? `${count(total)} spans` : `${count(loaded)} of ${count(total)} spans read…`}
          {" · "}
          {count(instance.conformance_counts.flagged)} flagged
        </span>
        <label>
          <input type="checkbox" checked={flaggedOnly} onChange={(event) => setFlaggedOnly(event.currentTarget.checked)} /> Flagged spans only
        </label>
        <button type="button" onClick={() => setCollapsed(new Set())}>Expand all</button>
        <button type="button" onClick={() => setCollapsed(new Set(forest.rows(new Set()).filter((r) => r.hasChildren).map((r) => r.span.id)))}>Collapse all</button>
      </div>
      {outline.failure === null ? null : <Failed failure={outline.failure} doing="read all of the run's spans" />}
      <div class={`activity-body${selected === null ? "" : " with-details"}`}>
        <div class="tree-frame">
          <div class="tree-head" aria-hidden="true">
            <span>Span</span><span>Status</span><span>Start</span><span>Duration</span><span>Timeline</span><span>Conformance</span><span>Points</span>
          </div>
          {outline.done && rows.length === 0 && outline.failure === null
            ? <Empty>{flaggedOnly ? "No span of this run is flagged." : "This run has recorded no spans yet."}</Empty>
            : (
              <div
                ref={viewport}
                class="tree"
                role="tree"
                aria-label="Spans of this run"
                aria-activedescendant={focused === undefined ? undefined : `span-row-${focused.span.id}`}
                tabIndex={0}
                onKeyDown={onKey}
                onScroll={(event) => setScrollTop(event.currentTarget.scrollTop)}
              >
                <div class="tree-rows" style={{ height: `${rows.length * rowHeight}px` }}>
                  {rows.slice(first, last).map((row, offset) => (
                    <SpanRow
                      key={row.span.id}
                      row={row}
                      index={first + offset}
                      axis={axis}
                      selected={row.span.id === selected}
                      focused={first + offset === focus}
                      onOpen={open}
                      onToggle={toggle}
                    />
                  ))}
                </div>
              </div>
            )}
        </div>
        {selected === null
          ? null
          : (
            // Keyed by the run's last change too: a span opened while the run is redacted is read again.
            <SpanDetails
              key={`${selected}:${instance.updated_at}`}
              session={session}
              id={selected}
              redacted={instance.redacted_at !== null}
              onClose={() => onSelect(null)}
            />
          )}
      </div>
    </div>
  )
}
