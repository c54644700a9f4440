/**
 * The domain's filters of runs (`InstanceQuery`) and of a run's spans (`SpanOutline`) as SQL
 * conditions over `agent_instances` and `agent_spans`: each field is the rule its predicate
 * states, said in PostgreSQL. The store decides nothing here; the conformance suite holds both
 * readings to the same answers.
 */
import { Conformance, InstanceQuery, type SpanOutline } from "@agentledger/domain"
import type { Fragment } from "@effect/sql/Statement"
import * as Columns from "../tables/Columns.js"
import type { Scope } from "./Statements.js"

/**
 * `InstanceQuery.runStart`: when a run took place, its registration if it never started. An
 * index (`agent_instances_run_start`) holds this expression, so it must be written the same way.
 */
export const runStart = "coalesce(started_at, inserted_at)"

/** `InstanceQuery.isFlagged`'s count. */
const flaggedSpans = "(conformance_counts->>'flagged')::int"

/** `InstanceQuery.isFlagged`. */
export const flaggedRun = `(${flaggedSpans} > 0)`

/** The conditions of the filter's fields, for a statement's WHERE (the account's own is the caller's). */
export const instanceConditions = ({ optional, sql }: Scope, filter: InstanceQuery.InstanceFilter): Array<Fragment> => {
  const flagged = sql.literal(flaggedRun)
  // A run without a profile has no level: not high, not critical, so not in need of attention for it.
  const needsAttention = sql`(${flagged} OR coalesce(${sql.in("risk_level", InstanceQuery.attentionLevels)}, false))`
  const start = sql.literal(runStart)
  return [
    ...optional("agent_id", filter.agent_id),
    ...optional("agent_deployment_id", filter.agent_deployment_id),
    ...optional("agent_version_id", filter.agent_version_id),
    ...optional("environment_id", filter.environment_id),
    ...optional("status", filter.status),
    ...optional("purpose", filter.purpose),
    ...optional("reported_protocol", filter.protocol),
    ...optional("risk_level", filter.risk_level),
    ...optional("risk_peak_level", filter.peak_risk_level),
    ...(filter.flagged === undefined ? [] : [filter.flagged ? flagged : sql`NOT (${flagged})`]),
    ...(filter.attention === undefined ? [] : [filter.attention ? needsAttention : sql`NOT ${needsAttention}`]),
    ...(filter.started_after === undefined ? [] : [sql`${start} >= ${Columns.timestampAt(filter.started_after)}`]),
    ...(filter.started_before === undefined ? [] : [sql`${start} < ${Columns.timestampAt(filter.started_before)}`])
  ]
}

/** The conditions of an outline filter's fields, for a statement over a run's spans. */
export const outlineConditions = ({ optional, sql }: Scope, filter: SpanOutline.OutlineFilter): Array<Fragment> => {
  // `Conformance.isFlagged`: the payload's or the result's outcome is one that flags the span.
  const flagging = Conformance.flaggedStatuses
  const flagged = sql`(conformance->>'payload' IN ${sql.in(flagging)} OR conformance->>'result' IN ${sql.in(flagging)})`
  return [
    ...optional("schema_name", filter.schema_name),
    ...(filter.flagged === undefined ? [] : [filter.flagged ? flagged : sql`NOT ${flagged}`])
  ]
}
