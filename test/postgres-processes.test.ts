/**
 * Two server processes on one PostgreSQL, without the processes: two `LedgerLive`s, each over its
 * own `PgStore.layerPg` (its own pool, its own caches, its own run turns), on one database —
 * what `serve --workers 2`, or two machines behind a load balancer, run. Whatever one process
 * settles in memory (run turns, the cached last write of a run, keyed account creations taking
 * turns) must be settled by the database once a second process writes too.
 *
 * - the conformance suite on a ledger whose calls alternate between the two;
 * - the concurrency scenarios with their racing fibers spread over the two;
 * - what crosses from one to the other: a revoked token, a replayed idempotency key, the
 *   bootstrap of an empty store.
 */
import { type CreatedAccount, Ids, Ledger, LedgerLive, type LedgerStore } from "@agentledger/domain"
import { PgStore } from "@agentledger/store-postgres"
import { alternatingLedger, concurrencyTests, everything, ledgerConformance } from "@agentledger/testkit"
import { startPostgres } from "@agentledger/testkit/postgres"
import { describe, expect, it } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { Context, Effect, Either, Layer, Redacted } from "effect"
import { sharedStore } from "./support/sharedStore.js"

/** Each process's pool: small, as a worker of a cluster would have. */
const poolSize = 6

let url: string | undefined
const databaseUrl = () => {
  if (url === undefined) throw new Error("the database is used before it was started")
  return url
}

// The first store starts the server (and stops it last); the second is the other process.
const processA = sharedStore(async () => {
  const server = await startPostgres()
  url = server.url
  return { layer: PgStore.layerPg({ url: Redacted.make(server.url), maxConnections: poolSize }), release: server.stop }
})
const processB = sharedStore(async () => ({ layer: PgStore.layerPg({ url: Redacted.make(databaseUrl()), maxConnections: poolSize }) }))

ledgerConformance(
  "store-postgres, two processes on one PostgreSQL (calls alternating)",
  () => alternatingLedger(processA.ledger(), processB.ledger()),
  { runsFactor: 0.1 }
)

describe("two processes on one PostgreSQL", () => {
  describe("racing fibers spread over both", () => concurrencyTests(processA.ledger, { peers: [processB.ledger] }))

  /** The two ledgers, built for one test. */
  const both = Effect.all([Layer.build(processA.ledger()), Layer.build(processB.ledger())]).pipe(
    Effect.map(([a, b]) => [Context.get(a, Ledger), Context.get(b, Ledger)] as const)
  )

  it.scopedLive("a token revoked through one is refused by the other within 2 s", () =>
    Effect.gen(function*() {
      const [a, b] = yield* both
      const created = yield* a.createAccount({ name: "Revoked elsewhere" })
      const onA = yield* a.authenticate(created.secret)
      const token = yield* onA.createToken({ token_scope: "account" })
      const secret = token.secret
      if (secret === null) return expect.fail("a new token without its secret")
      // B has used the token, so whatever B keeps of it is warm.
      yield* b.authenticate(secret)
      yield* onA.revokeToken(token.token.id)
      const started = Date.now()
      let refused = false
      while (!refused && Date.now() - started < 2_000) {
        refused = Either.isLeft(yield* Effect.either(b.authenticate(secret)))
        if (!refused) yield* Effect.sleep("50 millis")
      }
      expect(refused, "the token still authenticates on the other process 2 s after its revocation").toBe(true)
      // And stays refused (no cache brings it back).
      expect(Either.isLeft(yield* Effect.either(b.authenticate(secret)))).toBe(true)
    }))

  it.scoped("an idempotency key used through one replays its answer through the other", () =>
    Effect.gen(function*() {
      const [a, b] = yield* both
      const created = yield* a.createAccount({ name: "Replayed elsewhere" })
      const onA = yield* a.authenticate(created.secret)
      const onB = yield* b.authenticate(created.secret)
      const agent = yield* onA.createAgent({ name: "Once" }, { idempotencyKey: "agent-1" })
      expect(yield* onB.createAgent({ name: "Once" }, { idempotencyKey: "agent-1" })).toEqual(agent)
      expect((yield* onB.listAgents(everything)).pagination.item_count).toBe(1)
      const environments = yield* onA.listEnvironments(everything)
      const production = environments.items.find((environment) => environment.name === "production")
      if (production === undefined) return expect.fail("no production environment")
      const run = yield* onA.registerRun({ agent_id: agent.id, environment_id: production.id, update_current_version: true, purpose: "live" }, { idempotencyKey: "run-1" })
      const span = yield* onA.recordSpan({ agent_instance_id: run.id, schema_name: "step", status: "active", payload: {} }, { idempotencyKey: "span-1" })
      expect(yield* onB.recordSpan({ agent_instance_id: run.id, schema_name: "step", status: "active", payload: {} }, { idempotencyKey: "span-1" }))
        .toEqual(span)
      expect((yield* onB.getTimeline(run.id)).spans.length).toBe(1)
      // The same key for another request is refused on the other process too.
      const reused = yield* Effect.either(onB.recordSpan({ agent_instance_id: run.id, schema_name: "other", status: "active", payload: {} }, {
        idempotencyKey: "span-1"
      }))
      expect(Either.isLeft(reused) ? reused.left._tag : "accepted").toBe("Conflict")
      // An operator's keyed account creation, retried through the other process.
      const opened = yield* a.openAccount({ name: "Opened once" }, { idempotencyKey: `open-${created.account.id}` })
      const again = yield* b.openAccount({ name: "Opened once" }, { idempotencyKey: `open-${created.account.id}` })
      expect(again.account).toEqual(opened.account)
      expect(again.secret).toBeNull()
    }))

  it.live("the processes of a cluster starting on an empty store bootstrap one account between them", () =>
    Effect.gen(function*() {
      const database = `bootstrap_${Date.now()}`
      yield* Effect.flatMap(SqlClient.SqlClient, (sql) => sql`CREATE DATABASE ${sql(database)}`).pipe(
        Effect.provide(PgClient.layer({ url: Redacted.make(databaseUrl()), maxConnections: 1 })),
        Effect.orDie
      )
      const onEmpty = databaseUrl().replace(/\/postgres$/, `/${database}`)
      const ledgerOn = (store: Layer.Layer<LedgerStore>) => LedgerLive.layer.pipe(Layer.provide(store), Layer.provide(Ids.IdEntropy.Live))
      const bootstrap = Effect.flatMap(Ledger, (ledger) => ledger.bootstrap({ name: "Default account" }))
      // Six processes (each its own pool) start at once; each migrates, then bootstraps.
      const answers: ReadonlyArray<CreatedAccount | null> = yield* Effect.all(
        Array.from({ length: 6 }, () => bootstrap.pipe(Effect.provide(ledgerOn(PgStore.layerPg({ url: Redacted.make(onEmpty), maxConnections: 2 }))))),
        { concurrency: "unbounded" }
      )
      expect(answers.filter((answer) => answer !== null).length).toBe(1)
      const accounts = yield* Effect.flatMap(SqlClient.SqlClient, (sql) => sql`SELECT count(*)::int AS n FROM accounts`).pipe(
        Effect.provide(PgClient.layer({ url: Redacted.make(onEmpty), maxConnections: 1 })),
        Effect.orDie
      )
      expect(accounts).toEqual([{ n: 1 }])
    }))
})
