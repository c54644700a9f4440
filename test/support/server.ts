/**
 * A real agentledger HTTP server for a test: started on 127.0.0.1 with a free port over the
 * store given, with one account already opened, and closed by the caller.
 */
import { Ids, Ledger, LedgerLive, type LedgerStore, type SchemaChecker } from "@agentledger/domain"
import { HotRoutes, Server } from "@agentledger/http"
import { MemoryStore } from "@agentledger/store-memory"
import { HttpServer } from "@effect/platform"
import { Context, Effect, Exit, Layer, Option, Redacted, Scope } from "effect"

export interface RunningServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string
  /** The secret of the opened account's account token. */
  readonly secret: string
  /** The operator token the server was started with. */
  readonly operatorToken: string
  /** The `Ledger` behind the server, to check what it stored without going through HTTP. */
  readonly ledger: Context.Tag.Service<Ledger>
  /** How many requests the hot span routes took (the rest went through the platform). */
  readonly hotServed: () => number
  readonly close: () => Promise<void>
}

export interface StartOptions {
  /** The store (default: a fresh in-memory store). */
  readonly store?: Layer.Layer<LedgerStore>
  readonly maxBodyBytes?: number
  readonly logRequests?: boolean
  /** How definitions are compiled and checked (default: in the serving thread). */
  readonly checker?: Layer.Layer<SchemaChecker>
  /** Deadlines and the connection cap (the server's defaults for any not given). */
  readonly connections?: Server.ServerOptions["connections"]
  /** Admission control (off unless given). */
  readonly admission?: Server.ServerOptions["admission"]
  /** The lean span routes (default on, as in `serve`); off sends every request through the platform. */
  readonly hotRoutes?: boolean
}

export const operatorToken = "operator-token-for-tests"

export const startServer = async (options: StartOptions = {}): Promise<RunningServer> => {
  const ledgerLayer = LedgerLive.layer.pipe(
    Layer.provide(options.store ?? MemoryStore.layer),
    Layer.provide(Ids.IdEntropy.Live),
    Layer.provide(options.checker ?? Layer.empty)
  )
  const serverLayer = Server.layer({
    host: "127.0.0.1",
    port: 0,
    operatorToken: Option.some(Redacted.make(operatorToken)),
    logRequests: options.logRequests ?? false,
    ...(options.maxBodyBytes === undefined ? {} : { maxBodyBytes: options.maxBodyBytes }),
    ...(options.connections === undefined ? {} : { connections: options.connections }),
    ...(options.admission === undefined ? {} : { admission: options.admission }),
    ...(options.hotRoutes === undefined ? {} : { hotRoutes: options.hotRoutes })
  }).pipe(Layer.provideMerge(ledgerLayer))
  const scope = Effect.runSync(Scope.make())
  const context = await Effect.runPromise(Layer.buildWithScope(serverLayer, scope)).catch(
    async (error: unknown) => {
      await Effect.runPromise(Scope.close(scope, Exit.void))
      throw error
    }
  )
  const ledger = Context.get(context, Ledger)
  const created = await Effect.runPromise(ledger.createAccount({ name: "Test account" }))
  return {
    url: await Effect.runPromise(HttpServer.addressFormattedWith((address) => Effect.succeed(address)).pipe(
      Effect.provide(context)
    )),
    secret: created.secret,
    operatorToken,
    ledger,
    hotServed: Context.get(context, HotRoutes.HotRoutes).served,
    close: () => Effect.runPromise(Scope.close(scope, Exit.void))
  }
}
