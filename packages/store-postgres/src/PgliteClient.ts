/**
 * PGlite (PostgreSQL compiled to WebAssembly, in-process) as an `@effect/sql` `SqlClient`, so
 * the store runs the very same SQL embedded as on a PostgreSQL server. PGlite runs in the calling
 * thread here; `PgliteWorker.ts` runs it in a worker thread instead. The session rules (one
 * session; a transaction holds it for its scope) are `PgliteSession.ts`'s.
 */
import * as Reactivity from "@effect/experimental/Reactivity"
import { SqlClient, SqlError } from "@effect/sql"
import { PGlite } from "@electric-sql/pglite"
import { Effect, Layer } from "effect"
import * as PgliteSession from "./PgliteSession.js"

export interface PgliteClientConfig {
  /** A directory to persist to; omitted, the database lives in memory. */
  readonly dataDir?: string | undefined
}

const failed = (cause: unknown) => new SqlError.SqlError({ cause, message: "PGlite: failed to execute statement" })

/**
 * PGlite executes inside this thread and resolves its promises at once, so a long series of
 * statements is one unbroken chain of microtasks: timers, sockets and worker messages of the
 * whole process would wait until it ends. Each statement therefore hands the event loop one turn.
 */
const turn = Effect.async<void>((resume) => {
  const handle = setImmediate(() => resume(Effect.void))
  return Effect.sync(() => clearImmediate(handle))
})

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
    const run: PgliteSession.Run = (sql, params, rowMode) =>
      Effect.zipLeft(Effect.tryPromise({ try: () => db.query(sql, [...params], { rowMode }), catch: failed }), turn)
    return yield* PgliteSession.client(PgliteSession.submitByRunning(run), "pglite")
  })

/** PGlite as the `SqlClient` Layer. */
export const layer = (config: PgliteClientConfig = {}): Layer.Layer<SqlClient.SqlClient, SqlError.SqlError> =>
  Layer.scoped(SqlClient.SqlClient, make(config)).pipe(Layer.provide(Reactivity.layer))
