/**
 * Rows to records and back. Every column the store reads is checked here, so a row that does
 * not match the schema is a defect with the column's name, never a silently wrong record. The
 * readers accept what both drivers return: `pg` gives int8 as a string, PGlite as a number.
 */
import {
  Account,
  ActivitySchema,
  Agent,
  AgentVersion,
  ApiToken,
  Conformance,
  Deployment,
  Environment,
  Ids,
  Instance,
  Json,
  Risk,
  RiskProfile,
  SchemaVersion,
  Span,
  Status
} from "@agentledger/domain"
import type { Row } from "@effect/sql/SqlConnection"
import { DateTime, Schema } from "effect"

export type { Row }

const mismatch = (column: string, value: unknown): never => {
  throw new Error(`agentledger: column ${column} holds an unexpected ${value === null ? "null" : typeof value}`)
}

export const text = (row: Row, column: string): string => {
  const value = row[column]
  return typeof value === "string" ? value : mismatch(column, value)
}

export const textOrNull = (row: Row, column: string): string | null => {
  const value = row[column]
  return value === null || value === undefined ? null : typeof value === "string" ? value : mismatch(column, value)
}

export const integer = (row: Row, column: string): number => {
  const value = row[column]
  if (typeof value === "number") return value
  if (typeof value === "string" || typeof value === "bigint") {
    const parsed = Number(value)
    if (Number.isSafeInteger(parsed)) return parsed
  }
  return mismatch(column, value)
}

export const integerOrNull = (row: Row, column: string): number | null =>
  row[column] === null || row[column] === undefined ? null : integer(row, column)

/** A timestamptz, as the drivers give it (span reads select epoch milliseconds instead: `spanSelect`). */
export const time = (row: Row, column: string): DateTime.Utc => {
  const value = row[column]
  return value instanceof Date ? DateTime.unsafeFromDate(value) : mismatch(column, value)
}

export const timeOrNull = (row: Row, column: string): DateTime.Utc | null =>
  row[column] === null || row[column] === undefined ? null : time(row, column)

export const oneOf = <L extends string>(row: Row, column: string, values: ReadonlyArray<L>): L => {
  const value = row[column]
  const found = values.find((candidate) => candidate === value)
  return found === undefined ? mismatch(column, value) : found
}

/** A jsonb column checked against a Schema (its type side, which is plain JSON). */
export const json = <A, I>(row: Row, column: string, schema: Schema.Schema<A, I>): A => {
  const value = row[column]
  return Schema.is(schema)(value) ? value : mismatch(column, value)
}

export const jsonObject = (row: Row, column: string): Json.JsonObject => {
  const value = row[column]
  return Json.isJsonObject(value) ? value : mismatch(column, value)
}

export const jsonObjectOrNull = (row: Row, column: string): Json.JsonObject | null =>
  row[column] === null || row[column] === undefined ? null : jsonObject(row, column)

const id = <A>(kind: Ids.IdSchema<A>) => (row: Row, column: string): A => kind.make(text(row, column), true)
const idOrNull = <A>(kind: Ids.IdSchema<A>) => (row: Row, column: string): A | null => {
  const value = textOrNull(row, column)
  return value === null ? null : kind.make(value, true)
}

const accountId = id(Ids.AccountId)
const agentId = id(Ids.AgentId)

/**
 * A timestamptz parameter, as text PostgreSQL reads for every year both it and JavaScript hold:
 * the year padded to four digits, `BC` for years before 1 (a `Date` parameter goes out as ISO
 * text on PGlite, and "+010000-01-01…" is refused there).
 */
export const toTimestamp = (value: DateTime.Utc): string => timestampAt(DateTime.toEpochMillis(value))

export const toTimestampOrNull = (value: DateTime.Utc | null): string | null => (value === null ? null : toTimestamp(value))

/** `toTimestamp` of epoch milliseconds. */
export const timestampAt = (millis: number): string => {
  const date = new Date(millis)
  const year = date.getUTCFullYear()
  const iso = date.toISOString()
  // From the dash before the month: "-MM-DDTHH:MM:SS.sssZ".
  const rest = iso.slice(iso.indexOf("-", 1))
  return year > 0 ? `${String(year).padStart(4, "0")}${rest}` : `${String(1 - year).padStart(4, "0")}${rest} BC`
}

export const account = (row: Row): Account.Account =>
  new Account.Account({
    id: accountId(row, "account_id"),
    name: text(row, "name"),
    partition: Ids.Partition.make(integer(row, "partition"), true),
    inserted_at: time(row, "inserted_at"),
    updated_at: time(row, "updated_at")
  }, true)

export const environment = (row: Row): Environment.Environment =>
  new Environment.Environment({
    id: id(Ids.EnvironmentId)(row, "id"),
    account_id: accountId(row, "account_id"),
    name: text(row, "name"),
    purpose: oneOf(row, "purpose", ["development", "staging", "testing", "production"]),
    description: textOrNull(row, "description"),
    inserted_at: time(row, "inserted_at"),
    updated_at: time(row, "updated_at")
  }, true)

export const token = (row: Row): ApiToken.ApiToken =>
  new ApiToken.ApiToken({
    id: id(Ids.ApiTokenId)(row, "id"),
    account_id: accountId(row, "account_id"),
    token_scope: oneOf(row, "token_scope", ["account", "agent_deployment"]),
    agent_deployment_id: idOrNull(Ids.DeploymentId)(row, "agent_deployment_id"),
    agent_id: idOrNull(Ids.AgentId)(row, "agent_id"),
    environment_id: idOrNull(Ids.EnvironmentId)(row, "environment_id"),
    status: oneOf(row, "status", ["active", "suspended", "revoked"]),
    secret_hash: text(row, "secret_hash"),
    expires_at: timeOrNull(row, "expires_at"),
    last_used_at: timeOrNull(row, "last_used_at"),
    inserted_at: time(row, "inserted_at"),
    updated_at: time(row, "updated_at")
  }, true)

export const agent = (row: Row): Agent.Agent =>
  new Agent.Agent({
    id: agentId(row, "id"),
    account_id: accountId(row, "account_id"),
    name: text(row, "name"),
    description: textOrNull(row, "description"),
    external_identifier: textOrNull(row, "external_identifier"),
    status: oneOf(row, "status", ["pending", "active", "dormant", "retired"]),
    risk_profile_id: idOrNull(Ids.RiskProfileId)(row, "risk_profile_id"),
    last_run_at: timeOrNull(row, "last_run_at"),
    inserted_at: time(row, "inserted_at"),
    updated_at: time(row, "updated_at")
  }, true)

export const schemaVersion = (row: Row): SchemaVersion.SchemaVersion =>
  new SchemaVersion.SchemaVersion({
    id: id(Ids.SchemaVersionId)(row, "id"),
    account_id: accountId(row, "account_id"),
    agent_id: agentId(row, "agent_id"),
    sequence: integer(row, "sequence"),
    external_identifier: textOrNull(row, "external_identifier"),
    span_type_schemas: json(row, "span_type_schemas", ActivitySchema.SpanTypeDefinitions),
    definition_checks: json(row, "definition_checks", Conformance.DefinitionChecks),
    fingerprint: text(row, "fingerprint"),
    inserted_at: time(row, "inserted_at"),
    updated_at: time(row, "updated_at")
  }, true)

export const version = (row: Row): AgentVersion.AgentVersion =>
  new AgentVersion.AgentVersion({
    id: id(Ids.AgentVersionId)(row, "id"),
    account_id: accountId(row, "account_id"),
    agent_id: agentId(row, "agent_id"),
    sequence: integer(row, "sequence"),
    external_identifier: textOrNull(row, "external_identifier"),
    name: textOrNull(row, "name"),
    description: textOrNull(row, "description"),
    agent_schema_version_id: id(Ids.SchemaVersionId)(row, "agent_schema_version_id"),
    runtime_environment: json(row, "runtime_environment", AgentVersion.RuntimeEnvironment),
    fingerprint: text(row, "fingerprint"),
    inserted_at: time(row, "inserted_at"),
    updated_at: time(row, "updated_at")
  }, true)

export const deployment = (row: Row): Deployment.Deployment =>
  new Deployment.Deployment({
    id: id(Ids.DeploymentId)(row, "id"),
    account_id: accountId(row, "account_id"),
    agent_id: agentId(row, "agent_id"),
    environment_id: id(Ids.EnvironmentId)(row, "environment_id"),
    current_version_id: idOrNull(Ids.AgentVersionId)(row, "current_version_id"),
    inserted_at: time(row, "inserted_at"),
    updated_at: time(row, "updated_at")
  }, true)

export const historyEntry = (row: Row): Deployment.DeploymentHistoryEntry =>
  new Deployment.DeploymentHistoryEntry({
    account_id: accountId(row, "account_id"),
    agent_deployment_id: id(Ids.DeploymentId)(row, "agent_deployment_id"),
    from_version_id: idOrNull(Ids.AgentVersionId)(row, "from_version_id"),
    to_version_id: idOrNull(Ids.AgentVersionId)(row, "to_version_id"),
    cause: oneOf(row, "cause", ["run", "api", "rollback"]),
    changed_at: time(row, "changed_at")
  }, true)

const levels = Risk.riskLevels

export const instance = (row: Row): Instance.Instance => {
  const total = integerOrNull(row, "risk_total")
  return {
    id: id(Ids.InstanceId)(row, "id"),
    account_id: accountId(row, "account_id"),
    agent_id: agentId(row, "agent_id"),
    agent_version_id: id(Ids.AgentVersionId)(row, "agent_version_id"),
    agent_schema_version_id: id(Ids.SchemaVersionId)(row, "agent_schema_version_id"),
    environment_id: id(Ids.EnvironmentId)(row, "environment_id"),
    agent_deployment_id: idOrNull(Ids.DeploymentId)(row, "agent_deployment_id"),
    status: oneOf(row, "status", Status.statuses),
    purpose: oneOf(row, "purpose", ["live", "smoke_test", "eval"]),
    started_at: timeOrNull(row, "started_at"),
    finished_at: timeOrNull(row, "finished_at"),
    termination_reason: textOrNull(row, "termination_reason"),
    span_counts: json(row, "span_counts", Status.StatusCounts),
    conformance_counts: json(row, "conformance_counts", Instance.ConformanceCounts),
    risk_profile_revision_id: idOrNull(Ids.RiskProfileRevisionId)(row, "risk_profile_revision_id"),
    risk: total === null
      ? null
      : { total, level: oneOf(row, "risk_level", levels), peak_level: oneOf(row, "risk_peak_level", levels) },
    inserted_at: time(row, "inserted_at"),
    updated_at: time(row, "updated_at")
  }
}

const conformanceStatuses: ReadonlySet<unknown> = new Set(Conformance.ConformanceStatus.literals)
const spanStatuses: ReadonlySet<string> = new Set(Status.statuses)
const isStatus = (value: string | undefined): value is Status.Status => value !== undefined && spanStatuses.has(value)

const isConformanceError = (value: unknown): boolean =>
  typeof value === "object" && value !== null && "target" in value && "instance_path" in value && "keyword" in value &&
  "message" in value && (value.target === "payload" || value.target === "result") && typeof value.instance_path === "string" &&
  typeof value.keyword === "string" && typeof value.message === "string"

const isSpanConformance = (value: unknown): value is Conformance.SpanConformance =>
  typeof value === "object" && value !== null && "payload" in value && "result" in value && "errors" in value &&
  conformanceStatuses.has(value.payload) && conformanceStatuses.has(value.result) && Array.isArray(value.errors) &&
  value.errors.every(isConformanceError)

/** The epoch milliseconds of a timestamptz column, as text. */
const epochMillis = (column: string) => `(date_part('epoch', ${column}) * 1000)::int8`

/**
 * The columns of a span as every span read selects them (`spanReader` decodes this shape). The
 * driver's cost is per field, and a timeline reads 10,000 spans: so the scalar columns travel as
 * three comma-joined fields (ids, statuses and numbers hold no comma) — the span's own, its run's
 * (the same on every span of a run) and its state (shared by the spans of a batch) — the
 * timestamps as epoch milliseconds (the stored times have millisecond precision; date_part
 * works in double precision, several times faster than extract's numeric), and the conformance
 * as its text. Named apart from the columns, so an ORDER BY started_at still means the indexed
 * column.
 */
export const spanSelect = [
  "concat_ws(',', id, coalesce(parent_span_id, ''), sequence) AS span_own,",
  "concat_ws(',', account_id, agent_id, agent_instance_id) AS span_run,",
  `concat_ws(',', status, risk_points, ${epochMillis("started_at")}, coalesce(${epochMillis("finished_at")}::text, ''),`,
  `${epochMillis("inserted_at")}, ${epochMillis("updated_at")}) AS span_state,`,
  "schema_name, schema_title, summary, payload, result_payload, conformance::text AS conformance_text"
].join(" ")

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

/** The comma-joined fields of `column`, exactly `count` of them. */
const fieldsOf = (row: Row, column: string, count: number): ReadonlyArray<string> => {
  const fields = text(row, column).split(",")
  return fields.length === count ? fields : mismatch(column, fields.length)
}

const present = (value: string | undefined, column: string): string =>
  value === undefined || value === "" ? mismatch(column, value) : value

const wholeNumber = (value: string | undefined, column: string): number => {
  const parsed = Number(value)
  return value !== undefined && value !== "" && Number.isSafeInteger(parsed) ? parsed : mismatch(column, value)
}

const timeOf = (value: string | undefined, column: string): DateTime.Utc => DateTime.unsafeMake(wholeNumber(value, column))

/**
 * A decoder of the rows `spanSelect` reads. One reader per read: a row whose run or state text
 * is the previous row's reuses what that row decoded (a run's spans share the first, a batch's
 * the second, and spans are read in order), and each distinct conformance text is parsed once.
 * The spans it gives share those values, which are immutable.
 */
export const spanReader = (): (row: Row) => Span.Span => {
  let lastRun: readonly [string, SpanRun] | undefined
  let lastState: readonly [string, SpanState] | undefined
  const outcomes = new Map<string, Conformance.SpanConformance>()
  const run = (row: Row): SpanRun => {
    const key = text(row, "span_run")
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
  const state = (row: Row): SpanState => {
    const key = text(row, "span_state")
    if (lastState !== undefined && lastState[0] === key) return lastState[1]
    const [status, points, started, finished, inserted, updated] = fieldsOf(row, "span_state", 6)
    if (!isStatus(status)) return mismatch("status", status)
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
  const outcome = (row: Row): Conformance.SpanConformance => {
    const key = text(row, "conformance_text")
    const known = outcomes.get(key)
    if (known !== undefined) return known
    const parsed: unknown = JSON.parse(key)
    if (!isSpanConformance(parsed)) return mismatch("conformance", parsed)
    outcomes.set(key, parsed)
    return parsed
  }
  return (row) => {
    const [id, parent, sequence] = fieldsOf(row, "span_own", 3)
    const ran = run(row)
    const now = state(row)
    return {
      id: Ids.SpanId.make(present(id, "id"), true),
      account_id: ran.account_id,
      agent_id: ran.agent_id,
      agent_instance_id: ran.agent_instance_id,
      parent_span_id: parent === undefined || parent === "" ? null : Ids.SpanId.make(parent, true),
      schema_name: text(row, "schema_name"),
      schema_title: text(row, "schema_title"),
      status: now.status,
      payload: jsonObject(row, "payload"),
      result_payload: jsonObjectOrNull(row, "result_payload"),
      summary: textOrNull(row, "summary"),
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

export const riskProfile = (row: Row): RiskProfile.RiskProfile =>
  new RiskProfile.RiskProfile({
    id: id(Ids.RiskProfileId)(row, "id"),
    account_id: accountId(row, "account_id"),
    name: text(row, "name"),
    description: textOrNull(row, "description"),
    current_revision_id: id(Ids.RiskProfileRevisionId)(row, "current_revision_id"),
    revision: integer(row, "revision"),
    deleted_at: timeOrNull(row, "deleted_at"),
    inserted_at: time(row, "inserted_at"),
    updated_at: time(row, "updated_at")
  }, true)

export const revision = (row: Row): RiskProfile.RiskProfileRevision =>
  new RiskProfile.RiskProfileRevision({
    id: id(Ids.RiskProfileRevisionId)(row, "id"),
    account_id: accountId(row, "account_id"),
    risk_profile_id: id(Ids.RiskProfileId)(row, "risk_profile_id"),
    revision: integer(row, "revision"),
    rules: json(row, "rules", RiskProfile.RiskRules),
    inserted_at: time(row, "inserted_at")
  }, true)

/** The columns of a span, in insert order; `spanValues` gives one row of them. */
export const spanColumns = [
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
  "summary",
  "started_at",
  "finished_at",
  "conformance",
  "risk_points",
  "sequence",
  "inserted_at",
  "updated_at"
] as const

/** A span column's value as `spanValues` gives it: times stay `DateTime`s until sent. */
export type SpanValue = string | number | DateTime.Utc | null

export const spanValues = (span: Span.Span): ReadonlyArray<SpanValue> => [
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
  span.summary,
  span.started_at,
  span.finished_at,
  JSON.stringify(span.conformance),
  span.risk_points,
  span.sequence,
  span.inserted_at,
  span.updated_at
]
