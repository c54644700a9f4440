/**
 * Activity: a window of time cut into equal buckets, and the spans that started in it counted
 * per bucket by status — the chart a reviewer reads beside a run, an agent or the account.
 *
 * The rule (`windowOf`, `bucketOf`): a bucket is `bucket_minutes` long and starts at a whole
 * multiple of its length since the Unix epoch, so a bucket starts at the same time whoever asks;
 * the window's bounds are rounded out to whole buckets (`since` down, `until` up) and the
 * default window is the 24 hours that end with the bucket holding now. A span is counted once,
 * in the bucket holding its `started_at`, when `since <= started_at < until`.
 *
 * A store counts the spans by (bucket, status) in one aggregate (`ActivityCell`); `histogram`
 * lays the cells out with every bucket present, zeros included. `cellsOf` is the same count in
 * one pass over spans, for a store that holds them in memory.
 */
import { DateTime, Duration, Either, Schema } from "effect"
import { InvalidInput } from "./Errors.js"
import type { AgentId, InstanceId } from "./Ids.js"
import { CountByStatus, noneByStatus, type Status, statuses } from "./Status.js"

/** A bucket's length when the caller names none. */
export const defaultBucketMinutes = 5

/** How far back the window reaches when the caller names no `since`. */
export const defaultWindow: Duration.Duration = Duration.hours(24)

/** The most buckets one answer holds: a wider window needs wider buckets. */
export const maxBuckets = 2000

/** The longest bucket: a week. */
export const maxBucketMinutes = 10_080

export const SpansByStatus = CountByStatus.annotations({ identifier: "SpansByStatus" })
export type SpansByStatus = typeof SpansByStatus.Type

export const ActivityBucket = Schema.Struct({
  /** The bucket covers `[start, start + bucket_minutes)`. */
  start: Schema.DateTimeUtc,
  counts: SpansByStatus
}).annotations({ identifier: "ActivityBucket" })
export type ActivityBucket = typeof ActivityBucket.Type

export const Activity = Schema.Struct({
  /** The window counted, rounded out to whole buckets: spans started at or after `since`, before `until`. */
  since: Schema.DateTimeUtc,
  until: Schema.DateTimeUtc,
  bucket_minutes: Schema.Int,
  /** Every bucket of the window, oldest first, zeros included. */
  buckets: Schema.Array(ActivityBucket)
}).annotations({ identifier: "Activity" })
export type Activity = typeof Activity.Type

/** A window cut into buckets, in epoch milliseconds: `since` and `until` are multiples of `width`. */
export interface Window {
  readonly since: number
  readonly until: number
  readonly width: number
}

/** What a caller asks for: each field optional (`Commands.GetActivity`). */
export interface WindowRequest {
  readonly since?: DateTime.Utc | undefined
  readonly until?: DateTime.Utc | undefined
  readonly bucket_minutes?: number | undefined
}

/** The spans a store counts: the window's, narrowed to one agent or one run. */
export interface ActivityFilter {
  readonly window: Window
  readonly agent_id?: AgentId | undefined
  readonly agent_instance_id?: InstanceId | undefined
}

/** Spans of one status started in one bucket (its index in the window): a row of the store's GROUP BY. */
export interface ActivityCell {
  readonly bucket: number
  readonly status: Status
  readonly count: number
}

const floorTo = (millis: number, width: number): number => Math.floor(millis / width) * width
const ceilTo = (millis: number, width: number): number => Math.ceil(millis / width) * width

/** How many buckets the window holds. */
export const bucketCount = (window: Window): number => Math.round((window.until - window.since) / window.width)

/**
 * The window a request names, as read at `now`; refused when its buckets are not whole minutes,
 * when it is empty (`since` not before `until`, as asked or once `until` defaults to now), or
 * when it holds too many buckets.
 */
export const windowOf = (request: WindowRequest, now: DateTime.Utc): Either.Either<Window, InvalidInput> => {
  const minutes = request.bucket_minutes ?? defaultBucketMinutes
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > maxBucketMinutes) {
    return Either.left(InvalidInput.field("bucket_minutes", `must be a whole number of minutes from 1 to ${maxBucketMinutes}`))
  }
  if (request.since !== undefined && request.until !== undefined && DateTime.lessThanOrEqualTo(request.until, request.since)) {
    // Refused as asked, before rounding out could make it a bucket.
    return Either.left(InvalidInput.field("since", "must be before until"))
  }
  const width = minutes * 60_000
  const until = request.until === undefined
    ? floorTo(DateTime.toEpochMillis(now), width) + width
    : ceilTo(DateTime.toEpochMillis(request.until), width)
  const since = floorTo(
    request.since === undefined ? until - Duration.toMillis(defaultWindow) : DateTime.toEpochMillis(request.since),
    width
  )
  if (since >= until) return Either.left(InvalidInput.field("since", "must be before until"))
  const window = { since, until, width }
  const count = bucketCount(window)
  if (count > maxBuckets) {
    return Either.left(InvalidInput.field(
      "bucket_minutes",
      `makes ${count} buckets of the window; at most ${maxBuckets}: widen the buckets or narrow the window`
    ))
  }
  return Either.right(window)
}

/** The index of the bucket holding a span that started at `startedAt` (epoch milliseconds); undefined outside the window. */
export const bucketOf = (window: Window, startedAt: number): number | undefined =>
  startedAt < window.since || startedAt >= window.until ? undefined : Math.floor((startedAt - window.since) / window.width)

const noSpans: SpansByStatus = noneByStatus

/** Every bucket of the window with the cells' counts (a cell outside the window is in none of them). */
export const histogram = (window: Window, cells: Iterable<ActivityCell>): Activity => {
  const counts: Array<Record<Status, number>> = Array.from({ length: bucketCount(window) }, () => ({ ...noSpans }))
  for (const cell of cells) {
    const bucket = counts[cell.bucket]
    if (bucket !== undefined) bucket[cell.status] += cell.count
  }
  return {
    since: DateTime.unsafeMake(window.since),
    until: DateTime.unsafeMake(window.until),
    bucket_minutes: window.width / 60_000,
    buckets: counts.map((bucketCounts, index) => ({ start: DateTime.unsafeMake(window.since + index * window.width), counts: bucketCounts }))
  }
}

/** The spans counted by (bucket, status) in one pass: what a store's aggregate answers. */
export const cellsOf = (
  window: Window,
  spans: Iterable<{ readonly started_at: DateTime.Utc; readonly status: Status }>
): ReadonlyArray<ActivityCell> => {
  const counts = new Map<number, Record<Status, number>>()
  for (const span of spans) {
    const bucket = bucketOf(window, DateTime.toEpochMillis(span.started_at))
    if (bucket === undefined) continue
    const ofBucket = counts.get(bucket) ?? { ...noSpans }
    ofBucket[span.status] += 1
    counts.set(bucket, ofBucket)
  }
  const cells: Array<ActivityCell> = []
  for (const [bucket, ofBucket] of counts) {
    for (const status of statuses) if (ofBucket[status] > 0) cells.push({ bucket, status, count: ofBucket[status] })
  }
  return cells
}

/** The spans counted in an answer, all buckets and statuses together. */
export const total = (activity: Pick<Activity, "buckets">): number => {
  let sum = 0
  for (const bucket of activity.buckets) for (const status of statuses) sum += bucket.counts[status]
  return sum
}
