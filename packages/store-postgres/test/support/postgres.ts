/**
 * The real databases these tests run on: one PostgreSQL server per test file (started from the
 * machine's binaries in `beforeAll`, stopped and removed in `afterAll`), a fresh database per
 * test, an admin `SqlClient` to look at what the store wrote, and the `Ledger` on top of a store.
 */
import { Ids, type Ledger, LedgerLive, type LedgerStore } from "@agentledger/domain"
import { type PostgresServer, startPostgres } from "@agentledger/testkit/postgres"
import { SqlClient, type SqlError } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { Effect, Layer, Redacted, Schema } from "effect"
import { afterAll, beforeAll } from "vitest"

export interface Postgres {
  /** The file's server (available from `beforeAll` on). */
  readonly server: () => PostgresServer
  /** A new, empty database on the file's server; answers its URL. */
  readonly freshDatabase: (prefix: string) => Effect.Effect<string>
}

/** Starts one PostgreSQL server for the calling test file. */
export const usePostgres = (): Postgres => {
  let started: PostgresServer | undefined
  let databases = 0
  beforeAll(async () => {
    started = await startPostgres()
  }, 120_000)
  afterAll(() => {
    started?.stop()
  })
  const server = () => {
    if (started === undefined) throw new Error("the PostgreSQL server is used before beforeAll started it")
    return started
  }
  return {
    server,
    freshDatabase: (prefix) =>
      Effect.suspend(() => {
        databases += 1
        const name = `${prefix}_${databases}`
        return Effect.flatMap(SqlClient.SqlClient, (sql) => sql`CREATE DATABASE ${sql(name)}`).pipe(
          Effect.provide(sqlClient(server().url, 1)),
          Effect.as(server().urlOf(name)),
          Effect.orDie
        )
      })
  }
}

/** A plain `SqlClient` (and `PgClient`) on the database at `url`: the tests' admin connection. */
export const sqlClient = (url: string, maxConnections = 2): Layer.Layer<SqlClient.SqlClient | PgClient.PgClient> =>
  PgClient.layer({ url: Redacted.make(url), maxConnections }).pipe(Layer.orDie)

/** The real use cases on a store. */
export const ledgerOn = (store: Layer.Layer<LedgerStore>): Layer.Layer<Ledger> =>
  LedgerLive.layer.pipe(Layer.provide(store), Layer.provide(Ids.IdEntropy.Live))

/** Runs a query and decodes every row with `row`. */
export const rows = <A, I>(row: Schema.Schema<A, I>) =>
<E>(statement: Effect.Effect<ReadonlyArray<unknown>, E>): Effect.Effect<ReadonlyArray<A>> =>
  Effect.flatMap(statement, Schema.decodeUnknown(Schema.Array(row))).pipe(Effect.orDie)

const Count = Schema.Struct({ n: Schema.Number })

/** Runs a `SELECT count(*)::int AS n …` and answers n. */
export const count = (statement: Effect.Effect<ReadonlyArray<unknown>, SqlError.SqlError>): Effect.Effect<number> =>
  Effect.map(rows(Count)(statement), (found) => found[0]?.n ?? Number.NaN)
