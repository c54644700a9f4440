/**
 * The `agent_spans` table: a span as a row and back. Spans are the store's volume, so both ways
 * are shaped for it: a span is written as positional values (`columns`, `toValues`: ingest's
 * multi-row INSERT names a value repeated down a column once), and read in a compact shape
 * (`select`, decoded by `reader`) because the driver's cost is per field.
 */
import { Conformance, Ids, type Span, Status, type Timeline } from "@agentledger/domain"
import { DateTime } from "effect"
import * as Columns from "./Columns.js"

export const table = "agent_spans"

/** The columns of a span, in insert order; `toValues` gives one row of them. */
export const columns = [
  "account_id",
  "id",
  "agent_id",
  "agent_instance_id",
  "parent_span_id",
  "schema_name",
  "schema_title",
  "status",
  "payload",
  "result_payload",
  "sensitive_encoding",
  "summary",
  "started_at",
  "finished_at",
  "conformance",
  "risk_points",
  "sequence",
  "inserted_at",
  "updated_at"
] as const

/** A span column's value as `toValues` gives it: times stay `DateTime`s until sent. */
export type Value = string | number | boolean | DateTime.Utc | null

export const toValues = (span: Span.Span): ReadonlyArray<Value> => [
  span.account_id,
  span.id,
  span.agent_id,
  span.agent_instance_id,
  span.parent_span_id,
  span.schema_name,
  span.schema_title,
  span.status,
  JSON.stringify(span.payload),
  span.result_payload === null ? null : JSON.stringify(span.result_payload),
  span.sensitive_encoding,
  span.summary,
  span.started_at,
  span.finished_at,
  JSON.stringify(span.conformance),
  span.risk_points,
  span.sequence,
  span.inserted_at,
  span.updated_at
]

/**
 * The columns an update (a finish) writes. The payload only for a span that is sensitive: a
 * finish that first says so masks it again (`Span.finishSpan`); any other keeps it as it was.
 */
export const changes = (span: Span.Span) => ({
  status: span.status,
  ...(span.sensitive_encoding === true ? { payload: JSON.stringify(span.payload) } : {}),
  result_payload: span.result_payload === null ? null : JSON.stringify(span.result_payload),
  sensitive_encoding: span.sensitive_encoding,
  finished_at: Columns.toTimestampOrNull(span.finished_at),
  conformance: JSON.stringify(span.conformance),
  risk_points: span.risk_points,
  updated_at: Columns.toTimestamp(span.updated_at)
})

/** The epoch milliseconds of a timestamptz column, as text. */
const epochMillis = (column: string) => `(date_part('epoch', ${column}) * 1000)::int8`

/**
 * The columns of a span as every span read selects them (`reader` decodes this shape). The
 * driver's cost is per field, and a timeline reads 10,000 spans: so the scalar columns travel as
 * three comma-joined fields (ids, statuses and numbers hold no comma) — the span's own, its run's
 * (the same on every span of a run) and its state (shared by the spans of a batch) — the
 * timestamps as epoch milliseconds (the stored times have millisecond precision; date_part
 * works in double precision, several times faster than extract's numeric), and the conformance
 * as its text; `sensitive_encoding` rides with the span's own fields as `t`, `f` or nothing.
 * Named apart from the columns, so an ORDER BY started_at still means the indexed column.
 */
export const select = [
  "concat_ws(',', id, coalesce(parent_span_id, ''), sequence,",
  "CASE WHEN sensitive_encoding THEN 't' WHEN NOT sensitive_encoding THEN 'f' ELSE '' END) AS span_own,",
  "concat_ws(',', account_id, agent_id, agent_instance_id) AS span_run,",
  `concat_ws(',', status, risk_points, ${epochMillis("started_at")}, coalesce(${epochMillis("finished_at")}::text, ''),`,
  `${epochMillis("inserted_at")}, ${epochMillis("updated_at")}) AS span_state,`,
  "schema_name, schema_title, summary, payload, result_payload, conformance::text AS conformance_text"
].join(" ")

/**
 * A span read as `select` reads it, but with the payloads, the summary and the conformance
 * errors left in the table: an outline row costs the same however large the span. The
 * placeholders keep the shape `reader` decodes.
 */
export const outlineSelect = select.replace(
  "summary, payload, result_payload, conformance::text AS conformance_text",
  "NULL::text AS summary, '{}'::jsonb AS payload, NULL::jsonb AS result_payload, " +
    "jsonb_build_object('payload', conformance->'payload', 'result', conformance->'result', 'errors', '[]'::jsonb)::text AS conformance_text"
)
if (outlineSelect === select) throw new Error("agentledger: the outline select no longer matches the span select")

/**
 * What places a span in its run's timeline, and nothing else: an export orders a run of any
 * length by these rows before it reads a payload. The start travels as epoch milliseconds, as
 * in `select`.
 */
export const placeSelect = `id, coalesce(parent_span_id, '') AS parent, ${epochMillis("started_at")} AS started, sequence`

/** A row of `placeSelect`. */
export const place = (row: Columns.Row): Timeline.TimelineSpan => {
  const parent = Columns.text(row, "parent")
  return {
    id: Ids.SpanId.make(Columns.text(row, "id"), true),
    parent_span_id: parent === "" ? null : Ids.SpanId.make(parent, true),
    started_at: DateTime.unsafeMake(Columns.integer(row, "started")),
    sequence: Columns.integer(row, "sequence")
  }
}

interface SpanRun {
  readonly account_id: Ids.AccountId
  readonly agent_id: Ids.AgentId
  readonly agent_instance_id: Ids.InstanceId
}

interface SpanState {
  readonly status: Status.Status
  readonly risk_points: number
  readonly started_at: DateTime.Utc
  readonly finished_at: DateTime.Utc | null
  readonly inserted_at: DateTime.Utc
  readonly updated_at: DateTime.Utc
}

const spanStatuses: ReadonlySet<string> = new Set(Status.statuses)
const isStatus = (value: string | undefined): value is Status.Status => value !== undefined && spanStatuses.has(value)

// The conformance is checked by hand against the domain's literal sets rather than with
// `Schema.is(Conformance.SpanConformance)`, which costs about forty times as much: a timeline
// may hold thousands of distinct outcomes.
const conformanceStatuses: ReadonlySet<unknown> = new Set(Conformance.ConformanceStatus.literals)
const errorTargets: ReadonlySet<unknown> = new Set(Conformance.ConformanceError.fields.target.literals)

const isConformanceError = (value: unknown): boolean =>
  typeof value === "object" && value !== null && "target" in value && "instance_path" in value && "keyword" in value &&
  "message" in value && errorTargets.has(value.target) && typeof value.instance_path === "string" &&
  typeof value.keyword === "string" && typeof value.message === "string"

const isSpanConformance = (value: unknown): value is Conformance.SpanConformance =>
  typeof value === "object" && value !== null && "payload" in value && "result" in value && "errors" in value &&
  conformanceStatuses.has(value.payload) && conformanceStatuses.has(value.result) && Array.isArray(value.errors) &&
  value.errors.every(isConformanceError)

/** The comma-joined fields of `column`, exactly `count` of them. */
const fieldsOf = (row: Columns.Row, column: string, count: number): ReadonlyArray<string> => {
  const fields = Columns.text(row, column).split(",")
  return fields.length === count ? fields : Columns.mismatch(column, fields.length)
}

const present = (value: string | undefined, column: string): string =>
  value === undefined || value === "" ? Columns.mismatch(column, value) : value

const wholeNumber = (value: string | undefined, column: string): number => {
  const parsed = Number(value)
  return value !== undefined && value !== "" && Number.isSafeInteger(parsed) ? parsed : Columns.mismatch(column, value)
}

const timeOf = (value: string | undefined, column: string): DateTime.Utc => DateTime.unsafeMake(wholeNumber(value, column))

/**
 * A decoder of the rows `select` reads. One reader per read: a row whose run or state text is
 * the previous row's reuses what that row decoded (a run's spans share the first, a batch's the
 * second, and spans are read in order), and each distinct conformance text is parsed once. The
 * spans it gives share those values, which are immutable.
 */
export const reader = (): (row: Columns.Row) => Span.Span => {
  let lastRun: readonly [string, SpanRun] | undefined
  let lastState: readonly [string, SpanState] | undefined
  const outcomes = new Map<string, Conformance.SpanConformance>()
  const run = (row: Columns.Row): SpanRun => {
    const key = Columns.text(row, "span_run")
    if (lastRun !== undefined && lastRun[0] === key) return lastRun[1]
    const [account, agent, instance] = fieldsOf(row, "span_run", 3)
    const decoded = {
      account_id: Ids.AccountId.make(present(account, "account_id"), true),
      agent_id: Ids.AgentId.make(present(agent, "agent_id"), true),
      agent_instance_id: Ids.InstanceId.make(present(instance, "agent_instance_id"), true)
    }
    lastRun = [key, decoded]
    return decoded
  }
  const state = (row: Columns.Row): SpanState => {
    const key = Columns.text(row, "span_state")
    if (lastState !== undefined && lastState[0] === key) return lastState[1]
    const [status, points, started, finished, inserted, updated] = fieldsOf(row, "span_state", 6)
    if (!isStatus(status)) return Columns.mismatch("status", status)
    const startedAt = timeOf(started, "started_at")
    const insertedAt = inserted === started ? startedAt : timeOf(inserted, "inserted_at")
    const decoded = {
      status,
      risk_points: wholeNumber(points, "risk_points"),
      started_at: startedAt,
      finished_at: finished === "" ? null : finished === started ? startedAt : timeOf(finished, "finished_at"),
      inserted_at: insertedAt,
      updated_at: updated === inserted ? insertedAt : timeOf(updated, "updated_at")
    }
    lastState = [key, decoded]
    return decoded
  }
  const outcome = (row: Columns.Row): Conformance.SpanConformance => {
    const key = Columns.text(row, "conformance_text")
    const known = outcomes.get(key)
    if (known !== undefined) return known
    const parsed: unknown = JSON.parse(key)
    if (!isSpanConformance(parsed)) return Columns.mismatch("conformance", parsed)
    outcomes.set(key, parsed)
    return parsed
  }
  return (row) => {
    const [id, parent, sequence, sensitive] = fieldsOf(row, "span_own", 4)
    const ran = run(row)
    const now = state(row)
    return {
      id: Ids.SpanId.make(present(id, "id"), true),
      account_id: ran.account_id,
      agent_id: ran.agent_id,
      agent_instance_id: ran.agent_instance_id,
      parent_span_id: parent === undefined || parent === "" ? null : Ids.SpanId.make(parent, true),
      schema_name: Columns.text(row, "schema_name"),
      schema_title: Columns.text(row, "schema_title"),
      status: now.status,
      payload: Columns.jsonObject(row, "payload"),
      result_payload: Columns.jsonObjectOrNull(row, "result_payload"),
      sensitive_encoding: sensitive === "t" ? true : sensitive === "f" ? false : sensitive === "" ? null : Columns.mismatch("sensitive_encoding", sensitive),
      summary: Columns.textOrNull(row, "summary"),
      started_at: now.started_at,
      finished_at: now.finished_at,
      conformance: outcome(row),
      risk_points: now.risk_points,
      sequence: wholeNumber(sequence, "sequence"),
      inserted_at: now.inserted_at,
      updated_at: now.updated_at
    }
  }
}
