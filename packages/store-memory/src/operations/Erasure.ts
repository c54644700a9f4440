/**
 * `StoreTx.erasure` and `StoreTx.retention` in memory: the domain's rules (`Retention.selects`,
 * `Erasure.inRange`) over the account's runs, and deletes and redactions journaled like every
 * write, so a unit of work that fails puts back what it erased. The account's lock already holds
 * every run a unit reads, so a batch is held as it is chosen.
 */
import { Erasure, type Ids, type Instance, Retention, type StoreTx } from "@agentledger/domain"
import { DateTime, Effect, Option } from "effect"
import type { Scope } from "../State.js"

const compareFinish = (a: Instance.Instance, b: Instance.Instance): number => {
  const byTime = (a.finished_at === null ? 0 : DateTime.toEpochMillis(a.finished_at)) - (b.finished_at === null ? 0 : DateTime.toEpochMillis(b.finished_at))
  return byTime !== 0 ? byTime : a.id < b.id ? -1 : a.id > b.id ? 1 : 0
}

export const erasure = ({ data, journal }: Scope): StoreTx["erasure"] => {
  /** Drops the idempotency records whose answers are about one of these runs. */
  const dropRecords = (runs: ReadonlySet<string>) => {
    for (const [name, record] of data.idempotency) {
      if (!record.runs.some((run) => runs.has(run))) continue
      data.idempotency.delete(name)
      journal(() => data.idempotency.set(name, record))
    }
  }

  const removeRun = (id: Ids.InstanceId) =>
    Effect.gen(function*() {
      if (!data.instances.rows.has(id)) return { runs: 0, spans: 0 }
      const spanIds = data.spansOf.get(id) ?? []
      for (const spanId of spanIds) yield* data.spans.remove(journal, spanId)
      data.spansOf.delete(id)
      journal(() => data.spansOf.set(id, spanIds))
      yield* data.instances.remove(journal, id)
      return { runs: 1, spans: spanIds.length }
    })

  return {
    expired: (cutoffs, limit) =>
      Effect.sync(() => {
        const selected = [...data.instances.rows.values()].filter(Retention.selects(cutoffs))
        return selected.sort(compareFinish).slice(0, limit).map((run) => run.id)
      }),
    inRange: (range, limit) =>
      Effect.sync(() =>
        [...data.instances.rows.values()].filter(Erasure.inRange(range)).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).slice(0, limit)
      ),
    delete: (ids) =>
      Effect.gen(function*() {
        let runs = 0
        let spans = 0
        for (const id of new Set(ids)) {
          const removed = yield* removeRun(id)
          runs += removed.runs
          spans += removed.spans
        }
        dropRecords(new Set<string>(ids))
        return { runs, spans }
      }),
    redact: ({ instance, spans }) =>
      Effect.gen(function*() {
        yield* data.instances.replace(journal, instance.id, instance).pipe(Effect.orDie)
        for (const span of spans) yield* data.spans.replace(journal, span.id, span).pipe(Effect.orDie)
        dropRecords(new Set<string>([instance.id]))
      })
  }
}

export const retention = ({ data, journal }: Scope): StoreTx["retention"] => ({
  get: Effect.sync(() => Option.fromNullable(data.retention)),
  put: (policy) =>
    Effect.sync(() => {
      const previous = data.retention
      data.retention = policy
      journal(() => {
        data.retention = previous
      })
    })
})
