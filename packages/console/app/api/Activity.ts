/**
 * Spans over time as the console reads them (`GET /activity`): every bucket of a window with its
 * spans by status. Field names are the API's; `Contract.ts` checks them against the contract.
 */
import type { Client, Query } from "./Client.js"
import type { Reader } from "./Read.js"
import { statuses } from "./Runs.js"

export interface ActivityBucket {
  readonly start: string
  readonly counts: Readonly<Record<string, number>>
}

export interface Activity {
  readonly since: string
  readonly until: string
  readonly bucket_minutes: number
  readonly buckets: ReadonlyArray<ActivityBucket>
}

const placeholder: Activity = { since: "", until: "", bucket_minutes: 5, buckets: [] }

export const activity = (r: Reader): Activity => ({
  since: r.string("since"),
  until: r.string("until"),
  bucket_minutes: r.number("bucket_minutes"),
  buckets: r.array("buckets", (b) => ({ start: b.string("start"), counts: b.numbers("counts") }))
})

/** The activity a query names (the API's own parameter names). */
export const readActivity = (client: Client, query: Query) =>
  client.get("/activity", (r) => r.object("details", activity, placeholder), query)

/** A bucket's spans, all statuses together. */
export const bucketTotal = (bucket: ActivityBucket): number => statuses.reduce((sum, status) => sum + (bucket.counts[status] ?? 0), 0)

/** The spans of every bucket together. */
export const activityTotal = (data: Activity): number => data.buckets.reduce((sum, bucket) => sum + bucketTotal(bucket), 0)

/** A day: the longest window a run's chart shows (its last day). */
const day = 86_400_000

/**
 * The window of a run's chart: from its registration (or its start, if earlier) to its end (now,
 * while it is open), the last day of it when it ran longer. `until` is a millisecond past the end
 * so that a span started at the very end is in.
 */
export const runWindow = (run: { readonly inserted_at: string; readonly started_at: string | null; readonly finished_at: string | null }, now: number): Query => {
  const registered = Date.parse(run.inserted_at)
  const start = run.started_at === null ? registered : Math.min(registered, Date.parse(run.started_at))
  const end = Math.max(run.finished_at === null ? now : Date.parse(run.finished_at), start) + 1
  return { since: new Date(Math.max(start, end - day)).toISOString(), until: new Date(end).toISOString() }
}
