/**
 * An OTel span as the ledger records it: checked (ids of the right lengths and not zero, a
 * start, an end not before it), typed (`genai/SpanType.ts`), given its payload and result
 * (`genai/Payload.ts`), its status (OTel ERROR is `failed`, OK and UNSET `complete`: spans are
 * exported once they have ended) and its times in milliseconds, what the ledger holds — the
 * exact nanoseconds stay in `payload.otel`. A span that fails a check is refused on its own,
 * with its reason, and counted in the partial success; the rest of its request goes on.
 */
import type { Json } from "@agentledger/domain"
import { Either } from "effect"
import { attributeMap, map } from "./genai/Payload.js"
import { schemaNameOf } from "./genai/SpanType.js"
import * as Model from "./Model.js"

export interface Reported {
  readonly traceId: string
  readonly spanId: string
  /** The parent's OTel id; null for a root of the run (no parent, or a parent in another process). */
  readonly parentSpanId: string | null
  readonly schemaName: string
  readonly status: "complete" | "failed"
  /** Epoch milliseconds, the nanoseconds truncated. */
  readonly startedAt: number
  readonly finishedAt: number
  readonly payload: Json.JsonObject
  readonly resultPayload: Json.JsonObject
}

const validId = (id: string, bytes: number): boolean => id.length === 2 * bytes && !/^0+$/.test(id)

/** Nanoseconds since the epoch as whole milliseconds (truncated: what the ledger's timestamps hold). */
export const millisOf = (nanos: bigint): number => Number(nanos / 1_000_000n)

/** Why a span cannot be recorded, or undefined when it can. */
export const problemOf = (span: Model.Span): string | undefined => {
  if (!validId(span.traceId, 16)) return "its trace id is not 16 bytes, or is zero"
  if (!validId(span.spanId, 8)) return "its span id is not 8 bytes, or is zero"
  if (span.parentSpanId !== "" && span.parentSpanId.length !== 16) return "its parent span id is not 8 bytes"
  if (span.startTimeUnixNano === 0n) return "it has no start time"
  if (span.endTimeUnixNano < span.startTimeUnixNano) return "it ends before it starts"
  return undefined
}

/** Whether a span is a root of its run: no parent (an all-zero parent is none), or a remote one. */
export const isRoot = (span: Model.Span): boolean => Model.isRoot(span) || /^0+$/.test(span.parentSpanId)

/** The span as the ledger records it, or the reason it cannot be. */
export const report = (span: Model.Span, scope: Model.Scope): Either.Either<Reported, string> => {
  const problem = problemOf(span)
  if (problem !== undefined) return Either.left(problem)
  const attributes = attributeMap(span.attributes)
  const { payload, result } = map(span, scope, attributes)
  return Either.right({
    traceId: span.traceId,
    spanId: span.spanId,
    parentSpanId: isRoot(span) ? null : span.parentSpanId,
    schemaName: schemaNameOf(attributes),
    status: span.status.code === Model.statusCode.error ? "failed" : "complete",
    startedAt: millisOf(span.startTimeUnixNano),
    finishedAt: millisOf(span.endTimeUnixNano),
    payload,
    resultPayload: result
  })
}
