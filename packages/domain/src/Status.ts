/**
 * The run statuses shared by instances and spans:
 * `pending → active → complete | failed | cancelled`, `pending → cancelled`, and
 * `pending | active → terminated` (an operator's stop). The last four are terminal.
 */
import { Schema } from "effect"

export const statuses = ["pending", "active", "complete", "failed", "cancelled", "terminated"] as const
export const Status = Schema.Literal(...statuses)
export type Status = typeof Status.Type

export const terminalStatuses = ["complete", "failed", "cancelled", "terminated"] as const
export type TerminalStatus = (typeof terminalStatuses)[number]

export const isTerminal = (status: Status): status is TerminalStatus =>
  status === "complete" || status === "failed" || status === "cancelled" || status === "terminated"

/** What a finish call may ask for. */
export const FinishStatus = Schema.Literal("complete", "failed", "cancelled")
export type FinishStatus = typeof FinishStatus.Type

/** A count for each status, of runs or of spans: every status present, zero or not. */
export const CountByStatus = Schema.Struct({
  pending: Schema.Int,
  active: Schema.Int,
  complete: Schema.Int,
  failed: Schema.Int,
  cancelled: Schema.Int,
  terminated: Schema.Int
})
export type CountByStatus = typeof CountByStatus.Type

/** Nothing counted in any status. */
export const noneByStatus: CountByStatus = { pending: 0, active: 0, complete: 0, failed: 0, cancelled: 0, terminated: 0 }

/** Spans of a run by status; `finished` counts the terminal ones. */
export const StatusCounts = Schema.Struct({
  total: Schema.Int,
  pending: Schema.Int,
  active: Schema.Int,
  complete: Schema.Int,
  failed: Schema.Int,
  cancelled: Schema.Int,
  terminated: Schema.Int,
  finished: Schema.Int
}).annotations({ identifier: "StatusCounts" })
export type StatusCounts = typeof StatusCounts.Type

export const noCounts: StatusCounts = {
  total: 0,
  pending: 0,
  active: 0,
  complete: 0,
  failed: 0,
  cancelled: 0,
  terminated: 0,
  finished: 0
}

/** `counts` with `delta` more records in `status` (a monomorphic literal: this runs per span). */
const shifted = (counts: StatusCounts, status: Status, delta: number, total: number): StatusCounts => ({
  total: counts.total + total,
  pending: status === "pending" ? counts.pending + delta : counts.pending,
  active: status === "active" ? counts.active + delta : counts.active,
  complete: status === "complete" ? counts.complete + delta : counts.complete,
  failed: status === "failed" ? counts.failed + delta : counts.failed,
  cancelled: status === "cancelled" ? counts.cancelled + delta : counts.cancelled,
  terminated: status === "terminated" ? counts.terminated + delta : counts.terminated,
  finished: isTerminal(status) ? counts.finished + delta : counts.finished
})

/** One more record in `status`. */
export const countAdded = (counts: StatusCounts, status: Status): StatusCounts => shifted(counts, status, 1, 1)

/** One record moved from `from` to `to`. */
export const countMoved = (counts: StatusCounts, from: Status, to: Status): StatusCounts =>
  from === to ? counts : shifted(shifted(counts, from, -1, 0), to, 1, 0)

/** The counts of records given how many are in each status. */
export const countsOf = (inStatus: (status: Status) => number): StatusCounts =>
  statuses.reduce((counts, status) => shifted(counts, status, inStatus(status), inStatus(status)), noCounts)
