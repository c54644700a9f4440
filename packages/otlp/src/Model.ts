/**
 * One export request of traces, as both wire encodings decode it (`proto/Decode.ts`,
 * `json/Decode.ts`): the OTLP `ExportTraceServiceRequest` with its ids as lowercase hex, its
 * times as nanoseconds (`bigint`: the epoch in nanoseconds passes 2^53), its strings storable
 * (`Text.ts`) and everything bounded (`Limits.ts`). Nothing here has been judged yet: an id of
 * the wrong length or an end before its start is kept, for the span's own refusal.
 */

/** An attribute value: one of OTLP's `AnyValue` members, or none (`empty`). */
export type AnyValue =
  | { readonly _tag: "empty" }
  | { readonly _tag: "string"; readonly value: string }
  | { readonly _tag: "bool"; readonly value: boolean }
  | { readonly _tag: "int"; readonly value: bigint }
  | { readonly _tag: "double"; readonly value: number }
  | { readonly _tag: "bytes"; readonly value: Uint8Array }
  | { readonly _tag: "array"; readonly values: ReadonlyArray<AnyValue> }
  | { readonly _tag: "kvlist"; readonly values: ReadonlyArray<KeyValue> }

export interface KeyValue {
  readonly key: string
  readonly value: AnyValue
}

export const empty: AnyValue = { _tag: "empty" }

export interface Resource {
  readonly attributes: ReadonlyArray<KeyValue>
  readonly droppedAttributesCount: number
}

export interface Scope {
  readonly name: string
  readonly version: string
  readonly attributes: ReadonlyArray<KeyValue>
  readonly droppedAttributesCount: number
}

/** OTLP's `Status.code`: 0 unset, 1 ok, 2 error (other values are kept as sent). */
export const statusCode = { unset: 0, ok: 1, error: 2 } as const

export interface Status {
  readonly code: number
  readonly message: string
}

export interface Event {
  readonly timeUnixNano: bigint
  readonly name: string
  readonly attributes: ReadonlyArray<KeyValue>
  readonly droppedAttributesCount: number
}

export interface Link {
  readonly traceId: string
  readonly spanId: string
  readonly traceState: string
  readonly attributes: ReadonlyArray<KeyValue>
  readonly droppedAttributesCount: number
  readonly flags: number
}

export interface Span {
  /** 32 lowercase hex digits when valid. */
  readonly traceId: string
  /** 16 lowercase hex digits when valid. */
  readonly spanId: string
  readonly traceState: string
  /** Empty for a root span. */
  readonly parentSpanId: string
  readonly name: string
  /** OTLP's `SpanKind`: 0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  readonly kind: number
  readonly startTimeUnixNano: bigint
  readonly endTimeUnixNano: bigint
  readonly attributes: ReadonlyArray<KeyValue>
  readonly droppedAttributesCount: number
  readonly events: ReadonlyArray<Event>
  readonly droppedEventsCount: number
  readonly links: ReadonlyArray<Link>
  readonly droppedLinksCount: number
  readonly status: Status
  /** W3C trace flags in the low byte; `0x100` says whether the parent is known remote, `0x200` that it is. */
  readonly flags: number
}

/** A span as a decoder fills it in: every field settable, its lists and status its own. */
export type SpanDraft = { -readonly [K in keyof Span]: Span[K] } & {
  attributes: Array<KeyValue>
  events: Array<Event>
  links: Array<Link>
  status: { code: number; message: string }
}

/**
 * A span holding nothing yet: OTLP's default for every field (empty ids, name and lists, times 0,
 * status unset, no flags). A fresh one each call, so a decoder may fill it in.
 */
export const emptySpan = (): SpanDraft => ({
  traceId: "",
  spanId: "",
  traceState: "",
  parentSpanId: "",
  name: "",
  kind: 0,
  startTimeUnixNano: 0n,
  endTimeUnixNano: 0n,
  attributes: [],
  droppedAttributesCount: 0,
  events: [],
  droppedEventsCount: 0,
  links: [],
  droppedLinksCount: 0,
  status: { code: 0, message: "" },
  flags: 0
})

export interface ScopeSpans {
  readonly scope: Scope
  readonly spans: ReadonlyArray<Span>
  readonly schemaUrl: string
}

export interface ResourceSpans {
  readonly resource: Resource
  readonly scopeSpans: ReadonlyArray<ScopeSpans>
  readonly schemaUrl: string
}

export interface ExportRequest {
  readonly resourceSpans: ReadonlyArray<ResourceSpans>
}

/** The flags of a span whose parent lives in another process (`SpanFlags`: HAS_IS_REMOTE | IS_REMOTE). */
export const remoteParentFlags = 0x300

/** Whether a span starts its trace here: it has no parent, or its parent is remote. */
export const isRoot = (span: Span): boolean =>
  span.parentSpanId === "" || (span.flags & remoteParentFlags) === remoteParentFlags

/** How many spans a request holds. */
export const spanCount = (request: ExportRequest): number => {
  let count = 0
  for (const resource of request.resourceSpans) for (const scope of resource.scopeSpans) count += scope.spans.length
  return count
}
