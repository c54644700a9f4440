/**
 * `StoreTx.spans` in memory, keeping each run's spans in creation order (`spansOf`): the
 * timeline's source, and what a run's reads go through instead of scanning the account.
 */
import { Activity, type Ids, type Span, SpanOutline, type StoreTx, type Timeline, UniqueViolation } from "@agentledger/domain"
import { DateTime, Effect } from "effect"
import type { AccountData, Scope } from "../State.js"
import { listOf } from "../Table.js"
import * as Tallies from "../Tallies.js"

const spansOfInstance = (data: AccountData, instance: Ids.InstanceId): Array<Span.Span> => {
  const out: Array<Span.Span> = []
  for (const id of data.spansOf.get(instance) ?? []) {
    const row = data.spans.rows.get(id)
    if (row !== undefined) out.push(row)
  }
  return out
}

/**
 * The position in a run's ids (creation order, so ascending sequence) of its first span after
 * sequence `after`: a binary search, as a keyset page on a database finds its start by index.
 */
const firstAfter = (data: AccountData, ids: ReadonlyArray<Ids.SpanId>, after: number): number => {
  let low = 0
  let high = ids.length
  while (low < high) {
    const middle = (low + high) >>> 1
    const id = ids[middle]
    const row = id === undefined ? undefined : data.spans.rows.get(id)
    if (row !== undefined && row.sequence <= after) low = middle + 1
    else high = middle
  }
  return low
}

/** The rows `keep` keeps, as they are read: one pass, no copy. */
function* keptBy(rows: Iterable<Span.Span>, keep: (row: Span.Span) => boolean): Iterable<Span.Span> {
  for (const row of rows) if (keep(row)) yield row
}

export const spans = ({ data, journal }: Scope): StoreTx["spans"] => {
  const insert = (rows: ReadonlyArray<Span.Span>): Effect.Effect<void, UniqueViolation> =>
    Effect.suspend(() => {
      // One undo step for the whole batch: ingest writes thousands of spans per second.
      const inserted: Array<Span.Span> = []
      journal(() => {
        for (const row of inserted) {
          data.spans.rows.delete(row.id)
          data.spansOf.get(row.agent_instance_id)?.pop()
        }
      })
      for (const row of rows) {
        if (data.spans.rows.has(row.id)) return Effect.fail(new UniqueViolation({ constraint: "agent_span_pkey" }))
        data.spans.rows.set(row.id, row)
        const ofInstance = data.spansOf.get(row.agent_instance_id)
        if (ofInstance === undefined) data.spansOf.set(row.agent_instance_id, [row.id])
        else ofInstance.push(row.id)
        inserted.push(row)
      }
      return Effect.void
    })

  return {
    get: (id) => data.spans.get(id),
    record: (rows, instances) =>
      Effect.zipRight(
        insert(rows),
        Effect.forEach(instances, (row) => data.instances.replace(journal, row.id, row), { discard: true }).pipe(Effect.orDie)
      ),
    update: (rows) => Effect.forEach(rows, (row) => data.spans.replace(journal, row.id, row), { discard: true }).pipe(Effect.orDie),
    open: (instance) =>
      Effect.sync(() => spansOfInstance(data, instance).filter((row) => row.status === "pending" || row.status === "active")),
    ofInstance: (instance) => Effect.sync(() => spansOfInstance(data, instance)),
    list: (filter, query) =>
      Effect.sync(() => {
        const source = filter.agent_instance_id === undefined
          ? data.spans.rows.values()
          : spansOfInstance(data, filter.agent_instance_id)
        return listOf(source, (row) => {
          if (filter.agent_id !== undefined && row.agent_id !== filter.agent_id) return false
          const started = DateTime.toEpochMillis(row.started_at)
          if (filter.start_time !== undefined && started < filter.start_time) return false
          if (filter.end_time !== undefined && started >= filter.end_time) return false
          return true
        }, query)
      }),
    outlines: (instance, filter, query) =>
      Effect.sync(() => {
        const page = listOf(spansOfInstance(data, instance), SpanOutline.matches(filter), query)
        return { items: page.items.map(SpanOutline.outlineOf), total: page.total }
      }),
    places: (instance, after, limit) =>
      Effect.sync(() => {
        const ids = data.spansOf.get(instance) ?? []
        const out: Array<Timeline.TimelineSpan> = []
        for (let index = firstAfter(data, ids, after); index < ids.length && out.length < limit; index++) {
          const id = ids[index]
          const row = id === undefined ? undefined : data.spans.rows.get(id)
          if (row !== undefined) {
            out.push({ id: row.id, parent_span_id: row.parent_span_id, started_at: row.started_at, sequence: row.sequence })
          }
        }
        return out
      }),
    withSequences: (instance, sequences) =>
      Effect.sync(() => {
        const ids = data.spansOf.get(instance) ?? []
        const out: Array<Span.Span> = []
        for (const sequence of [...new Set(sequences)].sort((a, b) => a - b)) {
          const id = ids[firstAfter(data, ids, sequence - 1)]
          const row = id === undefined ? undefined : data.spans.rows.get(id)
          if (row !== undefined && row.sequence === sequence) out.push(row)
        }
        return out
      }),
    tallies: (instance) => Effect.sync(() => Tallies.spanTallies(spansOfInstance(data, instance))),
    activity: (filter) =>
      Effect.sync(() => {
        const source = filter.agent_instance_id === undefined
          ? data.spans.rows.values()
          : spansOfInstance(data, filter.agent_instance_id)
        const agent = filter.agent_id
        return Activity.cellsOf(filter.window, agent === undefined ? source : keptBy(source, (row) => row.agent_id === agent))
      })
  }
}
