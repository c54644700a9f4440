/**
 * A span without its payloads: what a reader scanning a long run needs (ids, parent, type,
 * status, times, conformance outcome, points) at a cost that does not grow with what the agent
 * sent. The payloads of one span are read on demand (`getSpan`).
 */
import { Schema, Struct } from "effect"
import { ConformanceStatus } from "./Conformance.js"
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
