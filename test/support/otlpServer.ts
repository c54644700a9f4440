/**
 * A real agentledger HTTP server with the OTLP trace endpoint mounted as the app mounts it
 * (`Route.layer` on the server's router), on a fresh in-memory store with one account opened;
 * and OTLP requests as exporters send them, with their answers read back.
 */
import { Ids, Ledger, LedgerLive, type LedgerStore } from "@agentledger/domain"
import { Server } from "@agentledger/http"
import { Route } from "@agentledger/otlp"
import { MemoryStore } from "@agentledger/store-memory"
import { HttpServer } from "@effect/platform"
import { Context, Effect, Exit, Layer, Scope } from "effect"
import { request } from "node:http"
import { gzipSync } from "node:zlib"

export interface OtlpServer {
  readonly url: string
  /** The opened account's account token. */
  readonly secret: string
  readonly ledger: Context.Tag.Service<Ledger>
  readonly close: () => Promise<void>
}

export interface OtlpServerOptions extends Route.RouteOptions {
  readonly admission?: Server.ServerOptions["admission"]
  /** The store (default: a fresh in-memory store). */
  readonly store?: Layer.Layer<LedgerStore>
}

export const startOtlpServer = async (options: OtlpServerOptions = {}): Promise<OtlpServer> => {
  const ledgerLayer = LedgerLive.layer.pipe(Layer.provide(options.store ?? MemoryStore.layer), Layer.provide(Ids.IdEntropy.Live))
  const serverLayer = Server.layer({
    host: "127.0.0.1",
    port: 0,
    logRequests: false,
    ...(options.admission === undefined ? {} : { admission: options.admission, capacityAnswer: Route.capacityAnswer(options.admission.retryAfterSeconds ?? 1) })
  }).pipe(Layer.provide(Route.layer(options.limits === undefined ? {} : { limits: options.limits })), Layer.provideMerge(ledgerLayer))
  const scope = Effect.runSync(Scope.make())
  const context = await Effect.runPromise(Layer.buildWithScope(serverLayer, scope))
  const ledger = Context.get(context, Ledger)
  const created = await Effect.runPromise(ledger.createAccount({ name: "OTLP account" }))
  return {
    url: await Effect.runPromise(HttpServer.addressFormattedWith((address) => Effect.succeed(address)).pipe(Effect.provide(context))),
    secret: created.secret,
    ledger,
    close: () => Effect.runPromise(Scope.close(scope, Exit.void))
  }
}

export interface OtlpAnswer {
  readonly status: number
  readonly headers: Readonly<Record<string, string | Array<string> | undefined>>
  readonly contentType: string | null
  readonly body: Uint8Array
}

export interface Send {
  readonly token?: string | undefined
  readonly contentType?: string | undefined
  readonly contentEncoding?: string | undefined
  readonly gzip?: boolean | undefined
  readonly method?: string | undefined
  /** Send the body as a stream (chunked, without Content-Length), as the exporters do. */
  readonly chunked?: boolean | undefined
}

/** One request to `/v1/traces` (a POST unless told), over `node:http` so that the framing is the test's. */
export const send = (url: string, body: Uint8Array | string, options: Send = {}): Promise<OtlpAnswer> => {
  const bytes = typeof body === "string" ? Buffer.from(body) : Buffer.from(body.buffer, body.byteOffset, body.byteLength)
  const payload = options.gzip === true ? gzipSync(bytes) : bytes
  const headers: Record<string, string> = {}
  if (options.token !== undefined) headers["authorization"] = `Bearer ${options.token}`
  if (options.contentType !== undefined) headers["content-type"] = options.contentType
  const encoding = options.contentEncoding ?? (options.gzip === true ? "gzip" : undefined)
  if (encoding !== undefined) headers["content-encoding"] = encoding
  if (options.chunked !== true) headers["content-length"] = String(payload.length)
  return new Promise((resolve, reject) => {
    const outgoing = request(`${url}${Route.path}`, { method: options.method ?? "POST", headers }, (response) => {
      const chunks: Array<Buffer> = []
      response.on("data", (chunk: Buffer) => chunks.push(chunk))
      response.on("end", () =>
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          contentType: response.headers["content-type"] ?? null,
          body: new Uint8Array(Buffer.concat(chunks))
        }))
      response.on("error", reject)
    })
    // A server that answers before reading the whole body may close the connection under it.
    outgoing.on("error", reject)
    if (options.chunked === true) {
      for (let start = 0; start < payload.length; start += 64 * 1024) outgoing.write(payload.subarray(start, start + 64 * 1024))
      outgoing.end()
    } else {
      outgoing.end(payload)
    }
  })
}
