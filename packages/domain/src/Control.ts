/**
 * What the ledger tells a running agent with the answer to each of its spans: `control`. The
 * newer Prefactor SDKs read `control: {terminate: true, reason}` in a span create's or finish's
 * answer and stop their run; so an operator's termination reaches the agent at its next span,
 * not just the ledger.
 *
 * An agent hears it only in an answer it reads: the SDKs read `control` in a success and treat a
 * refusal of a span create as a broken contract (their whole transport stops), so a terminated
 * run keeps taking the spans its agent reports until the agent has heard (`Span.recordSpan`
 * records them closed, `Span.finishSpan` answers a span the termination closed as it stands).
 */
import { Schema } from "effect"
import type { Instance } from "./Instance.js"

/** `{terminate, reason}`: stop the run, and why (the termination's reason). */
export const RunControl = Schema.Struct({
  terminate: Schema.Boolean,
  reason: Schema.NullOr(Schema.String)
}).annotations({ identifier: "RunControl" })
export type RunControl = typeof RunControl.Type

/**
 * Whether a run was stopped by an operator: its agent is told so with every span answer, and the
 * spans it still reports are kept as evidence of what it did after (closed at once).
 */
export const isStopped = (instance: Pick<Instance, "status">): boolean => instance.status === "terminated"

/** The control a run's span answers carry: terminate when the run was terminated, else none. */
export const controlOf = (instance: Pick<Instance, "status" | "termination_reason">): RunControl | null =>
  isStopped(instance) ? { terminate: true, reason: instance.termination_reason } : null
