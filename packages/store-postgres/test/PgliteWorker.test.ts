/**
 * What only the worker-thread placement of PGlite (`src/PgliteWorker.ts`) can get wrong: values
 * crossing the thread boundary (rows must decode exactly as from the in-thread client, a
 * PostgreSQL error must keep its SQLSTATE), answers matched to their statements after one was
 * given up on, the script found from a build, and a thread that dies or never starts: a failure
 * at once, never a hang. (The shared behaviour runs for both clients in Pglite.test.ts.)
 */
import { PgliteClient, PgliteWorker } from "@agentledger/store-postgres"
import { describe, expect, it } from "@effect/vitest"
import { SqlClient, SqlError } from "@effect/sql"
import { Cause, Duration, Effect, Exit, Layer, Option } from "effect"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

/** Values of every kind the store reads or might: what PGlite hands back for each type. */
const everyKind = `SELECT
  '2024-02-29T12:34:56.789Z'::timestamptz AS ts, '2024-02-29'::date AS day, NULL::timestamptz AS no_ts,
  '{"a": [1, {"b": null}], "c": "é"}'::jsonb AS doc, '[1, 2]'::jsonb AS list, 'null'::jsonb AS json_null,
  42::int8 AS small, 9007199254740993::int8 AS big, 7::int4 AS int, 1.5::float8 AS float,
  12345678901234567890.5::numeric AS num, '\\x00ff10'::bytea AS bytes, true AS yes,
  ARRAY[1, 2, 3]::int[] AS ints, ARRAY['x', NULL]::text[] AS texts, 'text'::text AS str,
  NULL::text AS nothing, '1 day 2 hours'::interval AS span, gen_random_uuid() IS NOT NULL AS has_uuid`

/** Runs `effect` with the client's `SqlClient`. */
const on = <A, E>(client: Layer.Layer<SqlClient.SqlClient, SqlError.SqlError>, effect: Effect.Effect<A, E, SqlClient.SqlClient>) =>
  Effect.provide(effect, client)

/** The cause inside the `SqlError` an exit failed or died with, if that is how it ended. */
const causeOf = <A>(exit: Exit.Exit<A, unknown>): unknown => {
  if (Exit.isSuccess(exit)) return undefined
  const error = Cause.squash(exit.cause)
  return error instanceof SqlError.SqlError ? error.cause : undefined
}

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url)

describe("PgliteWorker", () => {
  it.live("rows of every kind decode exactly as from the in-thread client, as objects and as values", () =>
    Effect.gen(function*() {
      const read = Effect.flatMap(SqlClient.SqlClient, (sql) =>
        Effect.all({ objects: sql.unsafe(everyKind), values: sql.unsafe(everyKind).values }))
      const inThread = yield* on(PgliteClient.layer(), read)
      const inWorker = yield* on(PgliteWorker.layer(), read)
      expect(inWorker).toEqual(inThread)
      const [row] = inWorker.objects
      // The kinds themselves, so a change in PGlite's parsers shows here.
      expect(row).toMatchObject({
        ts: new Date("2024-02-29T12:34:56.789Z"),
        small: 42,
        big: 9007199254740993n,
        num: "12345678901234567890.5",
        bytes: new Uint8Array([0, 255, 16]),
        doc: { a: [1, { b: null }], c: "é" }
      })
    }), 120_000)

  it.live("a PostgreSQL error keeps its SQLSTATE and constraint across the thread; parameters of every kind arrive", () =>
    on(PgliteWorker.layer(), Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      yield* sql`CREATE TABLE kept (id text PRIMARY KEY, at timestamptz, doc jsonb, n int8, raw bytea)`
      const at = new Date("2024-01-02T03:04:05.006Z")
      yield* sql`INSERT INTO kept ${sql.insert({ id: "a", at, doc: JSON.stringify({ k: [1] }), n: 12n, raw: new Uint8Array([1, 2]) })}`
      expect(yield* sql`SELECT id, at, doc, n, raw FROM kept`).toEqual([{ id: "a", at, doc: { k: [1] }, n: 12, raw: new Uint8Array([1, 2]) }])

      const duplicate = yield* Effect.exit(sql`INSERT INTO kept (id) VALUES ('a')`)
      const cause = causeOf(duplicate)
      expect(cause).toBeInstanceOf(PgliteWorker.PgliteDatabaseError)
      expect(cause).toMatchObject({ code: "23505", constraint: "kept_pkey" })
    })), 120_000)

  it.live("a parameter the thread cannot receive fails that statement only", () =>
    on(PgliteWorker.layer(), Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const refused = yield* Effect.exit(sql.unsafe("SELECT $1::text AS v", [() => "a function"]))
      expect(causeOf(refused)).toBeInstanceOf(Error)
      expect(yield* sql.unsafe("SELECT $1::text AS v", ["fine"])).toEqual([{ v: "fine" }])
    })), 120_000)

  it.live("a statement given up on still runs first, and every later statement gets its own answer", () =>
    on(PgliteWorker.layer(), Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      yield* sql`CREATE TABLE slow (n int)`
      const gaveUp = yield* sql`INSERT INTO slow SELECT 1 FROM pg_sleep(0.3)`.pipe(Effect.timeoutOption(Duration.millis(50)))
      expect(Option.isNone(gaveUp)).toBe(true)
      expect(yield* sql`SELECT 'second' AS answer`).toEqual([{ answer: "second" }])
      expect(yield* sql`SELECT count(*)::int AS n FROM slow`).toEqual([{ n: 1 }])
    })), 120_000)

  it.live("a thread that dies under a statement fails it and every later one at once", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const died = yield* Effect.exit(sql`SELECT 1`)
      const cause = causeOf(died)
      expect(cause).toBeInstanceOf(PgliteWorker.PgliteWorkerError)
      expect(String(cause)).toContain("exited (code 7)")
      const later = yield* Effect.exit(sql`SELECT 2`.pipe(Effect.timeout(Duration.seconds(5))))
      expect(causeOf(later)).toBeInstanceOf(PgliteWorker.PgliteWorkerError)
      // A transaction cannot begin either (@effect/sql makes a failed BEGIN a defect).
      const transaction = yield* Effect.exit(sql.withTransaction(sql`SELECT 3`).pipe(Effect.timeout(Duration.seconds(5))))
      expect(causeOf(transaction)).toBeInstanceOf(PgliteWorker.PgliteWorkerError)
    }).pipe(Effect.provide(PgliteWorker.layer({ script: fixture("exits-on-query.mjs") }))), 60_000)

  it.live("a thread whose script cannot load fails the layer, with the reason", () =>
    Effect.gen(function*() {
      const opened = yield* Effect.exit(Layer.build(PgliteWorker.layer({ script: fixture("throws-on-load.mjs") })).pipe(Effect.scoped))
      const cause = causeOf(opened)
      expect(cause).toBeInstanceOf(PgliteWorker.PgliteWorkerError)
      expect(String(cause)).toContain("this thread cannot load")
    }), 60_000)

  it.live("a data directory PGlite cannot open fails the layer with PostgreSQL's reason", () =>
    Effect.gen(function*() {
      const dir = mkdtempSync(join(tmpdir(), "agentledger-pglite-worker-"))
      const notADirectory = join(dir, "a-file")
      writeFileSync(notADirectory, "not a database")
      const opened = yield* Effect.exit(Layer.build(PgliteWorker.layer({ dataDir: notADirectory })).pipe(Effect.scoped))
      rmSync(dir, { recursive: true, force: true })
      expect(Exit.isFailure(opened)).toBe(true)
      expect(causeOf(opened)).toBeInstanceOf(Error)
    }), 120_000)

  it.live("after its scope closed, a statement fails at once", () =>
    Effect.gen(function*() {
      // The context outlives the scope it was built in: its client is closed.
      const closed = yield* Effect.scoped(Layer.build(PgliteWorker.layer()))
      const after = yield* Effect.exit(Effect.flatMap(SqlClient.SqlClient, (sql) => sql`SELECT 1`).pipe(
        Effect.provide(closed),
        Effect.timeout(Duration.seconds(5))
      ))
      expect(String(causeOf(after))).toContain("closed")
    }), 120_000)

  it("finds its script beside its module in the sources, and in the sources from a build in dist", () => {
    const source = new URL("../src/PgliteWorker.ts", import.meta.url).href
    const built = new URL("../dist/src/PgliteWorker.js", import.meta.url).href
    const script = new URL("../src/pglite-worker.mjs", import.meta.url).href
    expect(PgliteWorker.workerScript(source).href).toBe(script)
    expect(PgliteWorker.workerScript(built).href).toBe(script)
  })
})
