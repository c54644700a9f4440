/**
 * The audit log's table: one row per event — its place in the chain, when, who (a token linked to
 * its page, the operator, or the server's job), the action and the record it changed (linked
 * while the record still exists) — each opening, by a button, to the record before and after the
 * change as indented JSON and the event's hashes.
 */
import { useState } from "preact/hooks"
import type { Actor, AuditEvent } from "../../api/Audit.js"
import { isRecord } from "../../api/Read.js"
import { tokenHref } from "../../Router.js"
import { dateTime, shortId, words } from "../../ui/Format.js"
import { Json } from "../../ui/Json.js"
import { Link } from "../../ui/Link.js"
import { historyHref, type Presence, type RecordRef, recordOf } from "./Records.js"

/** Who made a change. */
export const Who = ({ actor }: { readonly actor: Actor }) => {
  switch (actor.type) {
    case "api_token":
      return actor.id === null ? <span>a token</span> : (
        <span>
          <Link to={tokenHref(actor.id)} title={`token ${actor.id}`}>token <code>{shortId(actor.id)}</code></Link>
          {actor.scope === null ? null : <span class="muted"> ({actor.scope === "account" ? "account" : "deployment"})</span>}
        </span>
      )
    case "operator":
      return <span>the operator</span>
    case "system":
      return <span>the server{actor.id === null ? "" : `: ${words(actor.id)} job`}</span>
  }
}

/** The record an event changed: linked while it exists, said to be gone once it is not. */
const RecordCell = ({ event, presence }: { readonly event: AuditEvent; readonly presence: (ref: RecordRef) => Presence }) => {
  const ref = recordOf(event)
  if (ref === null) {
    return <span>{words(event.entity)}{event.entity_id === null ? null : <> <code title={event.entity_id}>{shortId(event.entity_id)}</code></>}</span>
  }
  const label = <>{ref.what} <code>{shortId(ref.id)}</code></>
  switch (presence(ref)) {
    case "exists":
    case "unknown":
      return <Link to={ref.href} title={`${ref.what} ${ref.id}`}>{label}</Link>
    case "checking":
      return <span title={`${ref.what} ${ref.id}`}>{label}</span>
    case "gone":
      return <span title={`${ref.what} ${ref.id}`}>{label} <span class="muted gone">(no longer exists)</span></span>
  }
}

/** The top-level fields whose values the change altered, added or removed (both sides are records). */
export const changedFields = (before: unknown, after: unknown): ReadonlyArray<string> => {
  if (!isRecord(before) || !isRecord(after)) return []
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])]
  return keys.filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key]))
}

const State = ({ value, label, absent }: { readonly value: unknown; readonly label: string; readonly absent: string }) =>
  value === null ? <p class="muted">{label}: {absent}</p> : <Json label={label} value={value} />

const Details = ({ event }: { readonly event: AuditEvent }) => {
  const history = historyHref(event)
  const changed = changedFields(event.before, event.after)
  return (
    <div class="event-details">
      {changed.length === 0 ? null : <p class="changed">Changed: {changed.flatMap((key, index) => [index === 0 ? "" : ", ", <code key={key}>{key}</code>])}</p>}
      <div class="before-after">
        <State value={event.before} label="Before" absent="nothing — the change made the record (or kept no earlier state)" />
        <State value={event.after} label="After" absent="nothing — the change removed the record" />
      </div>
      <dl class="facts">
        <dt>Event id</dt>
        <dd><code>{event.id}</code></dd>
        <dt>Hash</dt>
        <dd><code class="hash">{event.hash}</code></dd>
        <dt>Previous hash</dt>
        <dd><code class="hash">{event.previous_hash}</code></dd>
      </dl>
      {history === null ? null : <p><Link to={history}>Every event of this record</Link></p>}
    </div>
  )
}

const Row = ({ event, presence }: { readonly event: AuditEvent; readonly presence: (ref: RecordRef) => Presence }) => {
  const [open, setOpen] = useState(false)
  const panel = `event-${event.id}`
  return (
    <>
      <tr class={open ? "opened" : undefined}>
        <td class="number">{event.sequence}</td>
        <td>{dateTime(event.occurred_at)}</td>
        <td><Who actor={event.actor} /></td>
        <th scope="row"><code>{event.action}</code></th>
        <td><RecordCell event={event} presence={presence} /></td>
        <td>
          <button type="button" aria-expanded={open} aria-controls={open ? panel : undefined} onClick={() => setOpen(!open)} aria-label={`${open ? "Hide" : "Show"} before and after of event ${event.sequence}`}>
            {open ? "Hide" : "Before / after"}
          </button>
        </td>
      </tr>
      {open
        ? (
          <tr class="event-row-details" id={panel}>
            <td colSpan={6}><Details event={event} /></td>
          </tr>
        )
        : null}
    </>
  )
}

export const EventTable = ({ events, presence, caption }: {
  readonly events: ReadonlyArray<AuditEvent>
  readonly presence: (ref: RecordRef) => Presence
  readonly caption: string
}) => (
  <table class="audit">
    <caption>{caption}</caption>
    <thead>
      <tr>
        <th scope="col" class="number">#</th>
        <th scope="col">When</th>
        <th scope="col">Who</th>
        <th scope="col">Action</th>
        <th scope="col">Record</th>
        <th scope="col">Change</th>
      </tr>
    </thead>
    <tbody>
      {events.map((event) => <Row key={event.id} event={event} presence={presence} />)}
    </tbody>
  </table>
)
