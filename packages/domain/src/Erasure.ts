/**
 * Erasure: a run deleted with its spans, or redacted — its spans' payloads and results replaced
 * by a marker, everything else kept — one run at a time or every run of an agent in a time range.
 *
 * Redaction keeps what a reviewer reads a run by: the tree (ids, parents, sequence), the span
 * types, every status and time, conformance (outcomes, error keywords and messages) and every
 * risk figure (the run's total and levels, each span's points), so counts and scores do not
 * move. It removes what the agent sent: each span's `payload` becomes `redactedPayload`, a
 * `result_payload` that was there becomes it too (a missing result stays null), `summary`
 * becomes null, and a conformance error's `instance_path` — which can name a key of the payload
 * — becomes `redactedPath`; each of the run's quality payloads becomes the marker too (their
 * names stay). The run carries `redacted_at`, so a reader can tell.
 *
 * Only a finished run is redacted (a run still recording would take new payloads after it), and
 * a span of a redacted run is finished no more (`Span.finishSpan`); redacting a redacted run
 * changes nothing. A run of any status may be deleted.
 */
import { DateTime, Either, Schema } from "effect"
import { InvalidAction, InvalidInput } from "./Errors.js"
import { AgentId, InstanceId } from "./Ids.js"
import type { Instance } from "./Instance.js"
import { runStart } from "./InstanceQuery.js"
import type { JsonObject } from "./Json.js"
import { redacted as redactedQuality } from "./Quality.js"
import type { Span } from "./Span.js"
import { isTerminal } from "./Status.js"
import { Timestamp } from "./Timestamp.js"

/** What a redacted span's `payload`, and its `result_payload` when it had one, become. */
export const redactedPayload: JsonObject = { redacted: true }

/** What a redacted span's conformance errors say in place of the path into the payload. */
export const redactedPath = "(redacted)"

/** The span with its payloads replaced by the marker; everything else kept but `updated_at`. */
export const redactSpan = (span: Span, at: DateTime.Utc): Span => ({
  ...span,
  payload: redactedPayload,
  result_payload: span.result_payload === null ? null : redactedPayload,
  summary: null,
  conformance: {
    ...span.conformance,
    errors: span.conformance.errors.map((error) => ({ ...error, instance_path: redactedPath }))
  },
  updated_at: at
})

/** A redaction to write: the run marked, and its spans as they become (none when already redacted). */
export interface Redaction {
  readonly instance: Instance
  readonly spans: ReadonlyArray<Span>
}

/** Redacts a finished run and its spans; a redacted run stays as it is. */
export const redact = (instance: Instance, spans: ReadonlyArray<Span>, at: DateTime.Utc): Either.Either<Redaction, InvalidAction> => {
  if (!isTerminal(instance.status)) {
    return Either.left(new InvalidAction({ entity: "agent_instance", id: instance.id, action: "redact", status: instance.status }))
  }
  if (instance.redacted_at !== null) return Either.right({ instance, spans: [] })
  return Either.right({
    instance: { ...instance, quality_payloads: redactedQuality(instance.quality_payloads, redactedPayload), redacted_at: at, updated_at: at },
    spans: spans.map((span) => redactSpan(span, at))
  })
}

/** A span of a redacted run takes no new result: what it held was erased, and must stay so. */
export const refuseRedacted = (instance: Pick<Instance, "redacted_at">, span: Pick<Span, "id" | "status">): InvalidAction | null =>
  instance.redacted_at === null ? null : new InvalidAction({ entity: "agent_span", id: span.id, action: "finish (its run is redacted)", status: span.status })

// ---------------------------------------------------------------------------------------------
// A range of an agent's runs

export const EraseMode = Schema.Literal("delete", "redact")
export type EraseMode = typeof EraseMode.Type

/** `POST /agent/{id}/erase`: the agent's runs that started in a window, deleted or redacted. */
export const EraseRuns = Schema.Struct({
  /** Runs that started at or after this time (a run never started: its registration). */
  started_after: Schema.optional(Timestamp),
  /** Runs that started before this time. */
  started_before: Schema.optional(Timestamp),
  mode: EraseMode
}).annotations({ identifier: "EraseRuns" })
export type EraseRuns = typeof EraseRuns.Type

/** The runs a range erasure reaches, as a store selects them (`inRange`). */
export interface RunRange {
  readonly agent_id: AgentId
  /** Epoch milliseconds, inclusive; of `InstanceQuery.runStart`. */
  readonly started_after?: number | undefined
  /** Epoch milliseconds, exclusive. */
  readonly started_before?: number | undefined
  /** Only runs a redaction takes: finished and not yet redacted. */
  readonly redactable: boolean
}

/** Whether a run is one the range reaches (placed in time as a run list places it, `runStart`). */
export const inRange = (range: RunRange) => (instance: Instance): boolean => {
  if (instance.agent_id !== range.agent_id) return false
  if (range.redactable && (!isTerminal(instance.status) || instance.redacted_at !== null)) return false
  const start = runStart(instance)
  return (range.started_after === undefined || start >= range.started_after) &&
    (range.started_before === undefined || start < range.started_before)
}

/** The range a request asks for, or why it is refused (an empty or inverted window). */
export const rangeOf = (agent: AgentId, request: EraseRuns): Either.Either<RunRange, InvalidInput> => {
  const after = request.started_after === undefined ? undefined : DateTime.toEpochMillis(request.started_after)
  const before = request.started_before === undefined ? undefined : DateTime.toEpochMillis(request.started_before)
  if (after !== undefined && before !== undefined && after >= before) {
    return Either.left(InvalidInput.field("started_before", "must be later than started_after"))
  }
  return Either.right({ agent_id: agent, started_after: after, started_before: before, redactable: request.mode === "redact" })
}

/** The most runs one unit of work of a range erasure takes. */
export const batchRuns = 100

/**
 * The most spans one unit of work of a range redaction rewrites: a batch stops before the run
 * that would pass it (a batch always takes one run, however long).
 */
export const batchSpans = 10_000

/** The first runs of `candidates` one redaction batch takes: at most `batchSpans` spans, at least one run. */
export const redactionBatch = (candidates: ReadonlyArray<Instance>): ReadonlyArray<Instance> => {
  let spans = 0
  let taken = 0
  for (const instance of candidates) {
    spans += instance.span_counts.total
    if (taken > 0 && spans > batchSpans) break
    taken++
  }
  return candidates.slice(0, taken)
}

/** One unit of work of a range erasure, as the audit log records it: which runs, how many spans. */
export const ErasedBatch = Schema.Struct({
  agent_id: AgentId,
  mode: EraseMode,
  started_after: Schema.NullOr(Schema.DateTimeUtc),
  started_before: Schema.NullOr(Schema.DateTimeUtc),
  agent_instance_ids: Schema.Array(InstanceId),
  spans: Schema.Int
}).annotations({ identifier: "ErasedBatch" })
export type ErasedBatch = typeof ErasedBatch.Type

/**
 * What a range erasure did: the runs and spans deleted or redacted, in how many units of work,
 * and — redacting — the runs of the range left as they were because they had not finished.
 */
export const Erased = Schema.Struct({
  agent_id: AgentId,
  mode: EraseMode,
  runs: Schema.Int,
  spans: Schema.Int,
  batches: Schema.Int,
  unfinished: Schema.Int
}).annotations({ identifier: "Erased" })
export type Erased = typeof Erased.Type

/** What a store answers for the runs it deleted. */
export interface Deleted {
  readonly runs: number
  readonly spans: number
}
