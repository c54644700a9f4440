/**
 * `StoreTx.spans` on PostgreSQL, in a unit of work. `record` is ingest's write under the run's
 * lock: the spans' INSERT and their run's UPDATE in one statement (`ingest/IngestWrite.ts`); the
 * runs it writes are no longer as ingest's memory of written runs holds them (`forget`).
 */
import { type Ids, SpanOutline, type StoreTx } from "@agentledger/domain"
import { Effect } from "effect"
import * as IngestWrite from "../ingest/IngestWrite.js"
import * as Aggregates from "../tables/Aggregates.js"
import * as Columns from "../tables/Columns.js"
import * as Spans from "../tables/Spans.js"
import * as Filters from "./Filters.js"
import { guarded, list, many, one, type Scope, update } from "./Statements.js"

export const spans = (scope: Scope, instances: StoreTx["instances"], forget: (id: Ids.InstanceId) => void): StoreTx["spans"] => {
  const { byId, mine, optional, sql } = scope
  const read = sql.literal(Spans.select)
  const statement = ([text, params]: IngestWrite.Statement) => guarded(sql.unsafe(text, params))
  return {
    get: (id) => one(sql`SELECT ${read} FROM agent_spans WHERE ${byId(id)}`, Spans.reader()),
    record: (rows, runs) => {
      const [run, ...others] = runs
      for (const row of runs) forget(row.id)
      if (rows.length === 0) return Effect.forEach(runs, instances.update, { discard: true })
      if (run === undefined) return Effect.forEach(IngestWrite.spanInserts(rows), statement, { discard: true })
      // The spans' INSERT and their run's UPDATE in one statement: one round trip fewer per
      // batch, which is most of a batch's cost on a database. A batch too large for one
      // statement's parameters sends its further spans in statements of their own, in order (a
      // span's parent precedes it).
      const [[insert, params], ...rest] = IngestWrite.spanInserts(rows)
      const [runUpdate, runParams] = IngestWrite.runUpdate(run, params.length)
      return statement([`WITH inserted AS (${insert} RETURNING 1) ${runUpdate}`, [...params, ...runParams]]).pipe(
        Effect.zipRight(Effect.forEach(rest, statement, { discard: true })),
        Effect.zipLeft(Effect.forEach(others, instances.update, { discard: true }))
      )
    },
    update: (rows) =>
      Effect.forEach(rows, (row) => update(scope, Spans.table, row.id, Spans.changes(row)), { discard: true }).pipe(Effect.orDie),
    open: (instance) =>
      many(
        sql`SELECT ${read} FROM agent_spans WHERE ${mine} AND agent_instance_id = ${instance} AND status IN ('pending', 'active') ORDER BY sequence`,
        Spans.reader()
      ),
    ofInstance: (instance) =>
      many(sql`SELECT ${read} FROM agent_spans WHERE ${mine} AND agent_instance_id = ${instance} ORDER BY sequence`, Spans.reader()),
    list: (filter, query) =>
      list(
        scope,
        Spans.table,
        sql.and([
          mine,
          ...optional("agent_instance_id", filter.agent_instance_id),
          ...optional("agent_id", filter.agent_id),
          ...(filter.start_time === undefined ? [] : [sql`started_at >= ${Columns.timestampAt(filter.start_time)}`]),
          ...(filter.end_time === undefined ? [] : [sql`started_at < ${Columns.timestampAt(filter.end_time)}`])
        ]),
        query,
        Spans.reader(),
        read
      ),
    outlines: (instance, filter, query) => {
      const decode = Spans.reader()
      return list(
        scope,
        Spans.table,
        sql.and([mine, sql`agent_instance_id = ${instance}`, ...Filters.outlineConditions(scope, filter)]),
        query,
        (row) => SpanOutline.outlineOf(decode(row)),
        sql.literal(Spans.outlineSelect)
      )
    },
    places: (instance, after, limit) =>
      // The keyset reads the run's unique index on (account_id, agent_instance_id, sequence).
      many(
        sql`SELECT ${sql.literal(Spans.placeSelect)} FROM agent_spans
            WHERE ${mine} AND agent_instance_id = ${instance} AND sequence > ${after} ORDER BY sequence LIMIT ${limit}`,
        Spans.place
      ),
    withSequences: (instance, sequences) =>
      sequences.length === 0 ? Effect.succeed([]) : many(
        sql`SELECT ${read} FROM agent_spans
            WHERE ${mine} AND agent_instance_id = ${instance} AND ${sql.in("sequence", sequences)} ORDER BY sequence`,
        Spans.reader()
      ),
    tallies: (instance) =>
      many(
        sql`SELECT schema_name, status, count(*)::int AS span_count, coalesce(sum(risk_points), 0)::int8 AS points
            FROM agent_spans WHERE ${mine} AND agent_instance_id = ${instance} GROUP BY schema_name, status`,
        Aggregates.spanTally
      ),
    activity: ({ agent_id, agent_instance_id, window }) =>
      // `Activity.bucketOf` as SQL: epoch milliseconds are exact in numeric, so a span on a
      // bucket's edge lands where the domain puts it. The window reads the index on
      // (account_id, started_at).
      many(
        sql`SELECT floor((extract(epoch FROM started_at) * 1000 - ${window.since}::numeric) / ${window.width}::numeric)::int AS bucket,
                   status, count(*)::int AS count
            FROM agent_spans
            WHERE ${
          sql.and([
            mine,
            ...optional("agent_id", agent_id),
            ...optional("agent_instance_id", agent_instance_id),
            sql`started_at >= ${Columns.timestampAt(window.since)}`,
            sql`started_at < ${Columns.timestampAt(window.until)}`
          ])
        }
            GROUP BY bucket, status`,
        Aggregates.activityCell
      )
  }
}
