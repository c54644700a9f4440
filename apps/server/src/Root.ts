/**
 * The agentledger server's composition root, which `main.ts` loads once it has started what
 * should start first: it wires the store (`Store.ts`), the schema checker's worker threads, the
 * settings (`Settings.ts`; `--help` lists them, docs/http.md describes them), the bootstrap of an
 * empty store, the HTTP server with its admission control, the retention job (`Retention.ts`),
 * the optional stats line (`Stats.ts`),
 * with `--workers N` a cluster of server processes on one port (`Cluster.ts`), the console
 * (`@agentledger/console`) at `/`, and OpenTelemetry's trace endpoint (`@agentledger/otlp`) at
 * `POST /v1/traces`. Unhandled rejections and uncaught exceptions are logged on
 * stderr (`Backstop.ts`).
 */
import { WorkerChecker } from "@agentledger/checker-worker"
import { Console } from "@agentledger/console"
import { Ids, LedgerLive } from "@agentledger/domain"
import { Server } from "@agentledger/http"
import { Route } from "@agentledger/otlp"
import type { Started } from "@agentledger/store-postgres/PgliteThread"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Duration, Effect, Layer, Logger, Option, Redacted } from "effect"
import cluster from "node:cluster"
import * as Backstop from "./Backstop.js"
import * as Cluster from "./Cluster.js"
import * as Retention from "./Retention.js"
import * as Settings from "./Settings.js"
import * as Stats from "./Stats.js"
import * as Store from "./Store.js"

const ledgerOf = (settings: Settings.Settings) =>
  LedgerLive.layerWith({
    idempotencyTtl: Duration.seconds(settings.idempotencyTtlSeconds),
    tokenCacheTtl: Duration.millis(settings.tokenCacheTtlMs),
    tokenLastUseInterval: Duration.seconds(settings.tokenLastUseIntervalSeconds),
    maskingCacheTtl: Duration.millis(settings.maskingCacheTtlMs)
  }).pipe(Layer.provide(Ids.IdEntropy.Live))

/** The Ledger, still to be given its store and its schema checker. */
type LedgerLayer = ReturnType<typeof ledgerOf>

/** One server process, which bootstraps the store first unless a cluster's primary did. */
const serve = (settings: Settings.Settings, ledgerLive: LedgerLayer, store: Store.Store, bootstraps: boolean) => {
  // Tenants' span type definitions compile and, past the inline budget, check in worker threads.
  const ledger = ledgerLive.pipe(Layer.provide(store.layer), Layer.provide(WorkerChecker.layer(settings.checker)))
  const { admission, connections, host, maxBodyBytes, port } = settings
  const operatorToken = Option.map(Option.fromNullable(settings.operatorSecret), Redacted.make)
  // Past capacity, OTLP exporters hear 503 in their own shape (a google.rpc.Status), and retry.
  const capacityAnswer = Route.capacityAnswer(admission.retryAfterSeconds)
  return Server.layer({ host, port, maxBodyBytes, operatorToken, connections, admission, capacityAnswer }).pipe(
    // The console's pages and assets on the same router: a client of the API, served beside it.
    Layer.provide(Console.layer()),
    // OpenTelemetry's trace endpoint, POST /v1/traces, on the same router and port.
    Layer.provide(Route.layer({ limits: { maxBodyBytes: settings.otlpMaxBodyBytes } })),
    // The retention job, a fiber of the same scope: it stops when the server stops.
    Layer.merge(Retention.layer(settings.retention)),
    Layer.provide(Layer.effectDiscard(bootstraps ? Store.bootstrap(store.description, settings.bootstrapSecret) : Effect.void)),
    Layer.provide(ledger),
    Layer.launch
  )
}

/**
 * A cluster's primary bootstraps (and migrates) once, before any worker starts, over a connection
 * of its own that it then closes: workers never race to open the first account, and its token
 * is printed once. (`Ledger.bootstrap` is also safe when processes race — `StoreTx.exclusive` —
 * which is what several machines starting at once rely on.) Then it supervises the workers.
 */
const superviseAsPrimary = (settings: Settings.Settings, ledgerLive: LedgerLayer): void => {
  const store = Store.choose(settings.store, 1)
  const once = Store.bootstrap(store.description, settings.bootstrapSecret).pipe(Effect.provide(ledgerLive.pipe(Layer.provide(store.layer))))
  // Logged as the workers log (their `NodeRuntime.runMain` uses the pretty logger).
  const asPrimary = <A, E>(effect: Effect.Effect<A, E>) => effect.pipe(Effect.annotateLogs({ role: "primary" }), Effect.provide(Logger.pretty))
  const log = (message: string) => Effect.runSync(asPrimary(Effect.logInfo(message)))
  Effect.runPromise(asPrimary(Effect.zipRight(once, Effect.logInfo(`starting ${settings.workers} workers`)))).then(
    () => Cluster.supervise({ workers: settings.workers, log }),
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
}

/**
 * Serves with the command line's arguments (`args`) and the environment; `pglite` is the PGlite
 * thread `main.ts` started, if it did.
 */
export const run = (args: ReadonlyArray<string>, pglite: Started | undefined): void => {
  Backstop.install()
  const reading = Settings.read(args, process.env)
  if (reading._tag === "Help") {
    process.stdout.write(reading.text)
    process.exit(0)
  }
  if (reading._tag === "Refused") {
    process.stderr.write(`${reading.message}\n`)
    process.exit(2)
  }
  const { settings } = reading
  if (settings.statsIntervalMs > 0) Stats.start(settings.statsIntervalMs)
  const ledgerLive = ledgerOf(settings)

  if (settings.workers === 1) {
    serve(settings, ledgerLive, Store.choose(settings.store, settings.poolSize, pglite), true).pipe(NodeRuntime.runMain)
  } else if (cluster.isPrimary) {
    superviseAsPrimary(settings, ledgerLive)
  } else {
    // A worker: the primary bootstrapped; its slot and process id mark its log lines. A signal
    // may reach it twice — from the primary and from its process group (Ctrl-C in a terminal,
    // a supervisor signalling the whole group) — and `runMain` listens for the first only: these
    // listeners keep the second from ending the graceful stop the first began.
    process.on("SIGTERM", () => undefined)
    process.on("SIGINT", () => undefined)
    serve(settings, ledgerLive, Store.choose(settings.store, settings.poolSize), false).pipe(
      Effect.annotateLogs({ worker: String(Cluster.workerSlot() ?? "?"), pid: String(process.pid) }),
      NodeRuntime.runMain
    )
  }
}
