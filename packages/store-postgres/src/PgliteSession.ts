/**
 * PGlite's one session as an `@effect/sql` `SqlClient`, whichever thread PGlite runs in
 * (`PgliteClient.ts` in this one, `PgliteWorker.ts` in a worker thread): both supply how one
 * statement runs, and get the same rules.
 *
 * PGlite is one session. A transaction therefore holds the session for its whole scope, and a
 * statement outside a transaction takes it for that statement only: nothing interleaves with
 * an open transaction. Statements are compiled with `@effect/sql-pg`'s PostgreSQL compiler.
 */
import type * as Reactivity from "@effect/experimental/Reactivity"
import { SqlClient, type SqlError } from "@effect/sql"
import type { Connection } from "@effect/sql/SqlConnection"
import { PgClient } from "@effect/sql-pg"
import { Effect, Stream } from "effect"

/** How PGlite hands rows back: as objects keyed by column, or as arrays of values. */
export type RowMode = "object" | "array"

/** The part of a PGlite result both clients read (the rest is passed on by `executeRaw`). */
export interface Result {
  readonly rows: ReadonlyArray<unknown>
}

/** Runs one statement with its parameters on the session. */
export type Run = (sql: string, params: ReadonlyArray<unknown>, rowMode: RowMode) => Effect.Effect<Result, SqlError.SqlError>

/** The rows are whatever PostgreSQL returned; the store decodes every column it reads. */
const objectsOf = (result: Result): ReadonlyArray<object> =>
  result.rows.filter((row): row is object => typeof row === "object" && row !== null)

const arraysOf = (result: Result): ReadonlyArray<ReadonlyArray<unknown>> =>
  result.rows.filter((row): row is ReadonlyArray<unknown> => Array.isArray(row))

/** The `Connection` of a session whose statements run through `run`. */
export const connection = (run: Run): Connection => {
  const rows = (sql: string, params: ReadonlyArray<unknown>, transformRows: (<A extends object>(rows: ReadonlyArray<A>) => ReadonlyArray<A>) | undefined) =>
    Effect.map(run(sql, params, "object"), (result) => (transformRows ? transformRows(objectsOf(result)) : objectsOf(result)))
  return {
    execute: rows,
    executeRaw: (sql, params) => run(sql, params, "object"),
    executeStream: (sql, params, transformRows) => Stream.fromIterableEffect(rows(sql, params, transformRows)),
    executeValues: (sql, params) => Effect.map(run(sql, params, "array"), arraysOf),
    executeUnprepared: rows
  }
}

/**
 * The `SqlClient` over one session: a semaphore of one permit is the session, taken per statement
 * outside a transaction and for the whole scope of a transaction.
 */
export const client = (
  conn: Connection,
  namespace: string
): Effect.Effect<SqlClient.SqlClient, never, Reactivity.Reactivity> =>
  Effect.gen(function*() {
    const session = yield* Effect.makeSemaphore(1)
    const exclusive = <A, E, R>(effect: Effect.Effect<A, E, R>) => session.withPermits(1)(effect)
    const statement: Connection = {
      execute: (sql, params, transformRows) => exclusive(conn.execute(sql, params, transformRows)),
      executeRaw: (sql, params) => exclusive(conn.executeRaw(sql, params)),
      // The whole result is read under the session, then streamed.
      executeStream: (sql, params, transformRows) => Stream.fromIterableEffect(exclusive(conn.execute(sql, params, transformRows))),
      executeValues: (sql, params) => exclusive(conn.executeValues(sql, params)),
      executeUnprepared: (sql, params, transformRows) => exclusive(conn.executeUnprepared(sql, params, transformRows))
    }
    return yield* SqlClient.make({
      acquirer: Effect.succeed(statement),
      // The transaction keeps the session until its scope closes (after COMMIT or ROLLBACK).
      transactionAcquirer: Effect.as(Effect.acquireRelease(session.take(1), () => session.release(1)), conn),
      compiler: PgClient.makeCompiler(),
      spanAttributes: [["db.system.name", "postgresql"], ["db.namespace", namespace]]
    })
  })
