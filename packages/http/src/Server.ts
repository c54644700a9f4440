/**
 * The HTTP server: the implemented contract on `@effect/platform-node`, with the OpenAPI document
 * at `/openapi.json`, its docs page at `/docs`, a body limit, request logs, and every failure that
 * never reaches a handler (an unreadable body, an unknown route, a body too large, a bug) answered
 * with the Prefactor error envelope instead of an empty body. Its edge authenticates before it
 * reads a body (`Gate.ts`), bounds error answers (`Bounded.ts`), marks every API answer
 * `Cache-Control: no-store`, and bounds connections in time and number (`Connections.ts`).
 */
import { Json } from "@agentledger/domain"
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpApiSwagger from "@effect/platform/HttpApiSwagger"
import * as HttpApp from "@effect/platform/HttpApp"
import * as HttpMiddleware from "@effect/platform/HttpMiddleware"
import * as HttpServer from "@effect/platform/HttpServer"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { HttpApiDecodeError } from "@effect/platform/HttpApiError"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { Cause, Effect, Layer, Option, type Redacted } from "effect"
import { IncomingMessage, Server, ServerResponse } from "node:http"
import type { Duplex } from "node:stream"
import { Admission, type AdmissionLimits, resolve as resolveAdmission } from "./Admission.js"
import * as Connections from "./Connections.js"
import * as Gate from "./Gate.js"
import * as Handlers from "./Handlers.js"
import * as HotRoutes from "./HotRoutes.js"
import * as Refusals from "./Refusals.js"

/** What a server needs besides the `Ledger`. */
export interface ServerOptions {
  readonly host: string
  /** 0 picks a free port; `HttpServer.HttpServer`'s address tells which. */
  readonly port: number
  /** Larger bodies are refused with 413 before they are read (default 5 MiB). */
  readonly maxBodyBytes?: number
  /** The token of the operator API; without one that API refuses every caller. */
  readonly operatorToken?: Option.Option<Redacted.Redacted<string>>
  /** Log one line per request (default true). */
  readonly logRequests?: boolean
  /** A tracing span per request, for an Effect tracer the embedder provides (default false: it costs every request). */
  readonly traceRequests?: boolean
  /** Deadlines and the connection cap (`Connections.defaults` for any not given). */
  readonly connections?: Partial<Connections.ConnectionLimits>
  /**
   * Admission control (`Admission.ts`): past capacity, 503 with `Retry-After` at once instead of
   * a queue of seconds. Off unless given (`serve` turns it on); `Admission.defaults` for any
   * limit not given.
   */
  readonly admission?: Partial<AdmissionLimits>
  /**
   * The answer of a request refused for want of capacity, for paths that speak another protocol
   * than the API (OTLP's `/v1/traces` answers a `google.rpc.Status`); undefined keeps the API's.
   */
  readonly capacityAnswer?: CapacityAnswer
  /**
   * Serve span create and finish on their lean path (`HotRoutes.ts`), beside the platform
   * (default true; off when `traceRequests` is on, since that path makes no request span).
   */
  readonly hotRoutes?: boolean
}

export const defaultMaxBodyBytes = 5 * 1024 * 1024

const isTooLarge = (defect: unknown): boolean =>
  defect instanceof Error && defect.cause instanceof Error && defect.cause.message === "maxBytes exceeded"

/** The methods whose bodies the contract reads. */
const withBody: ReadonlySet<string> = new Set(["POST", "PUT", "PATCH"])

/** Whether a body-carrying request says it is something other than JSON (`Refusals.isJsonType`). */
const notJson = (request: HttpServerRequest.HttpServerRequest): boolean =>
  withBody.has(request.method) && !Refusals.isJsonType(request.headers["content-type"])

const hasTag = (value: unknown, tag: string): boolean =>
  typeof value === "object" && value !== null && "_tag" in value && value._tag === tag

/**
 * Every API answer may carry a secret (a token's, an account's) or tenant data: no cache between
 * the client and the server may keep it. A pre-response handler reaches every answer, the
 * contract's encoded errors included.
 */
const noStore = HttpApp.appendPreResponseHandler((_request, response) =>
  Effect.succeed(HttpServerResponse.setHeader(response, "cache-control", "no-store"))
)

/**
 * Refuses what must not reach a handler — a request without the credential its route needs (401,
 * before its body is read), a declared body over the limit (413), a body that is not JSON (415),
 * JSON nested deeper than `Json.maxDepth` (400) — and turns what the contract
 * cannot encode into enveloped answers: request-shape failures (400 `validation_errors` with
 * field errors), unreadable JSON (400 `bad_request`), unknown routes (404); anything else is a
 * bug: logged, and a 500 envelope. Domain failures pass through to be encoded by the contract's
 * declared errors.
 */
const envelopes = (maxBodyBytes: number) =>
  HttpApiBuilder.middleware(Effect.map(Gate.make, (check) => (app: HttpApp.Default) =>
    Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      const guard = Gate.guardOf(Gate.pathnameOf(request))
      if (guard === "public") return yield* app
      yield* noStore
      const refusal = yield* check(guard)
      if (Option.isSome(refusal)) return Refusals.toResponse(Refusals.unauthorized(refusal.value))
      const length = Number(request.headers["content-length"] ?? "0")
      if (length > maxBodyBytes) {
        return Refusals.toResponse(Refusals.transport(413, "payload_too_large", `the body is ${length} bytes; the limit is ${maxBodyBytes}`))
      }
      if (notJson(request)) {
        return Refusals.toResponse(Refusals.transport(415, "unsupported_media_type", "the body must be JSON (Content-Type: application/json)"))
      }
      if (withBody.has(request.method) && Json.textExceedsDepth(yield* Effect.orDie(request.text))) {
        return Refusals.toResponse(Refusals.tooDeep)
      }
      return yield* app
    }).pipe(
      HttpServerRequest.withMaxBodySize(Option.some(maxBodyBytes)),
      Effect.catchAllCause((cause) => {
        const failure = Cause.failureOption(cause)
        if (Option.isSome(failure)) {
          const error: unknown = failure.value
          if (error instanceof HttpApiDecodeError) {
            return Effect.succeed(Refusals.toResponse(Refusals.invalidShape(error)))
          }
          if (hasTag(error, "RouteNotFound")) return Effect.succeed(Refusals.toResponse(Refusals.transport(404, "not_found", "no such route")))
          return Effect.failCause(cause)
        }
        if (Cause.isInterruptedOnly(cause)) return Effect.failCause(cause)
        const defect = Cause.squash(cause)
        if (hasTag(defect, "RequestError")) {
          return Effect.succeed(
            Refusals.toResponse(
              isTooLarge(defect)
                ? Refusals.transport(413, "payload_too_large", `the body exceeds the limit of ${maxBodyBytes} bytes`)
                : Refusals.notJsonBody
            )
          )
        }
        return Effect.logError("request failed with a defect", cause).pipe(
          Effect.as(Refusals.toResponse(Refusals.internal))
        )
      })
    )))

/** The contract served on a router, with its docs; needs `Ledger` and an `HttpServer`. */
export const routes = (options: Omit<ServerOptions, "host" | "port">) =>
  HttpApiBuilder.serve(options.logRequests === false ? (app) => app : HttpMiddleware.logger).pipe(
    Layer.provide(HttpApiSwagger.layer({ path: "/docs" })),
    Layer.provide(HttpApiBuilder.middlewareOpenApi({ path: "/openapi.json" })),
    Layer.provide(
      envelopes(options.maxBodyBytes ?? defaultMaxBodyBytes).pipe(
        Layer.provide(Handlers.authentications({ operatorToken: options.operatorToken ?? Option.none() }))
      )
    ),
    Layer.provide(Handlers.layer({ operatorToken: options.operatorToken ?? Option.none() })),
    HttpMiddleware.withTracerDisabledWhen(() => options.traceRequests !== true)
  )

/** A path's own answer to a request refused for want of capacity, or undefined for the API's. */
export type CapacityAnswer = (url: string, contentType: string | undefined) =>
  | { readonly status: number; readonly headers: Readonly<Record<string, string>>; readonly body: Uint8Array }
  | undefined

/** The answer to a request refused for want of capacity: small, fixed, and before its body is read. */
const refusal = (retryAfterSeconds: number, capacityAnswer: CapacityAnswer | undefined) => {
  const body = JSON.stringify({ status: "error", code: "service_unavailable", message: "the server is at capacity; retry after the time in Retry-After" })
  return (request: IncomingMessage, response: ServerResponse) => {
    const own = capacityAnswer?.(request.url ?? "", request.headers["content-type"])
    if (own !== undefined) {
      response.writeHead(own.status, { ...own.headers, "content-length": own.body.length, "cache-control": "no-store" })
      response.end(own.body)
      return
    }
    response.writeHead(503, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(body),
      "retry-after": String(retryAfterSeconds),
      "cache-control": "no-store"
    })
    response.end(body)
  }
}

/**
 * A Node `http` server that admits requests (`Admission`) before anything of the platform sees
 * them: a refused request costs a fixed answer, not a fiber, a router and a body read. An
 * admitted request on a hot route is served there (`HotRoutes.ts`), any other by the platform.
 */
class AdmittingServer extends Server {
  private readonly admission: Admission | undefined
  private readonly refuse: (request: IncomingMessage, response: ServerResponse) => void
  private readonly hot: HotRoutes.HotRoutes["Type"]

  constructor(
    limits: Connections.ConnectionLimits,
    admission: AdmissionLimits | undefined,
    hot: HotRoutes.HotRoutes["Type"],
    capacityAnswer: CapacityAnswer | undefined
  ) {
    super(Connections.nodeOptions(limits))
    this.hot = hot
    this.admission = admission === undefined || admission.latencyTargetMs === 0 ? undefined : new Admission(admission)
    this.refuse = refusal(admission?.retryAfterSeconds ?? 1, capacityAnswer)
  }

  override emit(event: string, ...args: Array<unknown>): boolean {
    const admission = this.admission
    const [request, response] = args
    if (event !== "request" || !(request instanceof IncomingMessage) || !(response instanceof ServerResponse)) {
      return super.emit(event, ...args)
    }
    if (admission === undefined) return this.hot.serve(request, response) || super.emit(event, ...args)
    admission.offer(() => {
      const started = performance.now()
      response.once("close", () => admission.done(performance.now() - started))
      if (!this.hot.serve(request, response)) super.emit("request", request, response)
    }, () => this.refuse(request, response))
    return true
  }
}

/**
 * A Node `http` server whose own refusals — requests its parser rejects before any handler sees
 * them (a malformed request line, a framing it does not take, headers too large) — carry the
 * error envelope too, instead of Node's bare `400 Bad Request`.
 */
const envelopedServer = (
  limits: Connections.ConnectionLimits,
  admission: AdmissionLimits | undefined,
  hot: HotRoutes.HotRoutes["Type"],
  capacityAnswer: CapacityAnswer | undefined
): Server => {
  const server = new AdmittingServer(limits, admission, hot, capacityAnswer)
  server.maxConnections = limits.maxConnections
  server.on("clientError", (error: Error & { readonly code?: string }, socket: Duplex) => {
    // After a response has gone out on the socket (data after `Connection: close`, a reset)
    // there is no one left to answer: close, as Node itself does.
    const answering: unknown = Reflect.get(socket, "_httpMessage")
    const answered = typeof answering === "object" && answering !== null && Reflect.get(answering, "headersSent") === true
    // Bytes after a `Connection: close` request (a short content-length): the request itself is
    // being answered, and Node closes the socket after that answer.
    if (error.code === "HPE_CLOSED_CONNECTION" && socket.writable) return
    if (!socket.writable || answered || error.code === "ECONNRESET") return socket.destroy()
    const [status, reason, code] = error.code === "HPE_HEADER_OVERFLOW"
      ? [431, "Request Header Fields Too Large", "bad_request"]
      : error.code === "ERR_HTTP_REQUEST_TIMEOUT"
      ? [408, "Request Timeout", "bad_request"]
      : [400, "Bad Request", "bad_request"]
    const body = JSON.stringify({ status: "error", code, message: `the request could not be read (${error.code ?? error.message})` })
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`
    )
  })
  return server
}

/**
 * The server on a Node `http` server at `host:port`; logs its address, and offers the `HttpServer`
 * (its address). Connection limits that cannot work (`Connections.problem`) are a defect of the
 * embedder's configuration: `serve` checks them first and says which.
 */
export const layer = (options: ServerOptions) => {
  const limits = Connections.resolve(options.connections ?? {})
  const admission = options.admission === undefined ? undefined : resolveAdmission(options.admission)
  const hot = options.hotRoutes === false || options.traceRequests === true
    ? HotRoutes.none
    : HotRoutes.layer({ maxBodyBytes: options.maxBodyBytes ?? defaultMaxBodyBytes, logRequests: options.logRequests !== false })
  const nodeServer = Layer.unwrapEffect(Effect.map(HotRoutes.HotRoutes, (hotRoutes) =>
    NodeHttpServer.layer(() => envelopedServer(limits, admission, hotRoutes, options.capacityAnswer), { host: options.host, port: options.port })))
  return routes(options).pipe(HttpServer.withLogAddress, Layer.provideMerge(nodeServer), Layer.provideMerge(hot))
}
