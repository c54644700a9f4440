/**
 * Spans reported after they completed, as OpenTelemetry exports them: a span is sent once it has
 * ended, on its own or in a batch, so a child usually arrives before its parent, and a child that
 * ends late arrives after its run finished. A recording that says so (`reported: "completed"`,
 * which only the OTLP ingestion says) keeps three rules of its own; a recording that does not —
 * every call of the Prefactor wire — keeps the ordinary ones (`Instance.admitSpan`, a parent
 * stored first).
 *
 * 1. A span reported after it completed is terminal and carries its start and its end, the end
 *    not before the start.
 * 2. Its parent may not have arrived yet: the span names it all the same (an id of the account's
 *    partition, so it can only ever be one of the account's spans), and the timeline shows the
 *    span as a root until the parent arrives (`Timeline.timeline`).
 * 3. A pending or active run takes it, and its start moves back to the span's when the span began
 *    earlier (the run started when its earliest span did). A run that finished `complete` or
 *    `failed` takes it when the span lies within the run's time — a late export of one of its
 *    spans. A terminated run takes it wherever it lies and stays terminated: an operator stopped
 *    the run while its agent was still reporting, and the ledger keeps what the agent did (as a
 *    terminated run keeps the Prefactor wire's late spans, `Span.recordSpan`). A cancelled run,
 *    or a span outside a finished run's time, is refused.
 */
import { DateTime, Either } from "effect"
import { InvalidAction, InvalidInput } from "./Errors.js"
import { isInPartition, type Partition, type SpanId } from "./Ids.js"
import type { Instance } from "./Instance.js"
import type { SpanInput } from "./Span.js"
import { isTerminal } from "./Status.js"

/** How spans were reported: `"completed"`, after they completed (OTLP). */
export type Reporting = "completed"

/** The times of a span reported after it completed. */
export interface Times {
  readonly started_at: DateTime.Utc
  readonly finished_at: DateTime.Utc
}

/** Rule 1: a span reported after it completed is terminal, with a start and an end not before it. */
export const validate = (input: SpanInput): Either.Either<Times, InvalidInput> => {
  if (!isTerminal(input.status)) {
    return Either.left(InvalidInput.field("status", "must be terminal for a span reported after it completed"))
  }
  const started = input.started_at ?? null
  const finished = input.finished_at ?? null
  if (started === null) return Either.left(InvalidInput.field("started_at", "is required for a span reported after it completed"))
  if (finished === null) return Either.left(InvalidInput.field("finished_at", "is required for a span reported after it completed"))
  if (DateTime.lessThan(finished, started)) return Either.left(InvalidInput.field("finished_at", "must not be before started_at"))
  return Either.right({ started_at: started, finished_at: finished })
}

/**
 * Rule 2: the parent a span names that is not stored yet — accepted as awaited when it is an id
 * of the account's partition.
 */
export const awaitedParent = (named: SpanId, partition: Partition): Either.Either<SpanId, InvalidInput> =>
  isInPartition(named, partition)
    ? Either.right(named)
    : Either.left(InvalidInput.field("parent_span_id", "must be a span id of the account"))

const refuse = (instance: Instance, span: Times) =>
  Either.left(
    new InvalidAction({
      entity: "agent_instance",
      id: instance.id,
      action: `record a span of ${DateTime.formatIso(span.started_at)}–${DateTime.formatIso(span.finished_at)} reported after it completed on`,
      status: instance.status
    })
  )

/** Whether a span lies within a finished run's time. */
export const withinRun = (instance: Instance, span: Times): boolean =>
  instance.started_at !== null && instance.finished_at !== null &&
  DateTime.lessThanOrEqualTo(instance.started_at, span.started_at) && DateTime.lessThanOrEqualTo(span.finished_at, instance.finished_at)

/** Rule 3: the run as it takes a span reported after it completed, or why it does not. */
export const admit = (instance: Instance, span: Times, now: DateTime.Utc): Either.Either<Instance, InvalidAction> => {
  switch (instance.status) {
    case "pending":
      return Either.right({ ...instance, status: "active", started_at: span.started_at, updated_at: now })
    case "active":
      return instance.started_at === null || DateTime.lessThan(span.started_at, instance.started_at)
        ? Either.right({ ...instance, started_at: span.started_at, updated_at: now })
        : Either.right(instance)
    case "complete":
    case "failed":
      return withinRun(instance, span) ? Either.right(instance) : refuse(instance, span)
    case "terminated":
      return Either.right(instance)
    default:
      return refuse(instance, span)
  }
}
