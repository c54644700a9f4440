/**
 * A PGlite thread started before its client exists (`src/PgliteThread.ts`), as the server starts
 * it while it loads its modules: whatever the thread said or did before the client took it
 * reaches the client, in order — its database open, or its failure — and one client takes it.
 */
import { PgliteThread, PgliteWorker } from "@agentledger/store-postgres"
import { describe, expect, it } from "@effect/vitest"
import { SqlClient, SqlError } from "@effect/sql"
import { Cause, Effect, Exit, Layer } from "effect"
import type { Worker } from "node:worker_threads"

/** Waits for the thread's first message, or its end: by then its opening has been decided. */
const settled = (worker: Worker) =>
  Effect.async<void>((resume) => {
    const done = () => resume(Effect.void)
    worker.once("message", done)
    worker.once("exit", done)
    return Effect.sync(() => {
      worker.off("message", done)
      worker.off("exit", done)
    })
  })

const causeOf = <A, E>(exit: Exit.Exit<A, E>): unknown => {
  if (Exit.isSuccess(exit)) return undefined
  const error = Cause.squash(exit.cause)
  return error instanceof SqlError.SqlError ? error.cause : undefined
}

describe("PgliteThread", () => {
  it.live("a thread that opened its database before its client came serves the client", () =>
    Effect.gen(function*() {
      const started = PgliteThread.start()
      yield* settled(started.worker)
      const answer = yield* Effect.flatMap(SqlClient.SqlClient, (sql) => sql`SELECT 'served' AS answer`).pipe(
        Effect.provide(PgliteWorker.layer({ started }))
      )
      expect(answer).toEqual([{ answer: "served" }])
    }), 120_000)

  it.live("a thread whose script failed before its client came fails the client's layer, with the reason", () =>
    Effect.gen(function*() {
      const started = PgliteThread.start({ script: new URL("./fixtures/throws-on-load.mjs", import.meta.url) })
      yield* settled(started.worker)
      const opened = yield* Effect.exit(Layer.build(PgliteWorker.layer({ started })).pipe(Effect.scoped))
      expect(causeOf(opened)).toBeInstanceOf(PgliteWorker.PgliteWorkerError)
      expect(String(causeOf(opened))).toContain("this thread cannot load")
    }), 60_000)

  it.live("one client takes a started thread; a second is refused", () =>
    Effect.gen(function*() {
      const started = PgliteThread.start()
      const first = yield* Effect.exit(Layer.build(PgliteWorker.layer({ started })).pipe(Effect.scoped))
      expect(Exit.isSuccess(first)).toBe(true)
      const second = yield* Effect.exit(Layer.build(PgliteWorker.layer({ started })).pipe(Effect.scoped))
      expect(Exit.isFailure(second)).toBe(true)
      expect(String(Exit.isFailure(second) ? Cause.squash(second.cause) : "")).toContain("taken by another client")
    }), 120_000)
})
