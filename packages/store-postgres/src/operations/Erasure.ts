/**
 * `StoreTx.erasure` and `StoreTx.retention` on PostgreSQL. A batch is chosen and locked in one
 * statement (`… FOR UPDATE`), then deleted in one more: the spans, the runs and the idempotency
 * records about them, as three data-modifying parts of one statement. The lock comes first so the
 * delete, a statement of its own under READ COMMITTED, sees every span committed before it: a
 * span written meanwhile waited for the run and then finds it gone.
 *
 * Retention's choice passes over a run another unit of work holds (`SKIP LOCKED`): it never
 * waits on ingest, and so never waits in an order that could deadlock; the next pass takes it.
 * The domain's rules (`Retention.selects`, `Erasure.inRange`) are said here in SQL; a set of ids
 * travels as one text parameter, split by `string_to_array` (ids hold no comma).
 */
import { Ids, type Retention, Status, type StoreTx } from "@agentledger/domain"
import type { Fragment } from "@effect/sql/Statement"
import { Effect } from "effect"
import * as Columns from "../tables/Columns.js"
import * as Instances from "../tables/Instances.js"
import * as RetentionPolicies from "../tables/RetentionPolicies.js"
import * as Filters from "./Filters.js"
import { many, one, type Scope, unguarded, update } from "./Statements.js"

/** How many span ids one statement of a redaction names. */
const spansPerStatement = 5000

const joined = (ids: ReadonlyArray<string>): string => ids.join(",")

export const erasure = (scope: Scope, forget: (id: Ids.InstanceId) => void): StoreTx["erasure"] => {
  const { mine, sql } = scope
  const idList = (ids: ReadonlyArray<string>) => sql`string_to_array(${joined(ids)}, ',')`

  /** `Retention.selects`, as conditions: a finish before the cutoff of the run's environment. */
  const expiredConditions = (cutoffs: Retention.Cutoffs): Array<Fragment> => {
    const overridden = cutoffs.environments.map((override) => override.environment_id)
    const conditions = cutoffs.environments.flatMap((override) =>
      override.cutoff === null ? [] : [sql`(environment_id = ${override.environment_id} AND finished_at < ${Columns.timestampAt(override.cutoff)})`]
    )
    if (cutoffs.default !== null) {
      const before = sql`finished_at < ${Columns.timestampAt(cutoffs.default)}`
      conditions.push(overridden.length === 0 ? before : sql`(NOT ${sql.in("environment_id", overridden)} AND ${before})`)
    }
    return conditions
  }

  const dropRecords = (runs: ReadonlyArray<string>) =>
    sql`DELETE FROM idempotency_keys WHERE ${mine} AND agent_instance_ids && ${idList(runs)}`

  return {
    expired: (cutoffs, limit) => {
      const conditions = expiredConditions(cutoffs)
      if (conditions.length === 0 || limit <= 0) return Effect.succeed([])
      return many(
        sql`SELECT id FROM agent_instances
            WHERE ${mine} AND finished_at IS NOT NULL AND (${sql.or(conditions)})
            ORDER BY finished_at LIMIT ${limit} FOR UPDATE SKIP LOCKED`,
        (row) => Columns.id(Ids.InstanceId)(row, "id")
      )
    },
    inRange: (range, limit) => {
      const start = sql.literal(Filters.runStart)
      const conditions = [
        mine,
        sql`agent_id = ${range.agent_id}`,
        ...(range.started_after === undefined ? [] : [sql`${start} >= ${Columns.timestampAt(range.started_after)}`]),
        ...(range.started_before === undefined ? [] : [sql`${start} < ${Columns.timestampAt(range.started_before)}`]),
        ...(range.redactable ? [sql`${sql.in("status", Status.terminalStatuses)} AND redacted_at IS NULL`] : [])
      ]
      return many(sql`SELECT * FROM agent_instances WHERE ${sql.and(conditions)} ORDER BY id LIMIT ${limit} FOR UPDATE`, Instances.fromRow)
    },
    delete: (ids) => {
      if (ids.length === 0) return Effect.succeed({ runs: 0, spans: 0 })
      for (const id of ids) forget(id)
      const list = idList(ids)
      return sql`WITH gone_spans AS (DELETE FROM agent_spans WHERE ${mine} AND agent_instance_id = ANY(${list}) RETURNING 1),
                      gone_runs AS (DELETE FROM agent_instances WHERE ${mine} AND id = ANY(${list}) RETURNING 1),
                      gone_keys AS (${dropRecords(ids)} RETURNING 1)
                 SELECT (SELECT count(*) FROM gone_runs)::int AS runs, (SELECT count(*) FROM gone_spans)::int AS spans`.pipe(
        Effect.map((rows) => {
          const row = rows[0]
          return row === undefined ? { runs: 0, spans: 0 } : { runs: Columns.integer(row, "runs"), spans: Columns.integer(row, "spans") }
        }),
        Effect.orDie
      )
    },
    redact: ({ instance, spans }) =>
      Effect.gen(function*() {
        forget(instance.id)
        yield* unguarded(update(scope, Instances.table, instance.id, {
          redacted_at: Columns.toTimestampOrNull(instance.redacted_at),
          ...Instances.qualityChanges(instance)
        }))
        // Spans whose contents come out alike — most of them, the marker in place of each
        // payload — are written by one statement per set of ids.
        const alike = new Map<string, { readonly values: readonly [string, string | null, string | null, string, string]; readonly ids: Array<string> }>()
        for (const span of spans) {
          const values = [
            JSON.stringify(span.payload),
            span.result_payload === null ? null : JSON.stringify(span.result_payload),
            span.summary,
            JSON.stringify(span.conformance),
            Columns.toTimestamp(span.updated_at)
          ] as const
          const key = JSON.stringify(values)
          const group = alike.get(key)
          if (group === undefined) alike.set(key, { values, ids: [span.id] })
          else group.ids.push(span.id)
        }
        for (const { ids, values: [payload, result, summary, conformance, updatedAt] } of alike.values()) {
          for (let start = 0; start < ids.length; start += spansPerStatement) {
            yield* unguarded(sql`UPDATE agent_spans
              SET payload = ${payload}::jsonb, result_payload = ${result}::jsonb, summary = ${summary}, conformance = ${conformance}::jsonb,
                  updated_at = ${updatedAt}
              WHERE ${mine} AND agent_instance_id = ${instance.id} AND id = ANY(${idList(ids.slice(start, start + spansPerStatement))})`)
          }
        }
        yield* unguarded(dropRecords([instance.id]))
      })
  }
}

export const retention = ({ mine, sql }: Scope): StoreTx["retention"] => ({
  get: one(sql`SELECT * FROM retention_policies WHERE ${mine}`, RetentionPolicies.fromRow),
  put: (policy) => {
    const row = RetentionPolicies.toRow(policy)
    return unguarded(sql`INSERT INTO retention_policies ${sql.insert(row)}
                         ON CONFLICT (account_id) DO UPDATE SET run_days = EXCLUDED.run_days, environments = EXCLUDED.environments,
                           updated_at = EXCLUDED.updated_at`)
  }
})

/** `LedgerStore.retentionPolicies`: every account's policy, by account id, a page at a time. */
export const retentionPolicies = (sql: Scope["sql"]) => (after: Ids.AccountId | null, limit: number) =>
  many(
    after === null
      ? sql`SELECT * FROM retention_policies ORDER BY account_id LIMIT ${limit}`
      : sql`SELECT * FROM retention_policies WHERE account_id > ${after} ORDER BY account_id LIMIT ${limit}`,
    RetentionPolicies.fromRow
  )

