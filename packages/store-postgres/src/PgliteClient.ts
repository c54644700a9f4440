/**
 * PGlite (PostgreSQL compiled to WebAssembly, in-process) as an `@effect/sql` `SqlClient`, so
 * the store runs the very same SQL embedded as on a PostgreSQL server.
 *
 * PGlite is one session. A transaction therefore holds the session for its whole scope, and a
 * statement outside a transaction takes it for that statement only: nothing interleaves with
 * an open transaction. Statements are compiled with `@effect/sql-pg`'s PostgreSQL compiler.
 */
import * as Reactivity from "@effect/experimental/Reactivity"
import { SqlClient, SqlError } from "@effect/sql"
import type { Connection } from "@effect/sql/SqlConnection"
import { PgClient } from "@effect/sql-pg"
import { PGlite } from "@electric-sql/pglite"
import { Effect, Layer, Stream } from "effect"

export interface PgliteClientConfig {
  /** A directory to persist to; omitted, the database lives in memory. */
  readonly dataDir?: string | undefined
}

const failed = (cause: unknown) => new SqlError.SqlError({ cause, message: "PGlite: failed to execute statement" })

/** The rows are whatever PostgreSQL returned; the store decodes every column it reads. */
const rowsOf = (result: { readonly rows: ReadonlyArray<unknown> }): ReadonlyArray<object> =>
  result.rows.filter((row): row is object => typeof row === "object" && row !== null)

/**
 * PGlite executes inside this thread and resolves its promises at once, so a long series of
 * statements is one unbroken chain of microtasks: timers, sockets and worker messages of the
 * whole process would wait until it ends. Each statement therefore hands the event loop one turn.
 */
const turn = Effect.async<void>((resume) => {
  const handle = setImmediate(() => resume(Effect.void))
  return Effect.sync(() => clearImmediate(handle))
})

const connection = (db: PGlite): Connection => {
  const run = (sql: string, params: ReadonlyArray<unknown>) =>
    Effect.zipLeft(
      Effect.tryPromise({ try: () => db.query(sql, [...params], { rowMode: "object" }), catch: failed }),
      turn
    )
  return {
    execute: (sql, params, transformRows) =>
      Effect.map(run(sql, params), (result) => (transformRows ? transformRows(rowsOf(result)) : rowsOf(result))),
    executeRaw: (sql, params) => run(sql, params),
    executeStream: (sql, params, transformRows) =>
      Stream.fromIterableEffect(
        Effect.map(run(sql, params), (result) => (transformRows ? transformRows(rowsOf(result)) : rowsOf(result)))
      ),
    executeValues: (sql, params) =>
      Effect.map(
        Effect.zipLeft(Effect.tryPromise({ try: () => db.query(sql, [...params], { rowMode: "array" }), catch: failed }), turn),
        (result) => result.rows.filter((row): row is ReadonlyArray<unknown> => Array.isArray(row))
      ),
    executeUnprepared: (sql, params, transformRows) =>
      Effect.map(run(sql, params), (result) => (transformRows ? transformRows(rowsOf(result)) : rowsOf(result)))
  }
}

/** A scoped PGlite `SqlClient`: the database is closed when the scope closes. */
export const make = (config: PgliteClientConfig = {}) =>
  Effect.gen(function*() {
    const db = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: () => (config.dataDir === undefined ? PGlite.create() : PGlite.create(config.dataDir)),
        catch: (cause) => new SqlError.SqlError({ cause, message: "PGlite: failed to open the database" })
      }),
      (db) => Effect.promise(() => db.close())
    )
    const session = yield* Effect.makeSemaphore(1)
    const conn = connection(db)
    const exclusive = <A, E, R>(effect: Effect.Effect<A, E, R>) => session.withPermits(1)(effect)
    const statement: Connection = {
      execute: (sql, params, transformRows) => exclusive(conn.execute(sql, params, transformRows)),
      executeRaw: (sql, params) => exclusive(conn.executeRaw(sql, params)),
      executeStream: (sql, params, transformRows) => Stream.unwrap(exclusive(Effect.succeed(conn.executeStream(sql, params, transformRows)))),
      executeValues: (sql, params) => exclusive(conn.executeValues(sql, params)),
      executeUnprepared: (sql, params, transformRows) => exclusive(conn.executeUnprepared(sql, params, transformRows))
    }
    return yield* SqlClient.make({
      acquirer: Effect.succeed(statement),
      // The transaction keeps the session until its scope closes (after COMMIT or ROLLBACK).
      transactionAcquirer: Effect.as(Effect.acquireRelease(session.take(1), () => session.release(1)), conn),
      compiler: PgClient.makeCompiler(),
      spanAttributes: [["db.system.name", "postgresql"], ["db.namespace", "pglite"]]
    })
  })

/** PGlite as the `SqlClient` Layer. */
export const layer = (config: PgliteClientConfig = {}): Layer.Layer<SqlClient.SqlClient, SqlError.SqlError> =>
  Layer.scoped(SqlClient.SqlClient, make(config)).pipe(Layer.provide(Reactivity.layer))
