/**
 * The `LedgerStore` on PostgreSQL, written once against `@effect/sql`'s `SqlClient`: the same
 * statements run on a PostgreSQL server (`PgClient`) and on embedded PGlite.
 *
 * A unit of work is a transaction under READ COMMITTED over one account's operations
 * (`operations/`, each table read and written through its codec in `tables/`); the two lock
 * reads are `SELECT … FOR UPDATE`; every uniqueness rule is a constraint, and a violation of one
 * comes back as `UniqueViolation` naming it. Span ingest runs optimistically, without a
 * transaction (`ingest/`). SQL failures are defects: the port carries only what the domain acts on.
 */
import { Ids, LedgerStore } from "@agentledger/domain"
import { SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { type Config, type Context, Effect, Layer, Option } from "effect"
import * as Optimistic from "./ingest/Optimistic.js"
import { RunTurns } from "./ingest/RunTurns.js"
import { WrittenRuns } from "./ingest/WrittenRuns.js"
import { migrate } from "./Migrations.js"
import { retentionPolicies } from "./operations/Erasure.js"
import { countOf, one } from "./operations/Statements.js"
import * as UnitOfWork from "./operations/UnitOfWork.js"
import * as ApiTokens from "./tables/ApiTokens.js"
import * as Columns from "./tables/Columns.js"
import * as PgliteClient from "./PgliteClient.js"
import * as PgliteWorker from "./PgliteWorker.js"

/** How many spans one statement of ingest's write carries at most (PostgreSQL's parameter limit). */
export { spansPerStatement } from "./ingest/IngestWrite.js"

export const make: Effect.Effect<Context.Tag.Service<LedgerStore>, never, SqlClient.SqlClient> = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const written = new WrittenRuns()
  const forget: UnitOfWork.Forget = (account, id) => written.forget(account, id)
  const transact = UnitOfWork.transact(sql, forget)
  return {
    transact,
    append: Optimistic.append({ sql, written, turns: new RunTurns() }, transact),
    read: UnitOfWork.read(sql, forget),
    // The hash is unique in the store (migration 0002), so this names one token or none.
    tokenBySecretHash: (hash) => one(sql`SELECT * FROM api_tokens WHERE secret_hash = ${hash}`, ApiTokens.fromRow),
    idempotentAccount: (principal, key, expiredBefore) =>
      sql`SELECT account_id FROM idempotency_keys
          WHERE principal = ${principal} AND key = ${key} AND response IS NOT NULL AND inserted_at >= ${Columns.timestampAt(expiredBefore)}
          LIMIT 1`.pipe(
        Effect.map((rows) => Option.map(Option.fromNullable(rows[0]), (row) => Columns.id(Ids.AccountId)(row, "account_id"))),
        Effect.orDie
      ),
    isEmpty: sql`SELECT count(*)::int AS count FROM accounts`.pipe(Effect.map((rows) => countOf(rows) === 0), Effect.orDie),
    retentionPolicies: retentionPolicies(sql)
  }
})

/** The store on whatever `SqlClient` is provided, migrated first. */
export const layer: Layer.Layer<LedgerStore, never, SqlClient.SqlClient> = Layer.effect(
  LedgerStore,
  Effect.zipRight(Effect.orDie(migrate), make)
)

/** The store on embedded PGlite: persistent in `dataDir`, or in memory without one. */
export const layerPglite = (config: PgliteClient.PgliteClientConfig = {}): Layer.Layer<LedgerStore> =>
  layer.pipe(Layer.provide(PgliteClient.layer(config)), Layer.orDie)

/**
 * The store on embedded PGlite in a worker thread (`PgliteWorker.ts`): the same database as
 * `layerPglite`, with PostgreSQL's work off the calling thread.
 */
export const layerPgliteWorker = (config: PgliteWorker.PgliteWorkerConfig = {}): Layer.Layer<LedgerStore> =>
  layer.pipe(Layer.provide(PgliteWorker.layer(config)), Layer.orDie)

/** The store on a PostgreSQL server. */
export const layerPg = (config: PgClient.PgClientConfig): Layer.Layer<LedgerStore> =>
  layer.pipe(Layer.provide(PgClient.layer(config)), Layer.orDie)

/** The store on the PostgreSQL server a configuration names (e.g. `DATABASE_URL`). */
export const layerPgConfig = (config: Config.Config.Wrap<PgClient.PgClientConfig>): Layer.Layer<LedgerStore> =>
  layer.pipe(Layer.provide(PgClient.layerConfig(config)), Layer.orDie)
