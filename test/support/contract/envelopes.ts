/**
 * The reference's envelopes (the SDK's wire protocol and the Prefactor platform's API): a resource's details, a page with its
 * pagination and sorting, the error envelope with docs/http.md's codes (and the extra fields of
 * `not_found` and `invalid_action`), and bulk outputs.
 * (Reference Schemas: see fields.ts for where they come from and why nothing here is imported
 * from packages/http.)
 */
import { Schema } from "effect"
import { Count } from "./fields.js"

export const Details = <A, I>(resource: Schema.Schema<A, I>) => Schema.Struct({ status: Schema.Literal("success"), details: resource })

const Pagination = Schema.Struct({
  item_count: Count,
  item_start: Count,
  item_end: Count,
  page_index: Count,
  page_count: Count,
  page_offset: Count,
  page_size: Schema.Int.pipe(Schema.between(1, 100)),
  next_page_offset: Schema.NullOr(Count),
  previous_page_offset: Schema.NullOr(Count)
}).annotations({ identifier: "Pagination" })

// The documented fields (a truncated list), plus `sequence`: versions and schema versions are
// ordered by their per-agent number by default (docs/http.md), which ids, random within a
// millisecond, cannot promise.
const sortFields = ["id", "last_seen", "status", "title", "timestamp", "started_at", "finished_at", "email", "name", "external_identifier", "sequence"]

/** the Prefactor platform's API: the documented sort fields across list types, and a direction. */
const Sorting = Schema.Struct({
  field: Schema.String.pipe(
    Schema.filter((field) => sortFields.includes(field) || `"${field}" is not among the documented sort fields (${sortFields.join(", ")})`)
  ),
  direction: Schema.Literal("asc", "desc")
}).annotations({ identifier: "Sorting" })

/** A page: `summaries` as many as `item_start..item_end` (one-based, inclusive) and at most a page. */
export const List = <A, I>(resource: Schema.Schema<A, I>) =>
  Schema.Struct({
    status: Schema.Literal("success"),
    summaries: Schema.Array(resource),
    pagination: Pagination,
    sorting: Schema.NullOr(Sorting)
  }).pipe(
    Schema.filter(({ pagination, summaries }) =>
      (summaries.length <= pagination.page_size &&
        (summaries.length === 0 || summaries.length === pagination.item_end - pagination.item_start + 1)) ||
      `summaries (${summaries.length}) disagree with pagination item_start ${pagination.item_start}, item_end ${pagination.item_end}, page_size ${pagination.page_size}`
    )
  )

/** The codes of docs/http.md's error table. */
export const ErrorCode = Schema.Literal(
  "validation_errors",
  "bad_request",
  "unauthorized",
  "not_permitted",
  "not_found",
  "invalid_action",
  "conflict",
  "payload_too_large",
  "internal_error"
)
export type ErrorCode = typeof ErrorCode.Type

export const ErrorEnvelope = Schema.Struct({
  status: Schema.Literal("error"),
  code: ErrorCode,
  message: Schema.String,
  errors: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Array(Schema.String) }))
}).annotations({ identifier: "ErrorEnvelope" })

/** docs/http.md: `not_found` errors also carry `entity` and `id`. */
export const NotFoundEnvelope = Schema.Struct({ ...ErrorEnvelope.fields, code: Schema.Literal("not_found"), entity: Schema.String, id: Schema.String })

/** docs/http.md: `invalid_action` carries `entity`, `id`, `action` and `current_status`. */
export const InvalidActionEnvelope = Schema.Struct({
  ...ErrorEnvelope.fields,
  code: Schema.Literal("invalid_action"),
  entity: Schema.String,
  id: Schema.String,
  action: Schema.String,
  current_status: Schema.String
})

/** the Prefactor platform's API: bulk outputs keyed by idempotency key, each a success or an error. */
const BulkSuccess = Schema.Struct({ status: Schema.Literal("success"), _type: Schema.String, details: Schema.Unknown })
export const Bulk = Schema.Struct({
  status: Schema.Literal("success"),
  outputs: Schema.Record({ key: Schema.String, value: Schema.Union(BulkSuccess, ErrorEnvelope) })
})
