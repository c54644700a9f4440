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

/** One more record in `status`. */
export const countAdded = (counts: StatusCounts, status: Status): StatusCounts => ({
  ...counts,
  total: counts.total + 1,
  [status]: counts[status] + 1,
  finished: counts.finished + (isTerminal(status) ? 1 : 0)
})

/** One record moved from `from` to `to`. */
export const countMoved = (counts: StatusCounts, from: Status, to: Status): StatusCounts =>
  from === to ? counts : {
    ...counts,
    [from]: counts[from] - 1,
    [to]: counts[to] + 1,
    finished: counts.finished - (isTerminal(from) ? 1 : 0) + (isTerminal(to) ? 1 : 0)
  }
