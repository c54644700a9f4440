/**
 * The one schema of every timestamp a client sends: an ISO 8601 date-time with its time and its
 * zone (`2026-01-31T09:30:00Z`, `…T09:30:00.123+01:00`), decoded to a `DateTime.Utc`.
 *
 * `Schema.DateTimeUtc` alone accepts whatever JavaScript's `Date` parses — `"-1"`, `"%00"`, `"2"`,
 * `"March 7"` — and reads most of them as some date in local time: a client's typo became a run
 * started in year -1 or 2001. The pattern comes first, so only an unambiguous instant reaches the
 * date parser; the parser still refuses impossible ones (month 13, hour 25). Years past 9999 and
 * before 0 use the extended six-digit form `Date.toISOString` itself writes, so every instant the
 * ledger stores encodes back through this schema.
 */
import { Schema } from "effect"

const isoDateTime = /^(?:\d{4}|[+-]\d{6})-\d{2}-\d{2}[Tt]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:[Zz]|[+-]\d{2}:?\d{2})$/

/** The wire form: the text of an ISO 8601 date-time with time and zone. */
export const IsoDateTimeString = Schema.String.pipe(
  Schema.pattern(isoDateTime, {
    message: () => "Expected an ISO 8601 date-time with time and zone, e.g. 2026-01-31T09:30:00Z"
  })
).annotations({ identifier: "IsoDateTime" })

/** A timestamp: ISO 8601 text on the wire, a `DateTime.Utc` in the domain. */
export const Timestamp = Schema.compose(IsoDateTimeString, Schema.DateTimeUtc).annotations({ identifier: "Timestamp" })
