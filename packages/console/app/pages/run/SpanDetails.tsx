/**
 * One span opened: its payloads and conformance errors, read on demand (`GET /agent_spans/{id}`)
 * since the tree holds outlines only. Payloads are shown as indented JSON text; a redacted run's
 * are the redaction's marker, and the span says so.
 */
import { details } from "../../api/Page.js"
import { isRecord } from "../../api/Read.js"
import { type Span, span as readSpan } from "../../api/Runs.js"
import type { Session } from "../../session/Session.js"
import { ConformanceBadge, StatusBadge } from "../../ui/Badges.js"
import { Failed, Loading } from "../../ui/Feedback.js"
import { dateTime, duration, millisBetween, points, words } from "../../ui/Format.js"
import { Json } from "../../ui/Json.js"
import { useAnswer } from "../../ui/Load.js"

const placeholder: Span = {
  id: "",
  parent_span_id: null,
  schema_name: "",
  schema_title: "",
  status: "pending",
  started_at: "",
  finished_at: null,
  risk_points: 0,
  sequence: 0,
  payload: null,
  result_payload: null,
  summary: null,
  conformance: { payload: "conforms", result: "conforms", errors: [] }
}

/** Why a span that has no error list is still flagged. */
const without: Readonly<Record<string, string>> = {
  undeclared_type: "the run's activity schema declares no span type of this name",
  invalid_definition: "the span type's definition could not be compiled, so nothing could be checked against it",
  unchecked: "the check did not finish within its time or memory budget; the span is kept and flagged for review"
}

/** The name a Prefactor SDK gives a span (its payload's `name`), when there is one. */
const sdkName = (payload: unknown): string | null =>
  isRecord(payload) && typeof payload["name"] === "string" ? payload["name"] : null

const Conformance = ({ span }: { readonly span: Span }) => {
  const { errors, payload, result } = span.conformance
  const reasons = [payload, result].flatMap((status) => {
    const reason = without[status]
    return reason === undefined ? [] : [reason]
  })
  return (
    <section class="conformance" aria-label="Conformance">
      <h4>Conformance</h4>
      <p>
        <ConformanceBadge target="payload" status={payload} /> <ConformanceBadge target="result" status={result} />
      </p>
      {errors.length === 0 ? null : (
        <ul class="errors">
          {errors.map((error, index) => (
            <li key={index}>
              <strong>{error.target}</strong> {error.instance_path === "" ? "(the whole object)" : <code>{error.instance_path}</code>}: {error.message}{" "}
              <span class="muted">({error.keyword})</span>
            </li>
          ))}
        </ul>
      )}
      {[...new Set(reasons)].map((reason) => <p key={reason}>Flagged: {reason}.</p>)}
    </section>
  )
}

export const SpanDetails = ({ session, id, redacted, onClose }: {
  readonly session: Session
  readonly id: string
  /** Whether the run's payloads were redacted (the span's then read `{"redacted": true}`). */
  readonly redacted: boolean
  readonly onClose: () => void
}) => {
  const loaded = useAnswer(() => session.client.get(`/agent_spans/${encodeURIComponent(id)}`, details(readSpan, placeholder)), [session, id])
  return (
    <aside class="span-details" aria-label="Span details" aria-live="polite">
      <button type="button" class="close" onClick={onClose} aria-label="Close the span's details">×</button>
      {loaded.state._tag === "Loading" ? <Loading what="the span" /> : null}
      {loaded.state._tag === "Failed" ? <Failed failure={loaded.state.failure} retry={loaded.reload} doing="read this span" /> : null}
      {loaded.state._tag === "Ok"
        ? (() => {
          const span = loaded.state.value
          return (
            <>
              <h3>{span.schema_title}</h3>
              {sdkName(span.payload) === null ? null : <p class="muted">“{sdkName(span.payload)}”</p>}
              <dl class="facts">
                <dt>Type</dt>
                <dd><code>{span.schema_name}</code></dd>
                <dt>Status</dt>
                <dd><StatusBadge status={span.status} /></dd>
                <dt>Started</dt>
                <dd>{dateTime(span.started_at)}</dd>
                <dt>Finished</dt>
                <dd>{dateTime(span.finished_at)}</dd>
                <dt>Duration</dt>
                <dd>{duration(millisBetween(span.started_at, span.finished_at))}</dd>
                <dt>Risk points</dt>
                <dd>{points(span.risk_points)}</dd>
                <dt>Span id</dt>
                <dd><code>{span.id}</code></dd>
                {span.summary === null ? null : (
                  <>
                    <dt>Summary</dt>
                    <dd>{span.summary}</dd>
                  </>
                )}
              </dl>
              <Conformance span={span} />
              {redacted
                ? <p class="notice redacted">Redacted: this span's inputs and outputs were erased; what it recorded is no longer kept.</p>
                : null}
              <Json label="Inputs (payload)" value={span.payload} />
              {span.result_payload === null
                ? <p class="muted">No outputs (result) recorded{span.finished_at === null ? ` while ${words(span.status)}` : ""}.</p>
                : <Json label="Outputs (result)" value={span.result_payload} />}
            </>
          )
        })()
        : null}
    </aside>
  )
}
