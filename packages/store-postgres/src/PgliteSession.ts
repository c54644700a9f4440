/**
 * PGlite's one session as an `@effect/sql` `SqlClient`, whichever thread PGlite runs in
 * (`PgliteClient.ts` in this one, `PgliteWorker.ts` in a worker thread): both supply how one
 * statement is submitted, and get the same rules.
 *
 * PGlite is one session. A transaction therefore holds the session for its whole scope, and a
 * statement outside a transaction takes it while it is submitted: nothing interleaves with an
 * open transaction. A session that runs statements in the order they were submitted (a worker
 * thread's queue) lets the next statement be submitted before the last one's answer is back, so
 * the thread never waits for a round trip; one that runs a statement as it is submitted (this
 * thread) holds the session until the statement is done. Statements are compiled with
 * `@effect/sql-pg`'s PostgreSQL compiler.
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

/**
 * Hands one statement to the session, which runs statements in the order they were handed over;
 * answers the wait for its result.
 */
export type Submit = (
  sql: string,
  params: ReadonlyArray<unknown>,
  rowMode: RowMode
) => Effect.Effect<Effect.Effect<Result, SqlError.SqlError>, SqlError.SqlError>

/** A `Submit` for a session that runs a statement while it is submitted. */
export const submitByRunning = (run: Run): Submit => (sql, params, rowMode) => Effect.map(run(sql, params, rowMode), Effect.succeed)

/** The rows are whatever PostgreSQL returned; the store decodes every column it reads. */
const objectsOf = (result: Result): ReadonlyArray<object> =>
  result.rows.filter((row): row is object => typeof row === "object" && row !== null)

const arraysOf = (result: Result): ReadonlyArray<ReadonlyArray<unknown>> =>
  result.rows.filter((row): row is ReadonlyArray<unknown> => Array.isArray(row))

/** The `Connection` whose statements run through `run`. */
const connection = (run: Run): Connection => {
  const rows = (sql: string, params: ReadonlyArray<unknown>, transformRows: (<A extends object>(rows: ReadonlyArray<A>) => ReadonlyArray<A>) | undefined) =>
    Effect.map(run(sql, params, "object"), (result) => (transformRows ? transformRows(objectsOf(result)) : objectsOf(result)))
  return {
    execute: rows,
    executeRaw: (sql, params) => run(sql, params, "object"),
    // The whole result is read, then streamed.
    executeStream: (sql, params, transformRows) => Stream.fromIterableEffect(rows(sql, params, transformRows)),
    executeValues: (sql, params) => Effect.map(run(sql, params, "array"), arraysOf),
    executeUnprepared: rows
  }
}

/**
 * The `SqlClient` over one session: a semaphore of one permit is the session, taken per statement
 * outside a transaction (while it is submitted) and for the whole scope of a transaction.
 */
export const client = (
  submit: Submit,
  namespace: string
): Effect.Effect<SqlClient.SqlClient, never, Reactivity.Reactivity> =>
  Effect.gen(function*() {
    const session = yield* Effect.makeSemaphore(1)
    const outside = connection((sql, params, rowMode) => Effect.flatten(session.withPermits(1)(submit(sql, params, rowMode))))
    const inside = connection((sql, params, rowMode) => Effect.flatten(submit(sql, params, rowMode)))
    return yield* SqlClient.make({
      acquirer: Effect.succeed(outside),
      // The transaction keeps the session until its scope closes (after COMMIT or ROLLBACK).
      transactionAcquirer: Effect.as(Effect.acquireRelease(session.take(1), () => session.release(1)), inside),
      compiler: PgClient.makeCompiler(),
      spanAttributes: [["db.system.name", "postgresql"], ["db.namespace", namespace]]
    })
  })
