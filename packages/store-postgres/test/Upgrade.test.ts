/**
 * Migration 0002 (keys per principal, secret hashes unique store-wide) over a database that
 * already holds data written under 0001: the data stays, old idempotency records stay (under no
 * principal, so no token replays them), and the store works on the result.
 */
import { Ledger, LedgerStore } from "@agentledger/domain"
import { Migrations, PgStore } from "@agentledger/store-postgres"
import { Migrator, SqlClient } from "@effect/sql"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Redacted, Schema } from "effect"
import { ledgerOn, rows, sqlClient, usePostgres } from "./support/postgres.js"

const pg = usePostgres()

const onlyFirst = Migrator.make({})({ loader: Migrator.fromRecord({ "0001_ledger": Migrations.migrations["0001_ledger"] }) })

describe("migration 0002 over data written under 0001", () => {
  it.live("keeps accounts, tokens and old keys; the store works after it", () =>
    Effect.gen(function*() {
      const url = yield* pg.freshDatabase("upgrade")
      const admin = sqlClient(url)
      expect(yield* Effect.provide(onlyFirst, admin)).toEqual([[1, "ledger"]])

      // An account written by the store on the 0001 schema (the store itself, not migrated).
      const oldStore = Layer.effect(LedgerStore, PgStore.make).pipe(Layer.provide(admin))
      const created = yield* Effect.flatMap(Ledger, (ledger) => ledger.createAccount({ name: "Before" })).pipe(Effect.provide(ledgerOn(oldStore)))
      yield* Effect.flatMap(SqlClient.SqlClient, (sql) =>
        sql`INSERT INTO idempotency_keys (account_id, key, operation, request_fingerprint, response)
            VALUES (${created.account.id}, ${"old-key"}, ${"agent.create"}, ${"f"}, ${"{}"})`).pipe(Effect.provide(admin), Effect.orDie)

      // 0002, then every later migration.
      expect(yield* Effect.provide(Effect.orDie(Migrations.migrate), admin)).toEqual([[2, "principal_keys"], [3, "run_reads"], [4, "audit"]])

      const store = PgStore.layerPg({ url: Redacted.make(url), maxConnections: 2 })
      const agent = yield* Effect.gen(function*() {
        const session = yield* Effect.flatMap(Ledger, (ledger) => ledger.authenticate(created.secret))
        expect(session.principal.account_id).toBe(created.account.id)
        // The old record belongs to no token: the key is fresh for this one.
        return yield* session.createAgent({ name: "After" }, { idempotencyKey: "old-key" })
      }).pipe(Effect.provide(ledgerOn(store)))
      expect(agent.name).toBe("After")

      const keys = yield* Effect.flatMap(SqlClient.SqlClient, (sql) =>
        rows(Schema.Struct({ principal: Schema.String, key: Schema.String }))(sql`SELECT principal, key FROM idempotency_keys ORDER BY principal`)
      ).pipe(Effect.provide(admin))
      expect(keys).toEqual([{ principal: "", key: "old-key" }, { principal: created.token.id, key: "old-key" }])
    }))
})
