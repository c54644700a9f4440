/**
 * The main job (`npm start`): the agentledger server on `127.0.0.1:4318`.
 *
 * Settings, each a flag or an environment variable: `--host`/`AGENTLEDGER_HOST`,
 * `--port`/`AGENTLEDGER_PORT`, `--data-dir`/`AGENTLEDGER_DATA_DIR` (embedded PGlite, default
 * `./.agentledger`, in a worker thread; `--pglite-in-thread` runs it in the serving thread, as
 * before: see docs/decisions.md), `--memory` (in-memory store), `DATABASE_URL` (PostgreSQL),
 * `--max-body-bytes`/`AGENTLEDGER_MAX_BODY_BYTES`, `--headers-timeout-ms`/`AGENTLEDGER_HEADERS_TIMEOUT_MS`,
 * `--request-timeout-ms`/`AGENTLEDGER_REQUEST_TIMEOUT_MS`, `--idle-timeout-ms`/`AGENTLEDGER_IDLE_TIMEOUT_MS`,
 * `--max-connections`/`AGENTLEDGER_MAX_CONNECTIONS`, the schema checker's `--checker-threads`,
 * `--check-timeout-ms`, `--compile-timeout-ms`, `--checker-memory-mb`, `--idempotency-ttl-s`,
 * `--token-cache-ttl-ms`, admission control's `--latency-target-ms` (0 turns it off),
 * `--queue-timeout-ms`, `--max-in-flight`, `--retry-after-s`, `--stats-interval-ms` (a line of RSS
 * and event-loop delay on stderr, `Stats.ts`),
 * `--workers` (server processes on the one port, PostgreSQL only; `Cluster.ts`), `--db-pool-size`
 * (connections per process to PostgreSQL) (and `AGENTLEDGER_…` alike),
 * `AGENTLEDGER_OPERATOR_TOKEN` (enables the
 * operator API; at least 32 characters), `AGENTLEDGER_BOOTSTRAP_TOKEN` (the first account's
 * token, for scripted use). Unhandled rejections and uncaught exceptions are logged on stderr
 * (`Backstop.ts`).
 *
 * This folder is the composition root: the one place that picks a store adapter for the server,
 * so the adapters themselves never import each other.
 */
import { WorkerChecker } from "@agentledger/checker-worker"
import { Ids, Ledger, LedgerLive, type LedgerStore, TokenCache } from "@agentledger/domain"
import { MemoryStore } from "@agentledger/store-memory"
import { PgStore } from "@agentledger/store-postgres"
import { NodeRuntime } from "@effect/platform-node"
import { Config, Duration, Effect, Layer, Logger, Option, Redacted } from "effect"
import cluster from "node:cluster"
import { mkdirSync } from "node:fs"
import { join, resolve } from "node:path"
import { parseArgs } from "node:util"
import * as Admission from "../src/Admission.js"
import * as Backstop from "../src/Backstop.js"
import * as Connections from "../src/Connections.js"
import { Server } from "../src/index.js"
import * as OperatorToken from "../src/OperatorToken.js"
import * as Stats from "../src/Stats.js"
import * as Cluster from "./Cluster.js"

Backstop.install()

const { values: flags } = parseArgs({
  options: {
    host: { type: "string" },
    port: { type: "string" },
    "data-dir": { type: "string" },
    memory: { type: "boolean", default: false },
    "pglite-in-thread": { type: "boolean", default: false },
    "max-body-bytes": { type: "string" },
    "headers-timeout-ms": { type: "string" },
    "request-timeout-ms": { type: "string" },
    "idle-timeout-ms": { type: "string" },
    "max-connections": { type: "string" },
    "checker-threads": { type: "string" },
    "check-timeout-ms": { type: "string" },
    "compile-timeout-ms": { type: "string" },
    "checker-memory-mb": { type: "string" },
    "idempotency-ttl-s": { type: "string" },
    "token-cache-ttl-ms": { type: "string" },
    "latency-target-ms": { type: "string" },
    "queue-timeout-ms": { type: "string" },
    "max-in-flight": { type: "string" },
    "retry-after-s": { type: "string" },
    "stats-interval-ms": { type: "string" },
    workers: { type: "string" },
    "db-pool-size": { type: "string" },
    help: { type: "boolean", default: false }
  },
  strict: true
})

if (flags.help) {
  process.stdout.write(`agentledger serve [--host 127.0.0.1] [--port 4318] [--data-dir ./.agentledger [--pglite-in-thread] | --memory] [--max-body-bytes 5242880]
                 [--headers-timeout-ms 10000] [--request-timeout-ms 30000] [--idle-timeout-ms 5000] [--max-connections 1024]
                 [--checker-threads N] [--check-timeout-ms 250] [--compile-timeout-ms 2000] [--checker-memory-mb 128]
                 [--idempotency-ttl-s 86400] [--token-cache-ttl-ms 1000]
                 [--latency-target-ms 25 (0: no admission control)] [--queue-timeout-ms 15] [--max-in-flight 256] [--retry-after-s 1]
                 [--stats-interval-ms 0]
                 [--idempotency-ttl-s 86400] [--workers 1] [--db-pool-size 10]
  --workers N       N server processes on the one port (N > 1 needs DATABASE_URL: PGlite and --memory are one process's)
  --db-pool-size N  connections each process keeps to PostgreSQL (the server's max_connections bounds workers × N)
Environment: AGENTLEDGER_HOST, AGENTLEDGER_PORT, AGENTLEDGER_DATA_DIR, AGENTLEDGER_MAX_BODY_BYTES, DATABASE_URL,
             AGENTLEDGER_HEADERS_TIMEOUT_MS, AGENTLEDGER_REQUEST_TIMEOUT_MS, AGENTLEDGER_IDLE_TIMEOUT_MS,
             AGENTLEDGER_MAX_CONNECTIONS, AGENTLEDGER_CHECKER_THREADS, AGENTLEDGER_CHECK_TIMEOUT_MS,
             AGENTLEDGER_COMPILE_TIMEOUT_MS, AGENTLEDGER_CHECKER_MEMORY_MB, AGENTLEDGER_IDEMPOTENCY_TTL_S,
             AGENTLEDGER_TOKEN_CACHE_TTL_MS, AGENTLEDGER_LATENCY_TARGET_MS, AGENTLEDGER_QUEUE_TIMEOUT_MS,
             AGENTLEDGER_MAX_IN_FLIGHT, AGENTLEDGER_RETRY_AFTER_S,
             AGENTLEDGER_STATS_INTERVAL_MS,
             AGENTLEDGER_WORKERS, AGENTLEDGER_DB_POOL_SIZE,
             AGENTLEDGER_BOOTSTRAP_TOKEN, AGENTLEDGER_OPERATOR_TOKEN (32+ characters)
`)
  process.exit(0)
}

const env = (name: string): string | undefined => {
  const value = process.env[name]
  return value === undefined || value === "" ? undefined : value
}

const integer = (name: string, text: string | undefined, fallback: number): number => {
  if (text === undefined) return fallback
  const value = Number(text)
  if (!Number.isInteger(value) || value < 0) {
    process.stderr.write(`${name} must be a whole number, not ${JSON.stringify(text)}\n`)
    process.exit(2)
  }
  return value
}

const host = flags.host ?? env("AGENTLEDGER_HOST") ?? "127.0.0.1"
const port = integer("--port", flags.port ?? env("AGENTLEDGER_PORT"), 4318)
const maxBodyBytes = integer("--max-body-bytes", flags["max-body-bytes"] ?? env("AGENTLEDGER_MAX_BODY_BYTES"), Server.defaultMaxBodyBytes)
const connections: Connections.ConnectionLimits = {
  headersTimeoutMs: integer("--headers-timeout-ms", flags["headers-timeout-ms"] ?? env("AGENTLEDGER_HEADERS_TIMEOUT_MS"), Connections.defaults.headersTimeoutMs),
  requestTimeoutMs: integer("--request-timeout-ms", flags["request-timeout-ms"] ?? env("AGENTLEDGER_REQUEST_TIMEOUT_MS"), Connections.defaults.requestTimeoutMs),
  idleTimeoutMs: integer("--idle-timeout-ms", flags["idle-timeout-ms"] ?? env("AGENTLEDGER_IDLE_TIMEOUT_MS"), Connections.defaults.idleTimeoutMs),
  maxConnections: integer("--max-connections", flags["max-connections"] ?? env("AGENTLEDGER_MAX_CONNECTIONS"), Connections.defaults.maxConnections)
}
const checker: Partial<WorkerChecker.Options> = {
  threads: integer("--checker-threads", flags["checker-threads"] ?? env("AGENTLEDGER_CHECKER_THREADS"), WorkerChecker.defaults.threads),
  checkTimeoutMs: integer("--check-timeout-ms", flags["check-timeout-ms"] ?? env("AGENTLEDGER_CHECK_TIMEOUT_MS"), WorkerChecker.defaults.checkTimeoutMs),
  compileTimeoutMs: integer("--compile-timeout-ms", flags["compile-timeout-ms"] ?? env("AGENTLEDGER_COMPILE_TIMEOUT_MS"), WorkerChecker.defaults.compileTimeoutMs),
  memoryMb: integer("--checker-memory-mb", flags["checker-memory-mb"] ?? env("AGENTLEDGER_CHECKER_MEMORY_MB"), WorkerChecker.defaults.memoryMb)
}
/** How long an idempotency key replays its first answer, in seconds (default 24 hours). */
const idempotencyTtlSeconds = integer("--idempotency-ttl-s", flags["idempotency-ttl-s"] ?? env("AGENTLEDGER_IDEMPOTENCY_TTL_S"), 24 * 60 * 60)
/** How long a looked-up API token is reused: how soon a token changed by another process is refused here. */
const tokenCacheTtlMs = integer("--token-cache-ttl-ms", flags["token-cache-ttl-ms"] ?? env("AGENTLEDGER_TOKEN_CACHE_TTL_MS"), Duration.toMillis(TokenCache.defaultTtl))
const admission: Admission.AdmissionLimits = Admission.resolve({
  latencyTargetMs: integer("--latency-target-ms", flags["latency-target-ms"] ?? env("AGENTLEDGER_LATENCY_TARGET_MS"), Admission.defaults.latencyTargetMs),
  queueTimeoutMs: integer("--queue-timeout-ms", flags["queue-timeout-ms"] ?? env("AGENTLEDGER_QUEUE_TIMEOUT_MS"), Admission.defaults.queueTimeoutMs),
  maxInFlight: integer("--max-in-flight", flags["max-in-flight"] ?? env("AGENTLEDGER_MAX_IN_FLIGHT"), Admission.defaults.maxInFlight),
  retryAfterSeconds: integer("--retry-after-s", flags["retry-after-s"] ?? env("AGENTLEDGER_RETRY_AFTER_S"), Admission.defaults.retryAfterSeconds)
})
/** Every how many milliseconds a stats line goes to stderr; 0 (the default) writes none. */
const statsIntervalMs = integer("--stats-interval-ms", flags["stats-interval-ms"] ?? env("AGENTLEDGER_STATS_INTERVAL_MS"), 0)
const refuse = (message: string): never => {
  process.stderr.write(`${message}\n`)
  return process.exit(2)
}
const limitsProblem = Connections.problem(connections)
if (limitsProblem !== undefined) refuse(limitsProblem)
const admissionProblem = Admission.problem(admission)
if (admissionProblem !== undefined) refuse(admissionProblem)
const checkerProblem = WorkerChecker.problem(checker)
if (checkerProblem !== undefined) refuse(checkerProblem)
if (idempotencyTtlSeconds < 1) refuse("--idempotency-ttl-s must be at least 1 second")
const operatorSecret = env("AGENTLEDGER_OPERATOR_TOKEN")
const operatorWeakness = operatorSecret === undefined ? undefined : OperatorToken.weakness(operatorSecret)
if (operatorWeakness !== undefined) refuse(operatorWeakness)
if (statsIntervalMs > 0) Stats.start(statsIntervalMs)
const dataDir = resolve(flags["data-dir"] ?? env("AGENTLEDGER_DATA_DIR") ?? ".agentledger")
const databaseUrl = env("DATABASE_URL")
const workers = integer("--workers", flags.workers ?? env("AGENTLEDGER_WORKERS"), 1)
const poolSize = integer("--db-pool-size", flags["db-pool-size"] ?? env("AGENTLEDGER_DB_POOL_SIZE"), 10)
if (workers < 1) refuse("--workers must be at least 1")
if (poolSize < 1) refuse("--db-pool-size must be at least 1")
// Each worker would open its own store: PGlite's data directory is one process's database, and
// --memory would give every worker records of its own.
if (workers > 1 && (flags.memory || databaseUrl === undefined)) {
  refuse(
    `--workers ${workers} needs PostgreSQL (DATABASE_URL): ${flags.memory ? "--memory keeps each process's records apart" : "the embedded PGlite store is one process's database"}`
  )
}

const chooseStore = (pool: number): { readonly layer: Layer.Layer<LedgerStore>; readonly description: string } => {
  if (flags.memory) return { layer: MemoryStore.layer, description: "in-memory store (nothing survives a restart)" }
  if (databaseUrl !== undefined) {
    return {
      layer: PgStore.layerPgConfig({ url: Config.redacted("DATABASE_URL"), maxConnections: Config.succeed(pool) }),
      description: "PostgreSQL at DATABASE_URL"
    }
  }
  mkdirSync(dataDir, { recursive: true })
  const pglite = { dataDir: join(dataDir, "pglite") }
  // In a worker thread PostgreSQL's work overlaps with serving requests (docs/decisions.md).
  return flags["pglite-in-thread"]
    ? { layer: PgStore.layerPglite(pglite), description: `embedded PGlite in ${dataDir}, in the serving thread` }
    : { layer: PgStore.layerPgliteWorker(pglite), description: `embedded PGlite in ${dataDir}, in a worker thread` }
}

/** On an empty store: one account, its default environments, and its one-time token, printed once. */
const bootstrap = (description: string) => Effect.gen(function*() {
  const ledger = yield* Ledger
  const preset = env("AGENTLEDGER_BOOTSTRAP_TOKEN")
  const created = yield* ledger.bootstrap({ name: "Default account", secret: preset })
  yield* Effect.logInfo(`store: ${description}`)
  if (created === null) {
    yield* Effect.logInfo("the store already holds accounts; use the token printed when it was first started")
  } else if (preset !== undefined) {
    yield* Effect.logInfo(`bootstrapped account ${created.account.id} with the token in AGENTLEDGER_BOOTSTRAP_TOKEN`)
  } else {
    yield* Effect.logInfo(`bootstrapped account ${created.account.id}; its account token (shown only now):`)
    process.stdout.write(`\n    ${created.secret}\n\n`)
  }
})

const operatorToken = Option.map(Option.fromNullable(operatorSecret), Redacted.make)

const ledgerLive = LedgerLive.layerWith({ idempotencyTtl: Duration.seconds(idempotencyTtlSeconds), tokenCacheTtl: Duration.millis(tokenCacheTtlMs) }).pipe(Layer.provide(Ids.IdEntropy.Live))

/** One server process, which bootstraps the store first unless a cluster's primary did. */
const serve = (bootstraps: boolean) => {
  const store = chooseStore(poolSize)
  // Tenants' span type definitions compile and, past the inline budget, check in worker threads.
  const ledger = ledgerLive.pipe(Layer.provide(store.layer), Layer.provide(WorkerChecker.layer(checker)))
  return Server.layer({ host, port, maxBodyBytes, operatorToken, connections, admission }).pipe(
    Layer.provide(Layer.effectDiscard(bootstraps ? bootstrap(store.description) : Effect.void)),
    Layer.provide(ledger),
    Layer.launch
  )
}

if (workers === 1) {
  serve(true).pipe(NodeRuntime.runMain)
} else if (cluster.isPrimary) {
  // The primary bootstraps (and migrates) once, before any worker starts, over a connection of
  // its own that it then closes: workers never race to open the first account, and its token
  // is printed once. (`Ledger.bootstrap` is also safe when processes race — `StoreTx.exclusive` —
  // which is what several machines starting at once rely on.)
  const store = chooseStore(1)
  const once = bootstrap(store.description).pipe(Effect.provide(ledgerLive.pipe(Layer.provide(store.layer))))
  // Logged as the workers log (their `NodeRuntime.runMain` uses the pretty logger).
  const asPrimary = <A, E>(effect: Effect.Effect<A, E>) => effect.pipe(Effect.annotateLogs({ role: "primary" }), Effect.provide(Logger.pretty))
  const log = (message: string) => Effect.runSync(asPrimary(Effect.logInfo(message)))
  Effect.runPromise(asPrimary(Effect.zipRight(once, Effect.logInfo(`starting ${workers} workers`)))).then(
    () => Cluster.supervise({ workers, log }),
    (error: unknown) => {
      process.stderr.write(`agentledger: the cluster's primary could not bootstrap the store: ${String(error)}\n`)
      process.exit(1)
    }
  ).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`agentledger: the cluster's primary failed: ${String(error)}\n`)
      process.exit(1)
    }
  )
} else {
  // A worker: the primary bootstrapped; its slot and process id mark its log lines. A signal
  // may reach it twice — from the primary and from its process group (Ctrl-C in a terminal,
  // a supervisor signalling the whole group) — and `runMain` listens for the first only: these
  // listeners keep the second from ending the graceful stop the first began.
  process.on("SIGTERM", () => undefined)
  process.on("SIGINT", () => undefined)
  serve(false).pipe(
    Effect.annotateLogs({ worker: String(Cluster.workerSlot() ?? "?"), pid: String(process.pid) }),
    NodeRuntime.runMain
  )
}
