/**
 * What every operation of the store port is built from: one account's scope of a `SqlClient`,
 * the port's reading of SQL failures (a uniqueness rule is a `UniqueViolation`, anything else a
 * defect), and the statement shapes the tables share (insert a record, update it by id, read
 * one, read many, read a page).
 */
import { type Ids, type Listed, type ListQuery, UniqueViolation } from "@agentledger/domain"
import type { SqlClient, SqlError } from "@effect/sql"
import type { Fragment } from "@effect/sql/Statement"
import { Effect, Option } from "effect"
import * as Columns from "../tables/Columns.js"

/** One account's view of the database: every statement of a unit of work is limited by `mine`. */
export interface Scope {
  readonly sql: SqlClient.SqlClient
  readonly account: Ids.AccountId
  /** `account_id = …`: the first condition of every statement. */
  readonly mine: Fragment
  /** The account's row of that id. */
  readonly byId: (id: string) => Fragment
  /** `column = value`, or no condition when the filter leaves the value out. */
  readonly optional: <V>(column: string, value: V | undefined) => Array<Fragment>
}

export const scope = (sql: SqlClient.SqlClient, account: Ids.AccountId): Scope => {
  const mine = sql`account_id = ${account}`
  return {
    sql,
    account,
    mine,
    byId: (id) => sql.and([mine, sql`id = ${id}`]),
    optional: (column, value) => (value === undefined ? [] : [sql`${sql(column)} = ${value}`])
  }
}

/** The SQLSTATE of a failed statement, when the driver gives one. */
export const sqlState = (error: SqlError.SqlError): string | undefined => {
  const cause: unknown = error.cause
  return typeof cause === "object" && cause !== null && "code" in cause && typeof cause.code === "string" ? cause.code : undefined
}

/** PostgreSQL's unique violation (SQLSTATE 23505), with the constraint it names. */
export const uniqueViolation = (error: SqlError.SqlError): UniqueViolation | undefined => {
  const cause: unknown = error.cause
  if (sqlState(error) !== "23505" || typeof cause !== "object" || cause === null) return undefined
  const constraint = "constraint" in cause && typeof cause.constraint === "string" ? cause.constraint : "unique"
  return new UniqueViolation({ constraint })
}

/** A write whose only expected failure is a uniqueness rule. */
export const guarded = <A>(statement: Effect.Effect<A, SqlError.SqlError>): Effect.Effect<void, UniqueViolation> =>
  statement.pipe(
    Effect.asVoid,
    Effect.catchAll((error) => {
      const violation = uniqueViolation(error)
      return violation === undefined ? Effect.die(error) : Effect.fail(violation)
    })
  )

/** A write that no rule of the store can refuse: any failure is a defect. */
export const unguarded = <A>(statement: Effect.Effect<A, SqlError.SqlError>): Effect.Effect<void> =>
  statement.pipe(Effect.asVoid, Effect.orDie)

/** A table's codec, as far as writing a record goes. */
export interface Writable<A> {
  readonly table: string
  readonly toRow: (record: A) => Readonly<Record<string, Columns.Param>>
}

/** `INSERT INTO table (…) VALUES (…)` of one record, through its table's codec. */
export const insert = <A>({ sql }: Scope, codec: Writable<A>, record: A): Effect.Effect<void, UniqueViolation> =>
  guarded(sql`INSERT INTO ${sql.literal(codec.table)} ${sql.insert(codec.toRow(record))}`)

/** `UPDATE table SET … WHERE` the account's row of that id. */
export const update = ({ byId, sql }: Scope, table: string, id: string, changes: Readonly<Record<string, Columns.Param>>) =>
  sql`UPDATE ${sql.literal(table)} SET ${sql.update(changes)} WHERE ${byId(id)}`

export const many = <A>(statement: Effect.Effect<ReadonlyArray<Columns.Row>, SqlError.SqlError>, decode: (row: Columns.Row) => A) =>
  statement.pipe(Effect.map((rows) => rows.map(decode)), Effect.orDie)

export const one = <A>(statement: Effect.Effect<ReadonlyArray<Columns.Row>, SqlError.SqlError>, decode: (row: Columns.Row) => A) =>
  statement.pipe(Effect.map((rows) => Option.map(Option.fromNullable(rows[0]), decode)), Effect.orDie)

/** The `count` column of a one-row aggregate, 0 without a row. */
export const countOf = (rows: ReadonlyArray<Columns.Row>): number =>
  rows[0] === undefined ? 0 : Columns.integer(rows[0], "count")

/** Sort fields some table leaves null (instances' times, spans' end, agents' identifier). */
const nullableSortFields: ReadonlySet<string> = new Set(["started_at", "finished_at", "external_identifier"])

/**
 * A page of `table` under `where`, ordered by the query's field (ties by id). `sortedBy` gives
 * the expression a field sorts by where the domain sorts by more than the column (never null),
 * or nothing for the column itself.
 */
export const list = <F extends string, A>(
  { sql }: Scope,
  table: string,
  where: Fragment,
  query: ListQuery<F>,
  decode: (row: Columns.Row) => A,
  columns: Fragment = sql.literal("*"),
  sortedBy: (field: F) => Fragment | undefined = () => undefined
): Effect.Effect<Listed<A>> => {
  const direction = sql.literal(query.sort.direction === "asc" ? "ASC" : "DESC")
  const expression = sortedBy(query.sort.field)
  // Nulls sort last in both directions (as store-memory does); only nullable columns need
  // saying so, and saying it for the others would keep a backward index scan from serving.
  const nulls = sql.literal(expression === undefined && nullableSortFields.has(query.sort.field) ? "NULLS LAST" : "")
  const sorted = expression ?? sql`${sql(table)}.${sql(query.sort.field)}`
  const order = sql`ORDER BY ${sorted} ${direction} ${nulls}, ${sql(table)}.id ${direction}`
  return Effect.all({
    total: sql`SELECT count(*)::int AS count FROM ${sql(table)} WHERE ${where}`.pipe(Effect.map(countOf)),
    items: query.limit === 0
      ? Effect.succeed([])
      : sql`SELECT ${columns} FROM ${sql(table)} WHERE ${where} ${order} LIMIT ${query.limit} OFFSET ${query.offset}`.pipe(
        Effect.map((rows) => rows.map(decode))
      )
  }).pipe(Effect.orDie)
}
