/**
 * Activity (docs/domain.md, "Reviewing runs"): a window rounded out to whole buckets that start
 * at multiples of their length since the epoch, the last day in 5-minute buckets by default,
 * refused when empty or past 2,000 buckets; each span in the window counted once, in the bucket
 * of its start time; every bucket present, zeros included.
 */
import { describe, expect, it } from "@effect/vitest"
import { DateTime, Either, FastCheck as fc } from "effect"
import { Activity, Status } from "@agentledger/domain"

const minute = 60_000
/** A time on a 5-minute boundary (and on a day's). */
const midnight = Date.UTC(2026, 0, 31)
const time = (millis: number) => DateTime.unsafeMake(millis)

const windowOf = (request: Activity.WindowRequest, now = midnight): Activity.Window => {
  const window = Activity.windowOf(request, time(now))
  return Either.isRight(window) ? window.right : expect.fail(`refused: ${window.left.message}`)
}

const refusal = (request: Activity.WindowRequest, now = midnight) => {
  const window = Activity.windowOf(request, time(now))
  return Either.isLeft(window) ? window.left.errors : expect.fail("the window was accepted")
}

const none = { pending: 0, active: 0, complete: 0, failed: 0, cancelled: 0, terminated: 0 }

describe("Activity.windowOf", () => {
  it("is the last day in 5-minute buckets by default, ending with the bucket that holds now", () => {
    const now = midnight + 7 * minute + 1234
    const window = windowOf({}, now)
    expect(window).toEqual({ since: midnight + 10 * minute - 86_400_000, until: midnight + 10 * minute, width: 5 * minute })
    expect(Activity.bucketCount(window)).toBe(288)
    // Now on a bucket's edge: the bucket starting now is the last.
    expect(windowOf({}, midnight).until).toBe(midnight + 5 * minute)
  })

  it("rounds the bounds out to whole buckets counted from the epoch", () => {
    expect(windowOf({ since: time(midnight + 61_000), until: time(midnight + 14 * minute + 1), bucket_minutes: 5 })).toEqual({
      since: midnight,
      until: midnight + 15 * minute,
      width: 5 * minute
    })
    expect(windowOf({ since: time(midnight), until: time(midnight + 10 * minute) })).toEqual({
      since: midnight,
      until: midnight + 10 * minute,
      width: 5 * minute
    })
    // A day before `until` when only `until` is named.
    expect(windowOf({ until: time(midnight), bucket_minutes: 60 }).since).toBe(midnight - 86_400_000)
  })

  it("refuses buckets that are not whole minutes from 1 to a week, an empty window, and more than 2,000 buckets", () => {
    for (const bucket_minutes of [0, -5, 1.5, Activity.maxBucketMinutes + 1]) expect(Object.keys(refusal({ bucket_minutes }))).toEqual(["bucket_minutes"])
    expect(refusal({ since: time(midnight), until: time(midnight) })).toEqual({ since: ["must be before until"] })
    expect(refusal({ since: time(midnight + minute), until: time(midnight) })).toHaveProperty("since")
    // Inverted within one bucket: refused as asked, not rounded out into a bucket.
    expect(refusal({ since: time(midnight + 2 * minute), until: time(midnight + minute) })).toHaveProperty("since")
    // A start after the bucket that holds now, with no end: empty.
    expect(refusal({ since: time(midnight + 10 * minute) }, midnight + minute)).toHaveProperty("since")
    expect(Activity.bucketCount(windowOf({ since: time(midnight), until: time(midnight + 2000 * minute), bucket_minutes: 1 }))).toBe(2000)
    expect(refusal({ since: time(midnight), until: time(midnight + 2001 * minute), bucket_minutes: 1 })).toHaveProperty("bucket_minutes")
  })
})

describe("Activity.histogram", () => {
  const window = { since: midnight, until: midnight + 15 * minute, width: 5 * minute }

  it("lays every bucket out, oldest first, zeros included", () => {
    const activity = Activity.histogram(window, [
      { bucket: 2, status: "failed", count: 1 },
      { bucket: 0, status: "active", count: 3 },
      { bucket: 2, status: "complete", count: 4 }
    ])
    expect(activity).toEqual({
      since: time(midnight),
      until: time(midnight + 15 * minute),
      bucket_minutes: 5,
      buckets: [
        { start: time(midnight), counts: { ...none, active: 3 } },
        { start: time(midnight + 5 * minute), counts: none },
        { start: time(midnight + 10 * minute), counts: { ...none, complete: 4, failed: 1 } }
      ]
    })
    expect(Activity.total(activity)).toBe(8)
  })

  it("places a span on a bucket's edge in the bucket it starts, and none outside the window", () => {
    const spans = [
      { started_at: time(midnight - 1), status: "active" as const },
      { started_at: time(midnight), status: "active" as const },
      { started_at: time(midnight + 5 * minute - 1), status: "complete" as const },
      { started_at: time(midnight + 5 * minute), status: "complete" as const },
      { started_at: time(midnight + 15 * minute), status: "failed" as const }
    ]
    expect(Activity.histogram(window, Activity.cellsOf(window, spans)).buckets.map((b) => b.counts)).toEqual([
      { ...none, active: 1, complete: 1 },
      { ...none, complete: 1 },
      none
    ])
  })

  const span = fc.record({
    started_at: fc.integer({ min: midnight - 3 * 86_400_000, max: midnight + 3 * 86_400_000 }),
    status: fc.constantFrom(...Status.statuses)
  })
  const request = fc.record({
    since: fc.option(fc.integer({ min: midnight - 2 * 86_400_000, max: midnight }), { nil: undefined }),
    length: fc.integer({ min: 1, max: 2 * 86_400_000 }),
    bucket_minutes: fc.option(fc.constantFrom(1, 5, 7, 60, 1440), { nil: undefined })
  })

  it.prop(
    "counts each span in the window once, in the bucket of its start time; the buckets sum to the spans in the window",
    [fc.array(span, { maxLength: 200 }), request, fc.integer({ min: midnight - 86_400_000, max: midnight + 86_400_000 })],
    ([spans, asked, now]) => {
      const decided = Activity.windowOf({
        since: asked.since === undefined ? undefined : time(asked.since),
        until: asked.since === undefined ? undefined : time(asked.since + asked.length),
        bucket_minutes: asked.bucket_minutes
      }, time(now))
      if (Either.isLeft(decided)) {
        // Only too many buckets is refused here: every request names whole minutes and a window that is not empty.
        expect(Object.keys(decided.left.errors)).toEqual(["bucket_minutes"])
        return
      }
      const window = decided.right
      expect([window.since % window.width, window.until % window.width]).toEqual([0, 0])
      if (asked.since !== undefined) expect(window.since <= asked.since && asked.since + asked.length <= window.until).toBe(true)
      const activity = Activity.histogram(window, Activity.cellsOf(window, spans.map((s) => ({ ...s, started_at: time(s.started_at) }))))
      const inWindow = spans.filter((s) => s.started_at >= window.since && s.started_at < window.until)
      expect(activity.buckets).toHaveLength(Activity.bucketCount(window))
      expect(Activity.total(activity)).toBe(inWindow.length)
      activity.buckets.forEach((bucket, index) => {
        const start = window.since + index * window.width
        expect(DateTime.toEpochMillis(bucket.start)).toBe(start)
        for (const status of Status.statuses) {
          const plain = inWindow.filter((s) => s.status === status && s.started_at >= start && s.started_at < start + window.width).length
          expect(bucket.counts[status]).toBe(plain)
        }
      })
    }
  )
})
