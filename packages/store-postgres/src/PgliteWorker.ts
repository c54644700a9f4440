/**
 * PGlite in a worker thread, as an `@effect/sql` `SqlClient`: the same database and the same
 * session rules as `PgliteClient.ts` (`PgliteSession.ts`), but PostgreSQL's work no longer runs in
 * the thread that serves HTTP, so parsing, deciding and answering requests overlap with it. The
 * thread runs statements in the order they arrive, so a statement outside a transaction is sent
 * without waiting for the previous one's answer: the thread goes from one to the next without a
 * round trip in between.
 *
 * Protocol (`pglite-worker.mjs`): this side sends `{kind: "query", id, sql, params, rowMode}` and,
 * at the end, `{kind: "close"}`; the thread answers `ready` once the database is open (or `failed`),
 * `result` (rows, affectedRows, fields) or `error` (a PostgreSQL error's fields) per query, and
 * `closed`. Values cross by structured clone, which keeps what PGlite returns (Date for
 * timestamptz and date, parsed JSON for jsonb, bigint for a large int8, Uint8Array for bytea,
 * strings for numeric), so rows decode as they do from the in-thread client.
 *
 * A thread that dies (a crash, out of memory, its script failing to load) fails every statement
 * waiting for it and every later one with a `PgliteWorkerError` inside the `SqlError`: the store
 * turns that into a defect, never a hang.
 */
import * as Reactivity from "@effect/experimental/Reactivity"
import { SqlClient, SqlError } from "@effect/sql"
import { Deferred, Duration, Effect, Either, Exit, FiberId, Layer, Schema } from "effect"
import type { Worker } from "node:worker_threads"
import * as PgliteSession from "./PgliteSession.js"
import * as PgliteThread from "./PgliteThread.js"

export interface PgliteWorkerConfig extends PgliteThread.PgliteThreadConfig {
  /**
   * A thread `PgliteThread.start` started earlier, its database opening meanwhile: taken instead
   * of starting one (`dataDir` and `script` are then the ones it was started with). One client takes it.
   */
  readonly started?: PgliteThread.Started | undefined
}

/** The fields of PGlite's `DatabaseError` that the thread copies (structured clone drops them). */
const databaseErrorFields = {
  message: Schema.String,
  code: Schema.optional(Schema.String),
  constraint: Schema.optional(Schema.String),
  detail: Schema.optional(Schema.String),
  hint: Schema.optional(Schema.String),
  severity: Schema.optional(Schema.String),
  schema: Schema.optional(Schema.String),
  table: Schema.optional(Schema.String),
  column: Schema.optional(Schema.String),
  where: Schema.optional(Schema.String),
  routine: Schema.optional(Schema.String)
}

/** PostgreSQL refused a statement; `code` is its SQLSTATE (what the store reads, as from `pg`). */
export class PgliteDatabaseError extends Schema.TaggedError<PgliteDatabaseError>()("PgliteDatabaseError", databaseErrorFields) {}

/** The PGlite thread is gone, or never came up: no statement can run on it. */
export class PgliteWorkerError extends Schema.TaggedError<PgliteWorkerError>()("PgliteWorkerError", { message: Schema.String }) {}

const Reply = Schema.Union(
  Schema.Struct({ kind: Schema.Literal("ready") }),
  Schema.Struct({ kind: Schema.Literal("closed") }),
  Schema.Struct({ kind: Schema.Literal("failed"), error: Schema.Struct(databaseErrorFields) }),
  Schema.Struct({
    kind: Schema.Literal("result"),
    id: Schema.Number,
    rows: Schema.Array(Schema.Unknown),
    affectedRows: Schema.Number,
    fields: Schema.Unknown
  }),
  Schema.Struct({ kind: Schema.Literal("error"), id: Schema.Number, error: Schema.Struct(databaseErrorFields) })
)
const decodeReply = Schema.decodeUnknownEither(Reply)

/** The thread's script, found from a module's URL (`PgliteThread.ts`). */
export const workerScript = PgliteThread.workerScript

/** How long closing may wait for PGlite to shut down (a checkpoint, with a data directory). */
const closeTimeout = Duration.seconds(10)

const executionFailed = (cause: unknown) => new SqlError.SqlError({ cause, message: "PGlite: failed to execute statement" })

type Resume<A> = (outcome: Exit.Exit<A, SqlError.SqlError>) => void

/** One PGlite thread: statements in flight by id, and what happens when the thread ends. */
class Thread {
  private readonly waiting = new Map<number, Resume<PgliteSession.Result>>()
  private nextId = 0
  private ended: PgliteWorkerError | null = null
  private onClosed: (() => void) | null = null

  // Idle, the thread does not keep the process alive (`PgliteThread.start`); a statement in flight does (`track`).
  constructor(private readonly worker: Worker, private onOpened: Resume<void> | null) {}

  /** What the thread says and how it ends, for `PgliteThread.Started.take`. */
  readonly listener: PgliteThread.Listener = {
    message: (message) => this.receive(message),
    messageerror: (error) => this.end(`a message from the PGlite thread could not be read: ${error.message}`),
    error: (error) => this.end(`the PGlite thread failed: ${error.message}`),
    exit: (code) => this.end(`the PGlite thread exited (code ${code})`)
  }

  /**
   * Sends one statement to the thread, which runs statements in the order they arrive, and
   * answers the wait for its result (the session's rules are the caller's: `PgliteSession`).
   */
  readonly submit: PgliteSession.Submit = (sql, params, rowMode) =>
    Effect.suspend(() => {
      if (this.ended !== null) return Effect.fail(executionFailed(this.ended))
      const id = this.nextId++
      try {
        this.worker.postMessage({ kind: "query", id, sql, params, rowMode })
      } catch (cause) {
        // A parameter structured clone cannot copy (a function, a class with private state).
        return Effect.fail(new SqlError.SqlError({ cause, message: "PGlite: a parameter cannot be sent to the PGlite thread" }))
      }
      // Registered now: the answer may come back before anyone waits for it.
      const answer = Deferred.unsafeMake<PgliteSession.Result, SqlError.SqlError>(FiberId.none)
      this.track(id, (outcome) => Deferred.unsafeDone(answer, outcome))
      // Given up on (interrupted): the thread still runs it, in order, and its answer is dropped.
      return Effect.succeed(Deferred.await(answer).pipe(Effect.onInterrupt(() => Effect.sync(() => this.untrack(id)))))
    })

  /** Shuts PGlite down (waiting for the statements sent before), then ends the thread. */
  readonly close: Effect.Effect<void> = Effect.async<void>((resume) => {
    if (this.ended !== null) return resume(Effect.void)
    this.ended = new PgliteWorkerError({ message: "the PGlite database is closed" })
    this.onClosed = () => resume(Effect.void)
    this.worker.ref()
    this.worker.postMessage({ kind: "close" })
  }).pipe(
    Effect.timeoutOption(closeTimeout),
    Effect.ensuring(Effect.promise(() => this.worker.terminate()))
  )

  private track(id: number, resume: Resume<PgliteSession.Result>): void {
    if (this.waiting.size === 0) this.worker.ref()
    this.waiting.set(id, resume)
  }

  private untrack(id: number): Resume<PgliteSession.Result> | undefined {
    const resume = this.waiting.get(id)
    if (this.waiting.delete(id) && this.waiting.size === 0) this.worker.unref()
    return resume
  }

  private receive(message: unknown): void {
    const reply = decodeReply(message)
    if (Either.isLeft(reply)) return this.end(`the PGlite thread sent an unknown message (${reply.left.message.slice(0, 200)})`)
    const answer = reply.right
    switch (answer.kind) {
      case "ready":
        return this.opened(Exit.void)
      case "failed":
        // The thread ends by itself after saying so.
        return this.opened(Exit.fail(new SqlError.SqlError({
          cause: new PgliteDatabaseError(answer.error),
          message: "PGlite: failed to open the database"
        })))
      case "closed": {
        // Once: the thread's exit, which follows, must not answer the close again.
        const onClosed = this.onClosed
        this.onClosed = null
        return onClosed?.()
      }
      case "result":
        return this.untrack(answer.id)?.(Exit.succeed({ rows: answer.rows, affectedRows: answer.affectedRows, fields: answer.fields }))
      case "error":
        return this.untrack(answer.id)?.(Exit.fail(executionFailed(new PgliteDatabaseError(answer.error))))
    }
  }

  private opened(outcome: Exit.Exit<void, SqlError.SqlError>): void {
    const onOpened = this.onOpened
    this.onOpened = null
    onOpened?.(outcome)
  }

  /** The thread is gone: everything waiting for it fails now, everything later fails at once. */
  private end(detail: string): void {
    this.ended ??= new PgliteWorkerError({ message: detail })
    const failure = new PgliteWorkerError({ message: detail })
    this.opened(Exit.fail(new SqlError.SqlError({ cause: failure, message: "PGlite: failed to open the database" })))
    const waiting = [...this.waiting.values()]
    this.waiting.clear()
    for (const resume of waiting) resume(Exit.fail(new SqlError.SqlError({ cause: failure, message: `PGlite: ${detail}` })))
    this.onClosed?.()
    this.onClosed = null
    void this.worker.terminate()
  }
}

/** Starts the thread, or takes the one started earlier, and waits until its database is open. */
const open = (config: PgliteWorkerConfig): Effect.Effect<Thread, SqlError.SqlError> =>
  Effect.async<Thread, SqlError.SqlError>((resume) => {
    let started: PgliteThread.Started
    try {
      started = config.started ?? PgliteThread.start(config)
    } catch (cause) {
      resume(Effect.fail(new SqlError.SqlError({ cause, message: "PGlite: failed to start its thread" })))
      return
    }
    const thread: Thread = new Thread(started.worker, (outcome) => resume(Exit.as(outcome, thread)))
    if (!started.take(thread.listener)) {
      resume(Effect.fail(new SqlError.SqlError({ cause: null, message: "PGlite: the thread started earlier was taken by another client" })))
      return
    }
    // Interrupted while PGlite opens: the thread goes.
    return Effect.promise(() => started.worker.terminate())
  })

/** A scoped `SqlClient` on PGlite in a worker thread: the thread ends when the scope closes. */
export const make = (config: PgliteWorkerConfig = {}) =>
  Effect.gen(function*() {
    const thread = yield* Effect.acquireRelease(open(config), (thread) => thread.close)
    return yield* PgliteSession.client(thread.submit, "pglite")
  })

/** PGlite in a worker thread as the `SqlClient` Layer. */
export const layer = (config: PgliteWorkerConfig = {}): Layer.Layer<SqlClient.SqlClient, SqlError.SqlError> =>
  Layer.scoped(SqlClient.SqlClient, make(config)).pipe(Layer.provide(Reactivity.layer))
