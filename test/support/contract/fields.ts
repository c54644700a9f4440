/**
 * The reference's field types, for the contract test's reference Schemas (this folder): PFIDs,
 * ISO-8601 timestamps, counts, JSON objects, run statuses and risk levels.
 *
 * The reference Schemas are written from the reference notes (the Prefactor API's envelopes and
 * the resource field lists of its Python SDK models and its platform docs, as our reference notes
 * record them) and from docs/http.md for our documented extensions. Nothing is imported from
 * packages/http: a contract that drifted from the reference must fail the contract test, not
 * agree with itself. Structs keep the default excess-property handling, so fields beyond the
 * reference are allowed; a missing or mistyped one is reported by field.
 */
import { Schema } from "effect"

/** A PFID (the SDK's wire protocol): 32 lowercase Crockford base32 characters, the first 0–7. */
export const Pfid = Schema.String.pipe(Schema.pattern(/^[0-7][0-9abcdefghjkmnpqrstvwxyz]{31}$/)).annotations({ identifier: "PFID" })

/** An ISO-8601 date-time string. */
export const Timestamp = Schema.String.pipe(
  Schema.pattern(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/),
  Schema.filter((text) => !Number.isNaN(Date.parse(text)) || "not a real date-time")
).annotations({ identifier: "ISO-8601 timestamp" })

export const Count = Schema.Int.pipe(Schema.nonNegative())
export const JsonObject = Schema.Record({ key: Schema.String, value: Schema.Unknown })

/** The status of instances and spans (the SDK's wire protocol). */
export const RunStatus = Schema.Literal("pending", "active", "complete", "failed", "cancelled", "terminated")
export const RiskLevel = Schema.Literal("low", "medium", "high", "critical")
