/**
 * Migration 0002 (keys per principal, secret hashes unique store-wide) over a database that
 * already holds data written under 0001: the data stays, old idempotency records stay (under no
 * principal, so no token replays them), and the store works on the result.
 */
import { ApiToken, Ids, Ledger } from "@agentledger/domain"
import { Migrations, PgStore } from "@agentledger/store-postgres"
import { Migrator, SqlClient } from "@effect/sql"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Redacted, Schema } from "effect"
import { ledgerOn, rows, sqlClient, usePostgres } from "./support/postgres.js"

const pg = usePostgres()

/** The ids and secret of an account written under 0001. */
const oldAccount = () => {
  const partition = Ids.Partition.make(4242, true)
  const id = <A>(kind: Ids.IdSchema<A>, randomness: string) => kind.make(Ids.encode(Date.now(), partition, randomness), true)
  return {
    partition,
    account: { id: id(Ids.AccountId, "0000000000000001") },
    token: { id: id(Ids.ApiTokenId, "0000000000000002") },
    secret: `pf_${"u".repeat(43)}`
  }
}

const onlyFirst = Migrator.make({})({ loader: Migrator.fromRecord({ "0001_ledger": Migrations.migrations["0001_ledger"] }) })

describe("migration 0002 over data written under 0001", () => {
  it.live("keeps accounts, tokens and old keys; the store works after it", () =>
    Effect.gen(function*() {
      const url = yield* pg.freshDatabase("upgrade")
      const admin = sqlClient(url)
      expect(yield* Effect.provide(onlyFirst, admin)).toEqual([[1, "ledger"]])

      // An account and its token as 0001 holds them, written with that schema's columns (today's
      // store writes columns and tables of later migrations, so it cannot write them itself).
      const created = oldAccount()
      yield* Effect.flatMap(SqlClient.SqlClient, (sql) =>
        Effect.all([
          sql`INSERT INTO accounts (account_id, name, partition, inserted_at, updated_at)
              VALUES (${created.account.id}, ${"Before"}, ${created.partition}, now(), now())`,
          sql`INSERT INTO api_tokens (account_id, id, token_scope, status, secret_hash, inserted_at, updated_at)
              VALUES (${created.account.id}, ${created.token.id}, ${"account"}, ${"active"}, ${ApiToken.hashSecret(created.secret)}, now(), now())`,
          sql`INSERT INTO idempotency_keys (account_id, key, operation, request_fingerprint, response)
              VALUES (${created.account.id}, ${"old-key"}, ${"agent.create"}, ${"f"}, ${"{}"})`
        ], { discard: true })).pipe(Effect.provide(admin), Effect.orDie)

      // 0002, then every later migration.
      expect(yield* Effect.provide(Effect.orDie(Migrations.migrate), admin)).toEqual([
        [2, "principal_keys"],
        [3, "run_reads"],
        [4, "audit"],
        [5, "retention"],
        [6, "masking"],
        [7, "reported_spans"],
        [8, "sdk_wire"]
      ])

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

const throughMasking = Migrator.make({})({
  loader: Migrator.fromRecord(Object.fromEntries(Object.entries(Migrations.migrations).filter(([name]) => name < "0007")))
})

describe("migrations 0007 and 0008 over a run written under 0006", () => {
  it.live("the run reads back with no reporter and no quality, takes quality, and a protocol filter passes it over", () =>
    Effect.gen(function*() {
      const url = yield* pg.freshDatabase("upgrade_sdk_wire")
      const admin = sqlClient(url)
      expect((yield* Effect.provide(throughMasking, admin)).map(([id]) => id)).toEqual([1, 2, 3, 4, 5, 6])

      // A run as 0006 holds it, with the records it names, written with that schema's columns.
      const created = oldAccount()
      const partition = created.partition
      const id = <A>(kind: Ids.IdSchema<A>, randomness: string) => kind.make(Ids.encode(Date.now(), partition, randomness), true)
      const ids = {
        environment: id(Ids.EnvironmentId, "0000000000000003"),
        agent: id(Ids.AgentId, "0000000000000004"),
        schemaVersion: id(Ids.SchemaVersionId, "0000000000000005"),
        version: id(Ids.AgentVersionId, "0000000000000006"),
        run: id(Ids.InstanceId, "0000000000000007")
      }
      const account = created.account.id
      const counts = JSON.stringify({ total: 0, pending: 0, active: 0, complete: 0, failed: 0, cancelled: 0, terminated: 0, finished: 0 })
      yield* Effect.flatMap(SqlClient.SqlClient, (sql) =>
        Effect.all([
          sql`INSERT INTO accounts (account_id, name, partition, inserted_at, updated_at) VALUES (${account}, ${"Before"}, ${partition}, now(), now())`,
          sql`INSERT INTO api_tokens (account_id, id, token_scope, status, secret_hash, inserted_at, updated_at)
              VALUES (${account}, ${created.token.id}, ${"account"}, ${"active"}, ${ApiToken.hashSecret(created.secret)}, now(), now())`,
          sql`INSERT INTO environments (account_id, id, name, purpose, inserted_at, updated_at)
              VALUES (${account}, ${ids.environment}, ${"production"}, ${"production"}, now(), now())`,
          sql`INSERT INTO agents (account_id, id, name, status, inserted_at, updated_at) VALUES (${account}, ${ids.agent}, ${"Old bot"}, ${"active"}, now(), now())`,
          sql`INSERT INTO agent_schema_versions (account_id, id, agent_id, sequence, span_type_schemas, definition_checks, fingerprint, inserted_at, updated_at)
              VALUES (${account}, ${ids.schemaVersion}, ${ids.agent}, 1, ${"{}"}::jsonb, ${"{}"}::jsonb, ${"f1"}, now(), now())`,
          sql`INSERT INTO agent_versions (account_id, id, agent_id, sequence, agent_schema_version_id, runtime_environment, fingerprint, inserted_at, updated_at)
              VALUES (${account}, ${ids.version}, ${ids.agent}, 1, ${ids.schemaVersion}, ${"{}"}::jsonb, ${"f2"}, now(), now())`,
          sql`INSERT INTO agent_instances (account_id, id, agent_id, agent_version_id, agent_schema_version_id, environment_id, status, purpose,
                started_at, span_counts, conformance_counts, inserted_at, updated_at)
              VALUES (${account}, ${ids.run}, ${ids.agent}, ${ids.version}, ${ids.schemaVersion}, ${ids.environment}, ${"active"}, ${"live"},
                now(), ${counts}::jsonb, ${"{\"conforms\":0,\"flagged\":0}"}::jsonb, now(), now())`
        ], { discard: true })).pipe(Effect.provide(admin), Effect.orDie)

      expect(yield* Effect.provide(Effect.orDie(Migrations.migrate), admin)).toEqual([[7, "reported_spans"], [8, "sdk_wire"]])

      const store = PgStore.layerPg({ url: Redacted.make(url), maxConnections: 2 })
      yield* Effect.gen(function*() {
        const session = yield* Effect.flatMap(Ledger, (ledger) => ledger.authenticate(created.secret))
        const before = yield* session.getInstance(ids.run)
        expect([before.reported_by, before.quality_payloads]).toEqual([null, {}])
        const judged = yield* session.recordQuality(ids.run, { name: "accuracy", payload: { score: 0.9 } })
        expect(judged.quality_payloads).toEqual({ accuracy: { score: 0.9 } })
        expect((yield* session.getInstance(ids.run)).quality_payloads).toEqual({ accuracy: { score: 0.9 } })
        const listed = (protocol?: "prefactor") =>
          Effect.map(session.listInstances({ offset: 0, page_size: 25, ...(protocol === undefined ? {} : { protocol }) }), (page) => page.items.map((run) => run.id))
        expect(yield* listed()).toEqual([ids.run])
        expect(yield* listed("prefactor")).toEqual([])
      }).pipe(Effect.provide(ledgerOn(store)))
    }))
})
