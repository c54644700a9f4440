/**
 * Faults on a real PostgreSQL server: a connection killed in the middle of a unit of work (with
 * `pg_terminate_backend`, from a separate admin connection) leaves no partial write, surfaces as
 * a defect rather than a success, and the next call succeeds on a fresh connection; connections
 * the server drops while idle are replaced.
 */
import { Agent, Environment, Ids, Ledger, LedgerLive, LedgerStore } from "@agentledger/domain"
import { PgStore } from "@agentledger/store-postgres"
import { runOf, tenant } from "@agentledger/testkit"
import { Reference } from "@agentledger/testkit/core"
import { describe, expect, it } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { Cause, Context, Deferred, Duration, Effect, Exit, Fiber, Layer, Option, Redacted, Schedule, Schema } from "effect"
import { count, rows, usePostgres } from "./support/postgres.js"

const pg = usePostgres()

const adminApplication = "agentledger-test-admin"

/** The Ledger on the store on a PostgreSQL pool whose `SqlClient` the test also reaches (to run SQL inside a unit of work). */
const storeOn = (url: string) => {
  const store = PgStore.layer.pipe(Layer.provideMerge(PgClient.layer({ url: Redacted.make(url), maxConnections: 4 })), Layer.orDie)
  return LedgerLive.layer.pipe(Layer.provideMerge(store), Layer.provideMerge(Ids.IdEntropy.Live))
}

/** A separate admin connection (its own pool) to the same database, for the duration of the scope. */
const adminOn = (url: string) =>
  Effect.map(
    Layer.build(PgClient.layer({ url: Redacted.make(url), maxConnections: 2, applicationName: adminApplication }).pipe(Layer.orDie)),
    (context) => Context.get(context, SqlClient.SqlClient)
  )

/** Runs `body` over a fresh database: the store, the Ledger and an admin connection. */
const onFreshDatabase = <A, E>(
  prefix: string,
  body: (admin: SqlClient.SqlClient) => Effect.Effect<A, E, Ledger | LedgerStore | SqlClient.SqlClient | Ids.IdEntropy>
) =>
  Effect.gen(function*() {
    const url = yield* pg.freshDatabase(prefix)
    const admin = yield* adminOn(url)
    return yield* body(admin).pipe(Effect.provide(storeOn(url)))
  }).pipe(Effect.scoped)

const Pid = Schema.Struct({ pid: Schema.Number })
const backendPid = (sql: SqlClient.SqlClient) =>
  Effect.map(rows(Pid)(sql`SELECT pg_backend_pid() AS pid`), (found) => found[0]?.pid ?? expect.fail("no backend pid"))

const terminate = (admin: SqlClient.SqlClient, pid: number) =>
  Effect.map(
    rows(Schema.Struct({ terminated: Schema.Boolean }))(admin`SELECT pg_terminate_backend(${pid}) AS terminated`),
    (found) => found[0]?.terminated === true
  )

/** Waits until the server has let the backend go (it dies if that takes more than 5 s). */
const gone = (admin: SqlClient.SqlClient, pid: number) =>
  count(admin`SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = ${pid}`).pipe(
    Effect.flatMap((n) => (n > 0 ? Effect.fail(`backend ${pid} is still there`) : Effect.void)),
    Effect.retry(Schedule.spaced(Duration.millis(10)).pipe(Schedule.upTo(Duration.seconds(5)))),
    Effect.orDie
  )

/** The exit must be a defect: not a success, not a typed failure the caller could mistake for a domain answer. */
const expectDefect = <A, E>(exit: Exit.Exit<A, E>) => {
  if (Exit.isSuccess(exit)) return expect.fail(`the killed unit of work succeeded with ${Reference.canonical(exit.value)}`)
  expect(Cause.isDie(exit.cause), Cause.pretty(exit.cause)).toBe(true)
  expect(Option.isNone(Cause.failureOption(exit.cause)), Cause.pretty(exit.cause)).toBe(true)
}

describe("faults on PostgreSQL", () => {
  it.live("a connection killed mid-transaction leaves no partial write, surfaces as a defect, and the next call succeeds on a fresh connection", () =>
    onFreshDatabase("killed_transaction", (admin) =>
      Effect.gen(function*() {
        const store = yield* LedgerStore
        const sql = yield* SqlClient.SqlClient
        const { account, development, session } = yield* tenant("Faults")
        const agent = yield* session.createAgent({ name: "Original" })
        const doomedEnvironment = yield* Ids.mint(Ids.EnvironmentId, Ids.partitionOf(account.id))

        // One unit of work writes to three tables, tells its backend's pid, then stays open.
        const inFlight = yield* Deferred.make<number>()
        const unit = store.transact(account.id, (tx) =>
          Effect.gen(function*() {
            const current = yield* Effect.flatten(tx.agents.lock(agent.id))
            yield* tx.agents.update(new Agent.Agent({ ...current, name: "Renamed" }, true))
            yield* tx.environments.insert(new Environment.Environment({ ...development, id: doomedEnvironment, name: "Doomed" }, true))
            yield* tx.idempotency.claim({ principal: "doomed-principal", key: "doomed-key", at: Date.now(), expiredBefore: 0 })
            yield* Deferred.succeed(inFlight, yield* backendPid(sql))
            yield* sql`SELECT pg_sleep(20)`
            return "committed"
          }))
        const killer = Effect.gen(function*() {
          const pid = yield* Deferred.await(inFlight)
          expect(yield* terminate(admin, pid)).toBe(true)
          return pid
        })
        const [exit, killed] = yield* Effect.all([Effect.exit(unit), killer], { concurrency: "unbounded" })

        expectDefect(exit)
        // Nothing of the unit is left: not the rename, not the environment, not the key.
        const names = yield* rows(Schema.Struct({ name: Schema.String }))(admin`
          SELECT name FROM agents WHERE account_id = ${account.id} AND id = ${agent.id}`)
        expect(names).toEqual([{ name: "Original" }])
        expect(yield* count(admin`SELECT count(*)::int AS n FROM environments WHERE account_id = ${account.id} AND id = ${doomedEnvironment}`)).toBe(0)
        expect(yield* count(admin`SELECT count(*)::int AS n FROM environments WHERE account_id = ${account.id}`)).toBe(3)
        expect(yield* count(admin`SELECT count(*)::int AS n FROM idempotency_keys WHERE account_id = ${account.id}`)).toBe(0)
        yield* gone(admin, killed)

        // The next calls, more of them than the pool has connections, succeed on live connections.
        for (let i = 0; i < 6; i++) {
          const pid = yield* store.transact(account.id, (tx) =>
            Effect.gen(function*() {
              const current = yield* Effect.flatten(tx.agents.lock(agent.id))
              yield* tx.agents.update(new Agent.Agent({ ...current, name: `Renamed ${i}` }, true))
              return yield* backendPid(sql)
            }))
          expect(pid).not.toBe(killed)
        }
        expect(yield* rows(Schema.Struct({ name: Schema.String }))(admin`
          SELECT name FROM agents WHERE account_id = ${account.id} AND id = ${agent.id}`)).toEqual([{ name: "Renamed 5" }])
        expect((yield* session.createEnvironment({ name: "Recovered", purpose: "testing" })).name).toBe("Recovered")
      })))

  it.live("an in-flight use case whose backend is killed (found in pg_stat_activity) leaves nothing; its retry then has its one effect", () =>
    onFreshDatabase("killed_use_case", (admin) =>
      Effect.gen(function*() {
        const { account, production, session } = yield* tenant("Faults")
        const agent = yield* session.createAgent({ name: "Blocked" })
        const first = yield* runOf(session, agent.id, production.id, "1.0.0")
        const deployment = first.agent_deployment_id ?? expect.fail("the first run was not deployed")

        // The admin holds the deployment's row: a run that moves the pointer gets as far as
        // writing its new version, then waits for the row, in flight.
        const locked = yield* Deferred.make<void>()
        const release = yield* Deferred.make<void>()
        const holder = yield* Effect.fork(admin.withTransaction(Effect.gen(function*() {
          yield* admin`SELECT id FROM agent_deployments WHERE account_id = ${account.id} AND id = ${deployment} FOR UPDATE`
          yield* Deferred.succeed(locked, undefined)
          yield* Deferred.await(release)
        })))
        yield* Deferred.await(locked)

        const second = () =>
          session.registerRun({
            agent_id: agent.id,
            environment_id: production.id,
            agent_version: { external_identifier: "2.0.0" },
            update_current_version: true,
            purpose: "live"
          }, { idempotencyKey: "second-run" })
        const blocked = yield* Effect.fork(Effect.exit(second()))

        const waiting = rows(Pid)(admin`
          SELECT pid FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'UPDATE agent_deployments%'`)
        const pid = yield* waiting.pipe(
          Effect.flatMap((found) => (found[0] === undefined ? Effect.fail("not waiting yet") : Effect.succeed(found[0].pid))),
          Effect.retry(Schedule.spaced(Duration.millis(20)).pipe(Schedule.upTo(Duration.seconds(10)))),
          Effect.orDie
        )
        // It had written: it holds row locks from inserting into agent_versions and idempotency_keys.
        const written = yield* rows(Schema.Struct({ relation: Schema.String }))(admin`
          SELECT DISTINCT relation::regclass::text AS relation FROM pg_locks
          WHERE pid = ${pid} AND mode = 'RowExclusiveLock' AND relation::regclass::text IN ('agent_versions', 'idempotency_keys')
          ORDER BY 1`)
        expect(written.map((w) => w.relation)).toEqual(["agent_versions", "idempotency_keys"])

        expect(yield* terminate(admin, pid)).toBe(true)
        expectDefect(yield* Fiber.join(blocked))
        yield* Deferred.succeed(release, undefined)
        yield* Fiber.join(holder)

        // Nothing of the killed run: no version 2, no instance, no move, no key.
        const mine = admin`account_id = ${account.id}`
        expect(yield* count(admin`SELECT count(*)::int AS n FROM agent_versions WHERE ${mine}`)).toBe(1)
        expect(yield* count(admin`SELECT count(*)::int AS n FROM agent_instances WHERE ${mine}`)).toBe(1)
        expect(yield* count(admin`SELECT count(*)::int AS n FROM deployment_history WHERE ${mine}`)).toBe(1)
        expect(yield* count(admin`SELECT count(*)::int AS n FROM idempotency_keys WHERE ${mine}`)).toBe(0)
        expect(yield* count(admin`SELECT count(*)::int AS n FROM agent_deployments WHERE ${mine} AND current_version_id = ${first.agent_version_id}`)).toBe(1)

        // The retry runs as if the first attempt never happened, once; a second retry replays it.
        const retried = yield* second()
        expect(retried.agent_version_id).not.toBe(first.agent_version_id)
        expect(Reference.canonical(yield* second())).toBe(Reference.canonical(retried))
        expect(yield* count(admin`SELECT count(*)::int AS n FROM agent_versions WHERE ${mine}`)).toBe(2)
        expect(yield* count(admin`SELECT count(*)::int AS n FROM agent_instances WHERE ${mine}`)).toBe(2)
        expect(yield* count(admin`SELECT count(*)::int AS n FROM deployment_history WHERE ${mine}`)).toBe(2)
        expect(yield* count(admin`SELECT count(*)::int AS n FROM agent_deployments WHERE ${mine} AND current_version_id = ${retried.agent_version_id}`)).toBe(1)
      })))

  it.live("connections the server drops while idle are replaced: the next calls succeed", () =>
    onFreshDatabase("dropped_idle", (admin) =>
      Effect.gen(function*() {
        const { production, session } = yield* tenant("Faults")
        const agent = yield* session.createAgent({ name: "Survivor" })
        // Open several of the store's connections, then drop them all while they sit idle.
        yield* Effect.all(Array.from({ length: 4 }, () => runOf(session, agent.id, production.id)), { concurrency: "unbounded" })
        const storeBackends = yield* rows(Pid)(admin`
          SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name <> ${adminApplication}`)
        expect(storeBackends.length).toBeGreaterThanOrEqual(1)
        for (const backend of storeBackends) expect(yield* terminate(admin, backend.pid)).toBe(true)
        // Once the server has let them go. (A call that races the drop itself can be handed the
        // dying connection and fail: the pool does not check connections on checkout.)
        yield* Effect.forEach(storeBackends, (backend) => gone(admin, backend.pid))

        const runs = yield* Effect.all(Array.from({ length: 8 }, () => runOf(session, agent.id, production.id)), { concurrency: 4 })
        expect(runs.length).toBe(8)
        expect((yield* session.listInstances({ offset: 0, page_size: 100, agent_id: agent.id })).pagination.item_count).toBe(12)
      })))
})
