/**
 * A recording (and optionally failure-injecting) `node:http` proxy that sits between an SDK and
 * the server: every exchange is recorded with both bodies, a test can wait for one, and an
 * injector can answer a request itself instead of forwarding it (an outage, a refusal).
 */
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import { isObject, type Json } from "../json.js"
import { parseBody } from "../jsonClient.js"

export interface Exchange {
  readonly method: string
  readonly path: string
  readonly requestBody: unknown
  readonly status: number
  readonly responseBody: unknown
  /** True when the proxy answered by itself instead of forwarding. */
  readonly injected: boolean
}

export interface Injection {
  readonly status: number
  readonly body: Json
}

/** Decides whether the proxy answers a request itself; `index` counts requests to the same path. */
export type Injector = (request: { readonly method: string; readonly path: string; readonly body: unknown; readonly index: number }) =>
  | Injection
  | undefined

export interface RecordingProxy {
  /** `http://127.0.0.1:<port>`: give it to the SDK as `apiUrl`. */
  readonly url: string
  /** Every request the SDK made, in the order the answers went back. */
  readonly exchanges: ReadonlyArray<Exchange>
  /** Resolves with the first exchange (answered) that matches. */
  readonly waitFor: (predicate: (exchange: Exchange) => boolean, timeoutMs?: number) => Promise<Exchange>
  readonly close: () => Promise<void>
}

const readBody = (request: http.IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    request.on("error", reject)
  })

/** A `node:http` proxy on a free port that forwards to `target` (unless `inject` answers) and records every exchange. */
export const startProxy = async (target: string, inject: Injector = () => undefined): Promise<RecordingProxy> => {
  const exchanges: Array<Exchange> = []
  const counts = new Map<string, number>()
  const waiters: Array<{ readonly predicate: (exchange: Exchange) => boolean; readonly resolve: (exchange: Exchange) => void }> = []
  const record = (exchange: Exchange) => {
    exchanges.push(exchange)
    for (const waiter of [...waiters]) {
      if (waiter.predicate(exchange)) {
        waiters.splice(waiters.indexOf(waiter), 1)
        waiter.resolve(exchange)
      }
    }
  }
  const server = http.createServer((request, response) => {
    void (async () => {
      const method = request.method ?? "GET"
      const path = request.url ?? "/"
      const text = await readBody(request)
      const body = parseBody(text)
      const key = `${method} ${path}`
      const index = counts.get(key) ?? 0
      counts.set(key, index + 1)
      const injected = inject({ method, path, body, index })
      if (injected !== undefined) {
        const out = JSON.stringify(injected.body)
        // Recorded before the answer leaves, so a waiter sees it no later than the SDK does.
        record({ method, path, requestBody: body, status: injected.status, responseBody: injected.body, injected: true })
        response.writeHead(injected.status, { "content-type": "application/json" })
        response.end(out)
        return
      }
      const headers: Record<string, string> = {}
      const authorization = request.headers.authorization
      if (authorization !== undefined) headers["authorization"] = authorization
      const contentType = request.headers["content-type"]
      if (contentType !== undefined) headers["content-type"] = contentType
      const upstream = await fetch(`${target}${path}`, { method, headers, ...(text.length === 0 ? {} : { body: text }) })
      const answer = await upstream.text()
      record({ method, path, requestBody: body, status: upstream.status, responseBody: parseBody(answer), injected: false })
      response.writeHead(upstream.status, { "content-type": upstream.headers.get("content-type") ?? "application/json" })
      response.end(answer)
    })().catch((error: unknown) => {
      response.writeHead(599, { "content-type": "text/plain" })
      response.end(`proxy failure: ${String(error)}`)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const address = server.address()
  if (address === null || typeof address === "string") throw new Error("the proxy has no TCP address")
  const { port }: AddressInfo = address
  return {
    url: `http://127.0.0.1:${port}`,
    exchanges,
    waitFor: (predicate, timeoutMs = 5_000) => {
      const found = exchanges.find(predicate)
      if (found !== undefined) return Promise.resolve(found)
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(new Error(`no matching exchange within ${timeoutMs} ms; seen: ${exchanges.map((e) => `${e.method} ${e.path} ${e.status}`).join(", ")}`))
        }, timeoutMs)
        waiters.push({
          predicate,
          resolve: (exchange) => {
            clearTimeout(timer)
            resolve(exchange)
          }
        })
      })
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error === undefined ? resolve() : reject(error)))
      })
  }
}

/** A short line per exchange, for assertion messages. */
export const describeExchanges = (exchanges: ReadonlyArray<Exchange>): string =>
  exchanges
    .map((e) => `${e.method} ${e.path} -> ${e.status}${e.injected ? " (injected)" : ""} ${e.status >= 300 ? JSON.stringify(e.responseBody).slice(0, 300) : ""}`)
    .join("\n")

/** The `details.*` field of a request or response body, when it is a string. */
export const detailString = (body: unknown, key: string): string | undefined => {
  const details = isObject(body) ? body["details"] : undefined
  const value = isObject(details) ? details[key] : undefined
  return typeof value === "string" ? value : undefined
}

/** A top-level field of a body, when it is a string. */
export const topString = (body: unknown, key: string): string | undefined => {
  const value = isObject(body) ? body[key] : undefined
  return typeof value === "string" ? value : undefined
}
