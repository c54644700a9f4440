/**
 * The statements of ingest's write, as text and parameters: a batch of spans as multi-row
 * INSERTs, and their run's UPDATE numbered to follow one of them in a single statement. Built
 * by hand rather than with `sql.insert`: the text is where a batch's cost is decided.
 */
import type { Instance, Span } from "@agentledger/domain"
import { DateTime } from "effect"
import * as Columns from "../tables/Columns.js"
import * as Instances from "../tables/Instances.js"
import * as Spans from "../tables/Spans.js"

/** A statement's text and its parameters. */
export type Statement = readonly [string, ReadonlyArray<unknown>]

/** Columns that differ on every row: not worth a lookup. */
const distinctPerSpan: ReadonlySet<string> = new Set(["id", "payload", "result_payload", "sequence"])

/**
 * One multi-row INSERT of spans: its text and parameters (one round trip, however many spans).
 * A value repeated down a column — the run's ids, the batch's timestamps, a common conformance
 * outcome — is sent once and named by every row that holds it, so a batch carries about four
 * parameters per span instead of eighteen: the driver serializes, and the server binds, a
 * fraction of them. (Per column, because one parameter has one type.)
 */
const spanInsert = (rows: ReadonlyArray<Span.Span>): readonly [string, ReadonlyArray<string | number | boolean>] => {
  const params: Array<string | number | boolean> = []
  const named = Spans.columns.map((column) => distinctPerSpan.has(column) ? undefined : new Map<string | number | boolean, string>())
  const tuples: Array<string> = []
  for (const row of rows) {
    const values = Spans.toValues(row)
    let tuple = "("
    for (let column = 0; column < values.length; column++) {
      const value = values[column] ?? null
      if (column > 0) tuple += ", "
      if (value === null) {
        tuple += "NULL"
        continue
      }
      const seen = named[column]
      const key = typeof value === "object" ? DateTime.toEpochMillis(value) : value
      const known = seen?.get(key)
      if (known !== undefined) {
        tuple += known
        continue
      }
      params.push(typeof value === "object" ? Columns.toTimestamp(value) : value)
      const name = `$${params.length}`
      seen?.set(key, name)
      tuple += name
    }
    tuples.push(`${tuple})`)
  }
  return [`INSERT INTO agent_spans (${Spans.columns.join(", ")}) VALUES ${tuples.join(", ")}`, params]
}

/**
 * PostgreSQL binds at most 65,535 parameters per statement; a span takes at most one per column,
 * and the run's UPDATE that may share the statement a few dozen more. Spans are sent this many to
 * a statement, whatever a caller's batch size (the domain caps a batch far lower, at
 * `Commands.maxBatchSpans`; this keeps the store correct on its own).
 */
export const spansPerStatement = Math.floor((65_535 - 100) / Spans.columns.length)

/** The spans' INSERTs (at least one span): one statement, or several of `spansPerStatement` in order. */
export const spanInserts = (rows: ReadonlyArray<Span.Span>): readonly [Statement, ...Array<Statement>] => {
  const [first, ...rest] = Array.from(
    { length: Math.max(1, Math.ceil(rows.length / spansPerStatement)) },
    (_, index) => spanInsert(rows.slice(index * spansPerStatement, (index + 1) * spansPerStatement))
  )
  return first === undefined ? [spanInsert(rows)] : [first, ...rest]
}

/**
 * `UPDATE agent_instances` to the run's new state (`Instances.changes`), its parameters numbered
 * after `before` others (it follows a span INSERT in one statement); ends with its WHERE, so a
 * caller can add a condition.
 */
export const runUpdate = (instance: Instance.Instance, before: number): Statement => {
  const state = Object.entries(Instances.changes(instance))
  const at = (i: number) => `$${before + i + 1}`
  const assignments = state.map(([column], i) => `${column} = ${at(i)}`).join(", ")
  return [
    `UPDATE agent_instances SET ${assignments} WHERE account_id = ${at(state.length)} AND id = ${at(state.length + 1)}`,
    [...state.map(([, value]) => value), instance.account_id, instance.id]
  ]
}
