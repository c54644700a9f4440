/**
 * The store port's part for erasure and retention (`StoreTx.erasure`, `StoreTx.retention`):
 * choosing a bounded batch of runs — those a retention policy's cutoffs select, those of a range
 * erasure — and deleting or redacting runs set by set. The rules (which runs, what a redaction
 * writes) are the domain's (`Retention.selects`, `Erasure.inRange`, `Erasure.redact`); a store
 * that cannot run them over its rows translates them into its query language.
 */
import type { Effect, Option } from "effect"
import type * as Erasure from "./Erasure.js"
import type { InstanceId } from "./Ids.js"
import type { Instance } from "./Instance.js"
import type * as Retention from "./Retention.js"

export interface ErasureSection {
  /** The ids of at most `limit` runs the cutoffs select (`Retention.selects`), the oldest finish first. */
  readonly expired: (cutoffs: Retention.Cutoffs, limit: number) => Effect.Effect<ReadonlyArray<InstanceId>>
  /** At most `limit` runs the range reaches (`Erasure.inRange`), by id. */
  readonly inRange: (range: Erasure.RunRange, limit: number) => Effect.Effect<ReadonlyArray<Instance>>
  /**
   * Deletes these runs with their spans, and every idempotency record about one of them
   * (`IdempotencyRecord.runs`), so no replay answers what was deleted: a few statements for the
   * whole set on a database, whatever its size. Answers how many runs and spans went.
   */
  readonly delete: (ids: ReadonlyArray<InstanceId>) => Effect.Effect<Erasure.Deleted>
  /**
   * Writes a redaction: the run as given (its mark), each span's payload, result, summary and
   * conformance as given; and drops every idempotency record about the run, whose answers hold
   * what the redaction removed.
   */
  readonly redact: (redaction: Erasure.Redaction) => Effect.Effect<void>
}

export interface RetentionSection {
  /** The account's policy, if it ever set one. */
  readonly get: Effect.Effect<Option.Option<Retention.RetentionPolicy>>
  /** Sets the account's policy, replacing the one before. */
  readonly put: (policy: Retention.RetentionPolicy) => Effect.Effect<void>
}
