/**
 * The erasure use cases: delete a run with its spans, redact a finished run (`Erasure`), and
 * delete or redact every run of an agent that started in a window, in bounded units of work.
 * Account tokens only. Each unit of work is one audited mutation; the store drops, with the runs,
 * the idempotency records whose answers held them, so no replay brings erased data back.
 *
 * This process forgets the owners it remembered of the erased runs' spans (`Shared.spanOwners`):
 * an id freed by a deletion may name a new span later.
 */
import { Effect, Option, Schema } from "effect"
import * as Erasure from "../Erasure.js"
import type * as Ids from "../Ids.js"
import * as Instance from "../Instance.js"
import type { LedgerSession } from "../Ledger.js"
import type { StoreTx } from "../LedgerStore.js"
import { justCount } from "./Loads.js"
import type { Session } from "./Session.js"
import { fromEither, type Shared } from "./Shared.js"
import { useCase } from "./Tracing.js"

type ErasureUseCases = Pick<LedgerSession, "deleteRun" | "redactRun" | "eraseRuns">

/** A range erasure's unit of work found nothing left to erase: it ends without writing. */
class NothingLeft extends Schema.TaggedError<NothingLeft>()("NothingLeft", {}) {}

/** Forgets, in this process, the owners of the spans of runs just erased. */
export const forgetRuns = (shared: Shared, account: Ids.AccountId, runs: ReadonlyArray<Ids.InstanceId>): void => {
  if (runs.length === 0) return
  const erased = new Set<string>(runs)
  shared.spanOwners.deleteWhere((owner, key) => erased.has(owner.agent_instance_id) && key.startsWith(`${account}/`))
}

const whole = { runs: 0, spans: 0, batches: 0 }

export const make = ({ account, load, shared, work }: Session): ErasureUseCases => {
  const { now } = shared
  const forget = (runs: ReadonlyArray<Ids.InstanceId>) => Effect.sync(() => forgetRuns(shared, account, runs))

  /** One unit of work of a range erasure: the next runs of the range, deleted or redacted. */
  const eraseBatch = (tx: StoreTx, range: Erasure.RunRange, request: Erasure.EraseRuns) =>
    Effect.gen(function*() {
      const candidates = yield* tx.erasure.inRange(range, Erasure.batchRuns)
      if (candidates.length === 0) return yield* new NothingLeft()
      let spans = 0
      let taken: ReadonlyArray<Instance.Instance> = candidates
      if (request.mode === "delete") {
        spans = (yield* tx.erasure.delete(candidates.map((run) => run.id))).spans
      } else {
        const at = yield* now
        taken = Erasure.redactionBatch(candidates)
        for (const instance of taken) {
          // The range keeps redactable runs only: a refusal here is a store that broke the rule.
          const redaction = yield* fromEither(Erasure.redact(instance, yield* tx.spans.ofInstance(instance.id), at)).pipe(Effect.orDie)
          yield* tx.erasure.redact(redaction)
          spans += redaction.spans.length
        }
      }
      return Erasure.ErasedBatch.make({
        agent_id: range.agent_id,
        mode: request.mode,
        started_after: request.started_after ?? null,
        started_before: request.started_before ?? null,
        agent_instance_ids: taken.map((run) => run.id),
        spans
      })
    })

  /** The runs of the range a redaction left because they had not finished. */
  const unfinished = (range: Erasure.RunRange) =>
    work.read((tx) =>
      Effect.map(
        Effect.all([
          tx.instances.list({ agent_id: range.agent_id, started_after: range.started_after, started_before: range.started_before, status: "pending" }, justCount),
          tx.instances.list({ agent_id: range.agent_id, started_after: range.started_after, started_before: range.started_before, status: "active" }, justCount)
        ], { concurrency: 2 }),
        ([pending, active]) => pending.total + active.total
      ))

  return {
    deleteRun: useCase("Ledger.deleteRun", (id, options) =>
      work.mutate(
        { operation: "agent_instance.delete", request: { id }, answer: Instance.Instance, options, subject: (run) => run.id, removes: true },
        (tx) =>
          Effect.gen(function*() {
            // Held first: a span arriving meanwhile waits, then finds no run.
            const instance = yield* load.lockInstance(tx, id)
            yield* tx.erasure.delete([id])
            return instance
          })
      ).pipe(Effect.tap(() => forget([id])))),

    redactRun: useCase("Ledger.redactRun", (id, options) =>
      work.mutate(
        { operation: "agent_instance.redact", request: { id }, answer: Instance.Instance, options, subject: (run) => run.id },
        (tx, trail) =>
          Effect.gen(function*() {
            const instance = yield* load.lockInstance(tx, id)
            yield* trail.before(Instance.Instance, instance)
            const redaction = yield* fromEither(Erasure.redact(instance, yield* tx.spans.ofInstance(id), yield* now))
            if (redaction.instance !== instance) yield* tx.erasure.redact(redaction)
            return redaction.instance
          })
      )),

    eraseRuns: useCase("Ledger.eraseRuns", (id, request) =>
      Effect.gen(function*() {
        // Who may erase, and whose agent, before what the window says.
        yield* work.read((tx) => load.agent(tx, id))
        const range = yield* fromEither(Erasure.rangeOf(id, request))
        let totals = whole
        while (true) {
          const batch = yield* work.mutate(
            { operation: "agent_instance.erase", request: { id, input: request }, answer: Erasure.ErasedBatch, options: undefined },
            (tx) => eraseBatch(tx, range, request)
          ).pipe(Effect.map(Option.some), Effect.catchTag("NothingLeft", () => Effect.succeed(Option.none())))
          if (Option.isNone(batch)) break
          yield* forget(batch.value.agent_instance_ids)
          totals = {
            runs: totals.runs + batch.value.agent_instance_ids.length,
            spans: totals.spans + batch.value.spans,
            batches: totals.batches + 1
          }
        }
        return Erasure.Erased.make({
          agent_id: id,
          mode: request.mode,
          ...totals,
          unfinished: request.mode === "redact" ? yield* unfinished(range) : 0
        })
      }))
  }
}
