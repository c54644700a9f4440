/**
 * Columns: a row's values read as a record's fields, and a record's fields written as
 * parameters. Every column the store reads is checked here, so a row that does not match the
 * schema is a defect with the column's name, never a silently wrong record. The readers accept
 * what both drivers return: `pg` gives int8 as a string, PGlite as a number.
 */
import { type Ids, Json } from "@agentledger/domain"
import type { Row } from "@effect/sql/SqlConnection"
import { DateTime, Schema } from "effect"

export type { Row }

/** A parameter as the store sends it: times as text (`toTimestamp`), JSON as its text. */
export type Param = string | number | boolean | null

/** A row to write: a parameter per column. */
export type RowOf<Column extends string> = { readonly [K in Column]: Param }

/** A row that does not hold what its table's codec reads: a defect naming the column. */
export const mismatch = (column: string, value: unknown): never => {
  throw new Error(`agentledger: column ${column} holds an unexpected ${value === null ? "null" : typeof value}`)
}

const absent = (row: Row, column: string): boolean => row[column] === null || row[column] === undefined

export const text = (row: Row, column: string): string => {
  const value = row[column]
  return typeof value === "string" ? value : mismatch(column, value)
}

export const textOrNull = (row: Row, column: string): string | null => (absent(row, column) ? null : text(row, column))

export const integer = (row: Row, column: string): number => {
  const value = row[column]
  if (typeof value === "number") return value
  if (typeof value === "string" || typeof value === "bigint") {
    const parsed = Number(value)
    if (Number.isSafeInteger(parsed)) return parsed
  }
  return mismatch(column, value)
}

export const integerOrNull = (row: Row, column: string): number | null => (absent(row, column) ? null : integer(row, column))

export const boolean = (row: Row, column: string): boolean => {
  const value = row[column]
  return typeof value === "boolean" ? value : mismatch(column, value)
}

/** A timestamptz, as the drivers give it (span reads select epoch milliseconds instead: `Spans.select`). */
export const time = (row: Row, column: string): DateTime.Utc => {
  const value = row[column]
  return value instanceof Date ? DateTime.unsafeFromDate(value) : mismatch(column, value)
}

export const timeOrNull = (row: Row, column: string): DateTime.Utc | null => (absent(row, column) ? null : time(row, column))

/** One of a domain literal schema's values (`Status.Status`, `Environment.EnvironmentPurpose`, …). */
export const literal = <L extends string>(row: Row, column: string, schema: { readonly literals: ReadonlyArray<L> }): L => {
  const value = row[column]
  const found = schema.literals.find((candidate) => candidate === value)
  return found === undefined ? mismatch(column, value) : found
}

/** A jsonb column checked against a domain Schema (its type side, which is plain JSON). */
export const json = <A, I>(row: Row, column: string, schema: Schema.Schema<A, I>): A => {
  const value = row[column]
  return Schema.is(schema)(value) ? value : mismatch(column, value)
}

export const jsonObject = (row: Row, column: string): Json.JsonObject => {
  const value = row[column]
  return Json.isJsonObject(value) ? value : mismatch(column, value)
}

export const jsonObjectOrNull = (row: Row, column: string): Json.JsonObject | null =>
  absent(row, column) ? null : jsonObject(row, column)

/** An id column of a domain id kind (`Ids.AgentId`, …): the store only holds ids it was given. */
export const id = <A>(kind: Ids.IdSchema<A>) => (row: Row, column: string): A => kind.make(text(row, column), true)

export const idOrNull = <A>(kind: Ids.IdSchema<A>) => (row: Row, column: string): A | null => {
  const value = textOrNull(row, column)
  return value === null ? null : kind.make(value, true)
}

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
