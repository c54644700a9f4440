/**
 * Spans over time as a stacked bar chart, drawn as SVG (no chart library): a bar per bucket of
 * the API's activity, its spans stacked by status. Accessible without sight: the figure is
 * labelled by its caption, which says the window and the total in words; the drawing is one
 * image whose label sums it up by status; each bar carries a title (a tooltip); the legend
 * writes every status with its count (colour is never the only sign); and the buckets that hold
 * spans are a table under a disclosure, reachable by keyboard.
 */
import { useId } from "preact/hooks"
import { type Activity, activityTotal, type ActivityBucket, bucketTotal } from "../api/Activity.js"
import { type Status } from "../api/Runs.js"
import { count, dateTime, words } from "./Format.js"

/** The stacking order, bottom up: the open spans first, then the endings. */
const stacked: ReadonlyArray<Status> = ["active", "pending", "complete", "failed", "cancelled", "terminated"]

/** The drawing's units: a bar is 3 wide, centred in a slot of 4; the tallest bar is `height` high. */
const slot = 4
const height = 60

const byStatus = (data: Activity): Record<Status, number> => {
  const totals: Record<Status, number> = { active: 0, pending: 0, complete: 0, failed: 0, cancelled: 0, terminated: 0 }
  for (const bucket of data.buckets) for (const status of stacked) totals[status] += bucket.counts[status] ?? 0
  return totals
}

/** "2 active, 1 complete", or "none". */
const described = (counts: Readonly<Record<string, number>>): string => {
  const parts = stacked.filter((status) => (counts[status] ?? 0) > 0).map((status) => `${count(counts[status] ?? 0)} ${words(status)}`)
  return parts.length === 0 ? "none" : parts.join(", ")
}

const Bar = ({ bucket, index, max }: { readonly bucket: ActivityBucket; readonly index: number; readonly max: number }) => {
  const total = bucketTotal(bucket)
  if (total === 0) return null
  let top = height
  return (
    <g>
      <title>{dateTime(bucket.start)}: {described(bucket.counts)}</title>
      {stacked.map((status) => {
        const n = bucket.counts[status] ?? 0
        if (n === 0) return null
        const tall = (n / max) * height
        top -= tall
        return <rect key={status} class={`bar-${status}`} x={index * slot + 0.5} y={top} width={slot - 1} height={tall} />
      })}
    </g>
  )
}

export const ActivityChart = ({ data, title }: { readonly data: Activity; readonly title: string }) => {
  const id = useId()
  const total = activityTotal(data)
  const totals = byStatus(data)
  const busy = data.buckets.filter((bucket) => bucketTotal(bucket) > 0)
  const max = Math.max(1, ...busy.map(bucketTotal))
  const window = `${dateTime(data.since)} to ${dateTime(data.until)}`
  return (
    <figure class="activity-chart" aria-labelledby={`${id}-caption`} data-total={total}>
      <figcaption id={`${id}-caption`}>
        <strong>{title}</strong>{" "}
        <span class="muted">
          {count(total)} {total === 1 ? "span" : "spans"} started from {window}, in {data.bucket_minutes}-minute buckets
          {total === 0 ? "" : `; at most ${count(max)} in one bucket`}
        </span>
      </figcaption>
      <svg
        class="bars"
        viewBox={`0 0 ${Math.max(data.buckets.length, 1) * slot} ${height}`}
        preserveAspectRatio="none"
        role="img"
        aria-label={`${title}: ${count(total)} spans (${described(totals)}) from ${window}`}
      >
        <line class="baseline" x1={0} y1={height} x2={data.buckets.length * slot} y2={height} />
        {data.buckets.map((bucket, index) => <Bar key={bucket.start} bucket={bucket} index={index} max={max} />)}
      </svg>
      <div class="axis" aria-hidden="true">
        <span>{dateTime(data.since)}</span>
        <span>{dateTime(data.until)}</span>
      </div>
      <ul class="legend" aria-label="Spans by status">
        {stacked.map((status) => (
          <li key={status} class={totals[status] === 0 ? "zero" : ""}>
            <span class={`swatch bar-${status}`} aria-hidden="true" /> {words(status)} {count(totals[status])}
          </li>
        ))}
      </ul>
      <details class="chart-table">
        <summary>The chart as a table ({count(busy.length)} {busy.length === 1 ? "bucket" : "buckets"} with spans)</summary>
        {busy.length === 0
          ? <p class="muted">No span started in this window.</p>
          : (
            <table>
              <caption>{title}: spans by status per {data.bucket_minutes}-minute bucket, buckets without spans left out</caption>
              <thead>
                <tr>
                  <th scope="col">Bucket start</th>
                  {stacked.map((status) => <th key={status} scope="col" class="number">{words(status)}</th>)}
                  <th scope="col" class="number">All</th>
                </tr>
              </thead>
              <tbody>
                {busy.map((bucket) => (
                  <tr key={bucket.start}>
                    <th scope="row">{dateTime(bucket.start)}</th>
                    {stacked.map((status) => <td key={status} class="number">{count(bucket.counts[status] ?? 0)}</td>)}
                    <td class="number">{count(bucketTotal(bucket))}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
      </details>
    </figure>
  )
}
