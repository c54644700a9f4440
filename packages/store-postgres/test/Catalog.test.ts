/**
 * docs/domain.md (tenancy): every primary key, unique rule and foreign key of the schema starts with
 * `account_id`, so the schema can be distributed by account. Read from PostgreSQL's own catalog
 * (pg_constraint, pg_index, pg_attribute) after the store migrated a fresh database, so what is
 * checked is what PostgreSQL enforces, not what the migration text seems to say.
 */
import { Migrations } from "@agentledger/store-postgres"
import { describe, expect, it } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Effect, Layer, Schema } from "effect"
import { rows, sqlClient, usePostgres } from "./support/postgres.js"

const pg = usePostgres()

/** The tables of the ledger (the migrator's own bookkeeping table is not one of them). */
const ledgerTables = [
  "accounts",
  "agent_deployments",
  "agent_instances",
  "agent_schema_versions",
  "agent_spans",
  "agent_versions",
  "agents",
  "api_tokens",
  "audit_events",
  "audit_heads",
  "deployment_history",
  "environments",
  "idempotency_keys",
  "masking_policies",
  "retention_policies",
  "risk_profile_revisions",
  "risk_profiles"
]

const Constraint = Schema.Struct({
  name: Schema.String,
  kind: Schema.Literal("p", "u", "f"),
  table_name: Schema.String,
  columns: Schema.Array(Schema.String),
  referenced_table: Schema.NullOr(Schema.String),
  referenced_columns: Schema.NullOr(Schema.Array(Schema.String)),
  /** For a foreign key: whether the referenced columns are exactly a primary key or unique rule of the referenced table. */
  references_a_key: Schema.Boolean
})
type Constraint = typeof Constraint.Type

const UniqueIndex = Schema.Struct({ name: Schema.String, table_name: Schema.String, columns: Schema.Array(Schema.String) })

/** The columns of a constraint (or of the referenced side), in key order. */
const keyColumns = (relation: string, keys: string) => `(
  SELECT array_agg(a.attname::text ORDER BY k.position)
  FROM unnest(${keys}) WITH ORDINALITY AS k(attnum, position)
  JOIN pg_attribute a ON a.attrelid = ${relation} AND a.attnum = k.attnum
)`

const constraints = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  rows(Constraint)(sql.unsafe(`
    SELECT c.conname::text AS name,
           c.contype::text AS kind,
           t.relname::text AS table_name,
           ${keyColumns("c.conrelid", "c.conkey")} AS columns,
           f.relname::text AS referenced_table,
           ${keyColumns("c.confrelid", "c.confkey")} AS referenced_columns,
           (c.contype = 'f' AND EXISTS (
             SELECT 1 FROM pg_constraint k
             WHERE k.conrelid = c.confrelid AND k.contype IN ('p', 'u') AND k.conkey = c.confkey
           )) AS references_a_key
    FROM pg_constraint c
    JOIN pg_class t ON t.oid = c.conrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace
    LEFT JOIN pg_class f ON f.oid = c.confrelid
    WHERE n.nspname = 'public' AND c.contype IN ('p', 'u', 'f') AND t.relname <> 'effect_sql_migrations'
    ORDER BY t.relname, c.conname`)))

/** Unique indexes, also those created without a constraint (CREATE UNIQUE INDEX). */
const uniqueIndexes = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  rows(UniqueIndex)(sql.unsafe(`
    SELECT ic.relname::text AS name,
           t.relname::text AS table_name,
           ${keyColumns("i.indrelid", "i.indkey::int2[]")} AS columns
    FROM pg_index i
    JOIN pg_class ic ON ic.oid = i.indexrelid
    JOIN pg_class t ON t.oid = i.indrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace
    WHERE n.nspname = 'public' AND i.indisunique AND t.relname <> 'effect_sql_migrations'
    ORDER BY t.relname, ic.relname`)))

const tables = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  rows(Schema.Struct({ table_name: Schema.String, has_account_id: Schema.Boolean }))(sql`
    SELECT t.table_name::text AS table_name,
           EXISTS (SELECT 1 FROM information_schema.columns c
                   WHERE c.table_schema = t.table_schema AND c.table_name = t.table_name AND c.column_name = 'account_id') AS has_account_id
    FROM information_schema.tables t
    WHERE t.table_schema = 'public' AND t.table_name <> 'effect_sql_migrations'
    ORDER BY t.table_name`))

const describeConstraint = (c: Constraint) =>
  `${c.table_name}.${c.name} (${c.kind}: ${c.columns.join(", ")}${c.referenced_table === null ? "" : ` → ${c.referenced_table}(${(c.referenced_columns ?? []).join(", ")})`})`

describe("the migrated schema, read from PostgreSQL's catalog", () => {
  /** A fresh database, migrated by the store, with an admin connection on it. */
  const migrated = Layer.unwrapEffect(
    Effect.map(pg.freshDatabase("catalog"), (url) => Layer.provideMerge(Layer.effectDiscard(Effect.orDie(Migrations.migrate)), sqlClient(url)))
  )

  it.live("every table carries account_id and has a primary key", () =>
    Effect.gen(function*() {
      const found = yield* tables
      expect(found.map((t) => t.table_name)).toEqual(ledgerTables)
      expect(found.filter((t) => !t.has_account_id).map((t) => t.table_name)).toEqual([])
      const primaryKeys = (yield* constraints).filter((c) => c.kind === "p").map((c) => c.table_name)
      expect([...primaryKeys].sort()).toEqual(ledgerTables)
    }).pipe(Effect.provide(migrated)))

  it.live("every primary key, unique constraint and foreign key starts with account_id", () =>
    Effect.gen(function*() {
      const all = yield* constraints
      // Non-vacuous: the schema has a primary key per table and dozens of keys besides.
      expect(all.length).toBeGreaterThan(40)
      expect(all.filter((c) => c.kind === "u").length).toBeGreaterThanOrEqual(10)
      expect(all.filter((c) => c.kind === "f").length).toBeGreaterThanOrEqual(20)

      const offenders = all.filter((c) => c.columns[0] !== "account_id").map(describeConstraint)
      expect(offenders).toEqual([])

      // accounts is the root: its key is account_id itself, alone.
      const accountsKey = all.find((c) => c.table_name === "accounts" && c.kind === "p")
      expect(accountsKey?.columns).toEqual(["account_id"])
    }).pipe(Effect.provide(migrated)))

  it.live("every foreign key references a key of the same account: account_id to account_id, on a key that starts with it", () =>
    Effect.gen(function*() {
      const foreign = (yield* constraints).filter((c) => c.kind === "f")
      expect(foreign.length).toBeGreaterThanOrEqual(20)
      const offenders = foreign
        .filter((c) =>
          c.referenced_columns === null ||
          c.referenced_columns[0] !== "account_id" ||
          c.columns[0] !== "account_id" ||
          !c.references_a_key
        )
        .map(describeConstraint)
      expect(offenders).toEqual([])
      // The tables that hang off the account directly reference accounts(account_id) itself.
      const toAccounts = foreign.filter((c) => c.referenced_table === "accounts")
      expect(toAccounts.length).toBeGreaterThanOrEqual(5)
      for (const c of toAccounts) expect(c.referenced_columns).toEqual(["account_id"])
    }).pipe(Effect.provide(migrated)))

  it.live("every unique index (constraint or not) starts with account_id", () =>
    Effect.gen(function*() {
      const unique = yield* uniqueIndexes
      // One per primary key and per unique constraint at least.
      expect(unique.length).toBeGreaterThanOrEqual(ledgerTables.length + 10)
      // One exception, by design: a secret's hash is unique in the whole store, since
      // authentication finds the token by it before it knows the account (migration 0002).
      const global = unique.filter((i) => i.columns[0] !== "account_id").map((i) => `${i.table_name}.${i.name}(${i.columns.join(", ")})`)
      expect(global).toEqual(["api_tokens.api_tokens_secret_hash_key(secret_hash)"])
    }).pipe(Effect.provide(migrated)))
})
