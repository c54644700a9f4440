/**
 * The PGlite glue: PGlite, in-process PostgreSQL, as an `@effect/sql` `SqlClient`, in the calling
 * thread (`src/PgliteClient.ts`) and in a worker thread (`src/PgliteWorker.ts`), each through the
 * same tests. Statements, transactions that commit or roll back, persistence to a directory, and
 * the one-session rule: a statement outside a transaction waits for an open transaction instead
 * of running inside it.
 */
import { Ledger } from "@agentledger/domain"
import { PgliteClient, PgliteWorker, PgStore } from "@agentledger/store-postgres"
import { describe, expect, it, layer } from "@effect/vitest"
import { SqlClient, SqlError } from "@effect/sql"
import { Deferred, Duration, Effect, Exit, Fiber, Option, Schema } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { ledgerOn, rows } from "./support/postgres.js"

const Item = Schema.Struct({ id: Schema.String, n: Schema.Number })

/** A table of its own for each test (the in-memory tests share one database). */
const table = (name: string) => ({
  create: Effect.flatMap(SqlClient.SqlClient, (sql) => sql`CREATE TABLE ${sql(name)} (id text PRIMARY KEY, n integer NOT NULL)`),
  insert: (id: string, n: number) => Effect.flatMap(SqlClient.SqlClient, (sql) => sql`INSERT INTO ${sql(name)} ${sql.insert({ id, n })}`),
  items: Effect.flatMap(SqlClient.SqlClient, (sql) => rows(Item)(sql`SELECT id, n FROM ${sql(name)} ORDER BY id`))
})

/** A new directory for one test, removed afterwards. */
const temporaryDirectory = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "agentledger-pglite-"))),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)

/** Both placements of PGlite, with their client and their store. */
const placements = [
  { name: "PgliteClient", client: PgliteClient.layer, store: PgStore.layerPglite },
  { name: "PgliteWorker", client: PgliteWorker.layer, store: PgStore.layerPgliteWorker }
] as const

for (const placement of placements) {
  // One in-memory database for these tests, with the real clock (they wait on real time).
  layer(placement.client(), { excludeTestServices: true })(`${placement.name}, in memory`, (it) => {
    it.effect("runs statements with parameters and answers rows; a bad statement is a SqlError", () =>
      Effect.gen(function*() {
        const { create, insert, items } = table("statements")
        const sql = yield* SqlClient.SqlClient
        yield* create
        yield* insert("a", 1)
        yield* sql`INSERT INTO statements ${sql.insert([{ id: "b", n: 2 }, { id: "c", n: 3 }])}`
        expect(yield* items).toEqual([{ id: "a", n: 1 }, { id: "b", n: 2 }, { id: "c", n: 3 }])
        expect(yield* rows(Item)(sql`SELECT id, n FROM statements WHERE n >= ${2} AND id <> ${"c"}`)).toEqual([{ id: "b", n: 2 }])
        expect(yield* rows(Item)(sql.unsafe("SELECT id, n FROM statements WHERE id = $1", ["c"]))).toEqual([{ id: "c", n: 3 }])
        // The same PostgreSQL: jsonb, ON CONFLICT.
        const json = yield* rows(Schema.Struct({ total: Schema.Number }))(sql`SELECT (${JSON.stringify({ total: 7 })}::jsonb->>'total')::int AS total`)
        expect(json).toEqual([{ total: 7 }])
        yield* sql`INSERT INTO statements ${sql.insert({ id: "a", n: 9 })} ON CONFLICT DO NOTHING`
        expect((yield* items)[0]).toEqual({ id: "a", n: 1 })

        const failure = yield* Effect.flip(sql`SELEC nothing`)
        expect(failure).toBeInstanceOf(SqlError.SqlError)
        const duplicate = yield* Effect.flip(insert("a", 2))
        expect(duplicate).toBeInstanceOf(SqlError.SqlError)
        // The client is still usable after failures.
        expect((yield* items).length).toBe(3)
      }))

    it.effect("a transaction that succeeds commits all its statements", () =>
      Effect.gen(function*() {
        const { create, insert, items } = table("committed")
        const sql = yield* SqlClient.SqlClient
        yield* create
        const answer = yield* sql.withTransaction(Effect.gen(function*() {
          yield* insert("a", 1)
          yield* insert("b", 2)
          // Inside, the transaction sees its own writes.
          return (yield* items).length
        }))
        expect(answer).toBe(2)
        expect(yield* items).toEqual([{ id: "a", n: 1 }, { id: "b", n: 2 }])
      }))

    it.effect("a transaction that fails rolls back and leaves nothing: a failure, a SQL error, a defect", () =>
      Effect.gen(function*() {
        const { create, insert, items } = table("rolled_back")
        const sql = yield* SqlClient.SqlClient
        yield* create
        yield* insert("kept", 0)

        const failed = yield* Effect.exit(sql.withTransaction(Effect.gen(function*() {
          yield* insert("a", 1)
          yield* insert("b", 2)
          return yield* Effect.fail("changed my mind")
        })))
        expect(failed).toEqual(Exit.fail("changed my mind"))

        // The second statement breaks a constraint: the first goes too.
        const broken = yield* Effect.exit(sql.withTransaction(Effect.gen(function*() {
          yield* insert("c", 3)
          yield* insert("kept", 4)
        })))
        expect(Exit.isFailure(broken)).toBe(true)

        const died = yield* Effect.exit(sql.withTransaction(Effect.gen(function*() {
          yield* insert("d", 5)
          return yield* Effect.dieMessage("crash")
        })))
        expect(Exit.isFailure(died)).toBe(true)

        expect(yield* items).toEqual([{ id: "kept", n: 0 }])

        // A nested transaction that fails rolls back to its savepoint; the outer one commits the rest.
        yield* sql.withTransaction(Effect.gen(function*() {
          yield* insert("outer", 6)
          yield* sql.withTransaction(Effect.zipRight(insert("inner", 7), Effect.fail("inner fails"))).pipe(Effect.ignore)
        }))
        expect(yield* items).toEqual([{ id: "kept", n: 0 }, { id: "outer", n: 6 }])
      }))

    it.effect("a statement outside a transaction waits for another fiber's open transaction instead of running inside it", () =>
      Effect.gen(function*() {
        const { create, insert, items } = table("waiting")
        const sql = yield* SqlClient.SqlClient
        yield* create
        const opened = yield* Deferred.make<void>()
        const finish = yield* Deferred.make<void>()
        const transaction = yield* Effect.fork(Effect.exit(sql.withTransaction(Effect.gen(function*() {
          yield* insert("inside", 1)
          yield* Deferred.succeed(opened, undefined)
          yield* Deferred.await(finish)
          // Rolled back: anything that ran inside it would go too.
          return yield* Effect.fail("rolled back")
        }))))
        yield* Deferred.await(opened)

        const outside = yield* Effect.fork(Effect.zipRight(insert("outside", 2), items))
        yield* Effect.sleep(Duration.millis(300))
        // Still waiting for the session while the transaction is open.
        expect(Option.isNone(yield* Fiber.poll(outside))).toBe(true)

        yield* Deferred.succeed(finish, undefined)
        expect(yield* Fiber.join(transaction)).toEqual(Exit.fail("rolled back"))
        // It ran after the rollback, on its own: it saw only its own row, and its row survived.
        expect(yield* Fiber.join(outside)).toEqual([{ id: "outside", n: 2 }])
        expect(yield* items).toEqual([{ id: "outside", n: 2 }])
      }))

    it.effect("many fibers' statements at once, with transactions among them: each gets its own answer", () =>
      Effect.gen(function*() {
        const { create, insert, items } = table("concurrent")
        const sql = yield* SqlClient.SqlClient
        yield* create
        const Answer = Schema.Struct({ n: Schema.Number })
        const answers = yield* Effect.all(
          Array.from({ length: 200 }, (_, n) =>
            n % 20 === 0
              ? sql.withTransaction(Effect.zipRight(insert(`t${n}`, n), rows(Answer)(sql`SELECT ${n}::int AS n`)))
              : rows(Answer)(sql`SELECT ${n}::int AS n`)),
          { concurrency: "unbounded" }
        )
        expect(answers).toEqual(Array.from({ length: 200 }, (_, n) => [{ n }]))
        expect((yield* items).length).toBe(10)
      }))

    it.effect("two transactions from different fibers run one after the other", () =>
      Effect.gen(function*() {
        const { create, insert, items } = table("serialized")
        const sql = yield* SqlClient.SqlClient
        yield* create
        yield* insert("counter", 0)
        // Each reads, waits, then writes what it read plus one: interleaved, an increment would be lost.
        const increment = sql.withTransaction(Effect.gen(function*() {
          const [current] = yield* rows(Item)(sql`SELECT id, n FROM serialized WHERE id = 'counter'`)
          yield* Effect.sleep(Duration.millis(20))
          yield* sql`UPDATE serialized SET n = ${(current?.n ?? 0) + 1} WHERE id = 'counter'`
        }))
        yield* Effect.all(Array.from({ length: 8 }, () => increment), { concurrency: "unbounded" })
        expect(yield* items).toEqual([{ id: "counter", n: 8 }])
      }))

  })

  describe(`${placement.name} and the store, persisted to a directory`, () => {
    it.live("persists to a directory: written, closed, reopened, still there", () =>
      Effect.gen(function*() {
        const { create, insert, items } = table("persisted")
        const dataDir = yield* temporaryDirectory
        yield* Effect.gen(function*() {
          yield* create
          yield* insert("durable", 42)
          yield* Effect.flatMap(SqlClient.SqlClient, (sql) => sql.withTransaction(insert("committed", 43)))
        }).pipe(Effect.provide(placement.client({ dataDir })))
        // The scope closed: the database is closed. A new client on the same directory reads it back.
        const reopened = yield* items.pipe(Effect.provide(placement.client({ dataDir })))
        expect(reopened).toEqual([{ id: "committed", n: 43 }, { id: "durable", n: 42 }])
      }).pipe(Effect.scoped))

    it.live("the store on PGlite persists to a directory: an account made before a restart authenticates after it", () =>
      Effect.gen(function*() {
        const dataDir = yield* temporaryDirectory
        const created = yield* Effect.flatMap(Ledger, (ledger) => ledger.createAccount({ name: "Embedded" })).pipe(
          Effect.provide(ledgerOn(placement.store({ dataDir })))
        )
        const session = yield* Effect.flatMap(Ledger, (ledger) => ledger.authenticate(created.secret)).pipe(
          Effect.provide(ledgerOn(placement.store({ dataDir })))
        )
        expect(session.principal.account_id).toBe(created.account.id)
        // And the migrations ran once: the restart applied nothing.
        const migrations = yield* Effect.flatMap(SqlClient.SqlClient, (sql) =>
          rows(Schema.Struct({ migration_id: Schema.Number }))(sql`SELECT migration_id FROM effect_sql_migrations`)).pipe(
            Effect.provide(placement.client({ dataDir }))
          )
        expect(migrations).toEqual([{ migration_id: 1 }, { migration_id: 2 }, { migration_id: 3 }, { migration_id: 4 }, { migration_id: 5 }, { migration_id: 6 }, { migration_id: 7 }, { migration_id: 8 }])
      }).pipe(Effect.scoped))
  })
}
