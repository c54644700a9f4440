/**
 * A span without its payloads: what a reader scanning a long run needs (ids, parent, type,
 * status, times, conformance outcome, points) at a cost that does not grow with what the agent
 * sent. The payloads of one span are read on demand (`getSpan`).
 */
import { Schema } from "effect"
import { ConformanceStatus } from "./Conformance.js"
import { AgentId, InstanceId, SpanId } from "./Ids.js"
import type { Span } from "./Span.js"
import { Status } from "./Status.js"

export const SpanOutline = Schema.Struct({
  id: SpanId,
  agent_id: AgentId,
  agent_instance_id: InstanceId,
  parent_span_id: Schema.NullOr(SpanId),
  schema_name: Schema.String,
  schema_title: Schema.String,
  status: Status,
  started_at: Schema.DateTimeUtc,
  finished_at: Schema.NullOr(Schema.DateTimeUtc),
  /** The outcome of the payload and result checks; the errors travel with the span itself. */
  conformance: Schema.Struct({ payload: ConformanceStatus, result: ConformanceStatus }),
  risk_points: Schema.Int,
  sequence: Schema.Int,
  inserted_at: Schema.DateTimeUtc,
  updated_at: Schema.DateTimeUtc
}).annotations({ identifier: "SpanOutline" })
export type SpanOutline = typeof SpanOutline.Type

/** The outline of a span a store read whole. */
export const outlineOf = (span: Span): SpanOutline => ({
  id: span.id,
  agent_id: span.agent_id,
  agent_instance_id: span.agent_instance_id,
  parent_span_id: span.parent_span_id,
  schema_name: span.schema_name,
  schema_title: span.schema_title,
  status: span.status,
  started_at: span.started_at,
  finished_at: span.finished_at,
  conformance: { payload: span.conformance.payload, result: span.conformance.result },
  risk_points: span.risk_points,
  sequence: span.sequence,
  inserted_at: span.inserted_at,
  updated_at: span.updated_at
})

/** The fields an outline page may be sorted by; creation order (`sequence`) by default. */
export const outlineSortFields = ["sequence", "id", "started_at", "finished_at", "status", "inserted_at"] as const
export type OutlineSortField = (typeof outlineSortFields)[number]
export const defaultOutlineSorting = "sequence"
