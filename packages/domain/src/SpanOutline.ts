/**
 * A span without its payloads: what a reader scanning a long run needs (ids, parent, type,
 * status, the client's `sensitive_encoding`, times, conformance outcome, points) at a cost that does not grow with what the agent
 * sent. The payloads of one span are read on demand (`getSpan`). A reviewer narrows a run's
 * outline to one span type, or to the spans flagged for review (`OutlineFilter`).
 */
import { Schema, Struct } from "effect"
import { ConformanceStatus, isFlagged } from "./Conformance.js"
import { Span } from "./Span.js"

/** The fields of a span an outline keeps as they are (all but payloads, summary and errors). */
const kept = [
  "id",
  "agent_id",
  "agent_instance_id",
  "parent_span_id",
  "schema_name",
  "schema_title",
  "status",
  "sensitive_encoding",
  "started_at",
  "finished_at",
  "risk_points",
  "sequence",
  "inserted_at",
  "updated_at"
] as const

export const SpanOutline = Schema.Struct({
  ...Struct.pick(Span.fields, ...kept),
  /** The outcome of the payload and result checks; the errors travel with the span itself. */
  conformance: Schema.Struct({ payload: ConformanceStatus, result: ConformanceStatus })
}).annotations({ identifier: "SpanOutline" })
export type SpanOutline = typeof SpanOutline.Type

/** The outline of a span a store read whole. */
export const outlineOf = (span: Span): SpanOutline => ({
  ...Struct.pick(span, ...kept),
  conformance: { payload: span.conformance.payload, result: span.conformance.result }
})

/** The fields an outline page may be sorted by; creation order (`sequence`) by default. */
export const outlineSortFields = ["sequence", "id", "started_at", "finished_at", "status", "inserted_at"] as const
export type OutlineSortField = (typeof outlineSortFields)[number]
export const defaultOutlineSorting = "sequence"

/** Which of a run's spans an outline page keeps: every field optional, the fields given all hold. */
export interface OutlineFilter {
  /** Spans of this type (exact). */
  readonly schema_name?: string | undefined
  /** `true`: spans flagged for review (`Conformance.isFlagged`); `false`: spans that are not. */
  readonly flagged?: boolean | undefined
}

/** Whether a span (or its outline) is one the filter keeps. */
export const matches = (filter: OutlineFilter) => (span: Pick<SpanOutline, "schema_name" | "conformance">): boolean =>
  (filter.schema_name === undefined || span.schema_name === filter.schema_name) &&
  (filter.flagged === undefined || isFlagged(span.conformance) === filter.flagged)
