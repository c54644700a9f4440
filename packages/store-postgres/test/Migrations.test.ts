/**
 * Migrations on a real PostgreSQL server: the store applies them when it starts, exactly once;
 * running them again applies nothing and leaves the schema as it was; a restart over existing
 * data keeps the data.
 */
import { Ledger, LedgerStore } from "@agentledger/domain"
import { Migrations, PgStore } from "@agentledger/store-postgres"
import { describe, expect, it } from "@effect/vitest"
import { SqlClient, SqlError } from "@effect/sql"
import { Cause, Effect, Exit, Layer, Redacted, Schema } from "effect"
import { count, ledgerOn, rows, sqlClient, usePostgres } from "./support/postgres.js"

const pg = usePostgres()

const store = (url: string) => PgStore.layerPg({ url: Redacted.make(url), maxConnections: 4 })

/** Every column, constraint and index of the public schema, as text: equal texts, equal schemas. */
const schemaSnapshot = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  rows(Schema.Struct({ kind: Schema.String, definition: Schema.String }))(sql`
    SELECT 'column' AS kind,
           table_name || '.' || column_name || ' ' || data_type || ' nullable=' || is_nullable
             || ' default=' || coalesce(column_default, '') || ' generated=' || coalesce(generation_expression, '') AS definition
    FROM information_schema.columns WHERE table_schema = 'public'
    UNION ALL
    SELECT 'constraint', conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid)
    FROM pg_constraint WHERE connamespace = 'public'::regnamespace
    UNION ALL
    SELECT 'index', indexdef FROM pg_indexes WHERE schemaname = 'public'
    ORDER BY 1, 2`))

/**
 * Every migration, in order: the first schema, then keys per principal and global secret hashes,
 * then the index of runs by time, then the audit log, then erasure and retention, then masking (the policies' table, the
 * spans' flag), then a span's parent no longer a foreign key (spans reported after they completed),
 * then the newer SDK wire (a run's quality payloads and reporter).
 */
const allMigrations = [
  { migration_id: 1, name: "ledger" },
  { migration_id: 2, name: "principal_keys" },
  { migration_id: 3, name: "run_reads" },
  { migration_id: 4, name: "audit" },
  { migration_id: 5, name: "retention" },
  { migration_id: 6, name: "masking" },
  { migration_id: 7, name: "reported_spans" },
  { migration_id: 8, name: "sdk_wire" }
]

const publicTables = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  count(sql`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public'`))

const appliedMigrations = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  rows(Schema.Struct({ migration_id: Schema.Number, name: Schema.String }))(
    sql`SELECT migration_id, name FROM effect_sql_migrations ORDER BY migration_id`
  ))

/** Why a start failed, down to PostgreSQL's own message. */
const reason = (cause: Cause.Cause<unknown>): string => {
  const error = Cause.squash(cause)
  if (error instanceof SqlError.SqlError) return `${error.message}: ${error.cause instanceof Error ? error.cause.message : String(error.cause)}`
  return error instanceof Error ? error.message : String(error)
}

describe("migrations on PostgreSQL", () => {
  it.live("are applied when the store starts, and the store works on the result", () =>
    Effect.gen(function*() {
      const url = yield* pg.freshDatabase("migrate_on_start")
      const admin = sqlClient(url)
      expect(yield* Effect.provide(publicTables, admin)).toBe(0)

      const created = yield* Effect.gen(function*() {
        expect(yield* Effect.flatMap(LedgerStore, (s) => s.isEmpty)).toBe(true)
        return yield* Effect.flatMap(Ledger, (ledger) => ledger.createAccount({ name: "Migrated" }))
      }).pipe(Effect.provide(Layer.merge(ledgerOn(store(url)), store(url))))
      expect(created.account.name).toBe("Migrated")

      yield* Effect.gen(function*() {
        // 17 ledger tables (the audit log's two, the retention and the masking policies among them) and the migrator's own.
        expect(yield* publicTables).toBe(18)
        expect(yield* appliedMigrations).toEqual(allMigrations)
      }).pipe(Effect.provide(admin))
    }))

  it.live("are idempotent: a second run applies nothing and leaves the schema unchanged", () =>
    Effect.gen(function*() {
      const url = yield* pg.freshDatabase("migrate_twice")
      yield* Effect.gen(function*() {
        const first = yield* Migrations.migrate
        expect(first).toEqual(allMigrations.map((m) => [m.migration_id, m.name]))
        const before = yield* schemaSnapshot
        // Non-vacuous: the snapshot holds the whole schema.
        expect(before.filter((d) => d.kind === "column").length).toBeGreaterThan(100)
        expect(before.filter((d) => d.kind === "constraint").length).toBeGreaterThan(40)
        expect(before.filter((d) => d.kind === "index").length).toBeGreaterThan(30)

        const second = yield* Migrations.migrate
        expect(second).toEqual([])
        expect(yield* schemaSnapshot).toEqual(before)
        expect(yield* appliedMigrations).toEqual(allMigrations)
      }).pipe(Effect.provide(sqlClient(url)))
    }))

  it.live("a restart over existing data applies nothing and keeps the data", () =>
    Effect.gen(function*() {
      const url = yield* pg.freshDatabase("migrate_restart")
      const first = yield* Effect.flatMap(Ledger, (ledger) => ledger.createAccount({ name: "Survivor" })).pipe(
        Effect.provide(ledgerOn(store(url)))
      )
      const before = yield* Effect.provide(schemaSnapshot, sqlClient(url))

      // A second start of the store (a new pool, the migrations run again) finds the account.
      const session = yield* Effect.flatMap(Ledger, (ledger) => ledger.authenticate(first.secret)).pipe(
        Effect.provide(ledgerOn(store(url)))
      )
      expect(session.principal.account_id).toBe(first.account.id)

      yield* Effect.gen(function*() {
        expect(yield* schemaSnapshot).toEqual(before)
        expect(yield* appliedMigrations).toEqual(allMigrations)
      }).pipe(Effect.provide(sqlClient(url)))
    }))

  // Several replicas of a server deployed at once against a new database. Three rounds of four
  // starts each, so that the race between them is actually run.
  it.live("stores starting at once on an empty database migrate it once and all come up", () =>
    Effect.forEach([1, 2, 3], () =>
      Effect.gen(function*() {
        const url = yield* pg.freshDatabase("migrate_racing_starts")
        const starts = yield* Effect.all(
          Array.from({ length: 4 }, () => Effect.exit(Effect.flatMap(LedgerStore, (s) => s.isEmpty).pipe(Effect.provide(store(url))))),
          { concurrency: "unbounded" }
        )
        const failures = starts.flatMap((exit) => (Exit.isFailure(exit) ? [reason(exit.cause)] : []))
        expect(failures).toEqual([])
        yield* Effect.gen(function*() {
          expect(yield* publicTables).toBe(18)
          expect(yield* appliedMigrations).toEqual(allMigrations)
        }).pipe(Effect.provide(sqlClient(url)))
      }), { discard: true }))
})
