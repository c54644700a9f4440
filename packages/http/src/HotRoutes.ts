/**
 * The two routes a reporting SDK calls once per span — `POST /api/v1/agent_spans` and
 * `POST /api/v1/agent_spans/{id}/finish` — served on Node's own request, beside the platform.
 *
 * Why: on these routes the platform's per-request machinery (its request and response wrappers,
 * the router, the middleware stack, a fiber per layer, the edge's checks and then the route's
 * same checks again) cost more than recording the span. Here a request is one fiber: the
 * credential, the body, the contract's schemas, one use case, one answer — with its run's
 * `control` (`NewerWire.SpanAnswer`), as the platform's routes answer it.
 *
 * Why it cannot drift from the contract: it decodes and encodes with the contract's own schemas
 * (`Api.SpanRoutes`), answers failures with the same values as the platform's edge
 * (`Refusals.ts`), and takes only the plain form of a request — exactly these paths, no query, a
 * decimal `Content-Length` within the limit, a JSON (or absent) `Content-Type`, a `Bearer`
 * credential. Anything else goes to the platform untouched, so every unusual request has one
 * answerer. `test/http-hot-routes.test.ts` sends the same requests, hostile ones included, to a
 * server with and without these routes and finds the same answers.
 */
import { Json, Ledger, type LedgerSession } from "@agentledger/domain"
import { HttpApiDecodeError } from "@effect/platform/HttpApiError"
import { Cause, Context, Effect, Exit, type Fiber, Layer, type ParseResult, Runtime, Schema } from "effect"
import type { IncomingMessage, ServerResponse } from "node:http"
import { SpanRoutes } from "./Api.js"
import { defaultFinishSpan, mutation } from "./Handlers.js"
import { spanAnswer } from "./NewerWire.js"
import * as Refusals from "./Refusals.js"

/** The hot routes of a server. */
export class HotRoutes extends Context.Tag("@agentledger/http/HotRoutes")<HotRoutes, {
  /** Serves a request on a hot route in its plain form; false leaves it to the platform. */
  readonly serve: (request: IncomingMessage, response: ServerResponse) => boolean
  /** How many requests they have taken so far (the rest went to the platform). */
  readonly served: () => number
}>() {}

export interface HotRoutesOptions {
  readonly maxBodyBytes: number
  /** One log line per answered request, as the platform's request logger writes it. */
  readonly logRequests: boolean
}

type Route =
  | { readonly _tag: "create" }
  | { readonly _tag: "finish"; readonly id: string }

const finishPrefix = `${SpanRoutes.createPath}/`
const finishSuffix = "/finish"
/** Ids the router would hand over unchanged: no escapes, no dots, no slashes. */
const plainId = /^[A-Za-z0-9_-]{1,200}$/

const routeOf = (url: string | undefined): Route | undefined => {
  if (url === SpanRoutes.createPath) return { _tag: "create" }
  if (url === undefined || !url.startsWith(finishPrefix) || !url.endsWith(finishSuffix)) return undefined
  const id = url.slice(finishPrefix.length, url.length - finishSuffix.length)
  return plainId.test(id) ? { _tag: "finish", id } : undefined
}

/** A plain decimal `Content-Length` (no chunked body), else undefined. */
const declaredLength = (request: IncomingMessage): number | undefined => {
  const length = request.headers["content-length"]
  if (length === undefined || request.headers["transfer-encoding"] !== undefined || !/^\d{1,12}$/.test(length)) return undefined
  return Number(length)
}

const bearerPrefix = "Bearer "

/** Why a request ended before its use case: an answer the edge gives. */
class Refused extends Schema.TaggedError<Refused>()("Refused", { status: Schema.Number, body: Schema.Unknown }) {}

const refuse = (answer: Refusals.Answer) => new Refused(answer)

/** The body as text, as the platform reads it (UTF-8, decoded across chunks). */
const readBody = (request: IncomingMessage): Effect.Effect<string, Refused> =>
  Effect.async<string, Refused>((resume) => {
    let text = ""
    request.setEncoding("utf8")
    request.on("data", (chunk: string) => {
      text += chunk
    })
    request.once("end", () => resume(Effect.succeed(text)))
    request.once("error", () => resume(Effect.fail(refuse(Refusals.notJsonBody))))
  })

const parseJson = (text: string): Effect.Effect<unknown, Refused> =>
  Effect.try({ try: (): unknown => (text === "" ? null : JSON.parse(text)), catch: () => refuse(Refusals.notJsonBody) })

/** A contract decode failure as the platform words it. */
const shapeRefused = (error: ParseResult.ParseError): Effect.Effect<never, Refused> =>
  Effect.flatMap(HttpApiDecodeError.fromParseError(error), (decode) => Effect.fail(refuse(Refusals.invalidShape(decode))))

const decodeCreate = Schema.decodeUnknown(SpanRoutes.createBody)
const decodeFinish = Schema.decodeUnknown(SpanRoutes.finishBody)
const decodeParams = Schema.decodeUnknown(SpanRoutes.finishParams)
const decodeHeaders = Schema.decodeUnknown(SpanRoutes.headers)
const encodeAnswer = Schema.encode(SpanRoutes.answer)

const write = (response: ServerResponse, answer: Refusals.Answer): void => {
  if (response.writableEnded) return
  const body = JSON.stringify(answer.body)
  response.writeHead(answer.status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
    "cache-control": "no-store"
  })
  response.end(body)
}

/** The hot routes over the `Ledger`, in the runtime that builds them (its logger, its services). */
export const make = (options: HotRoutesOptions): Effect.Effect<HotRoutes["Type"], never, Ledger> =>
  Effect.gen(function*() {
    const ledger = yield* Ledger
    const runFork = Runtime.runFork(yield* Effect.runtime<never>())
    let logged = 0
    let served = 0

    /** After the credential and the body: the route's own decoding and its one use case. */
    const answer = (route: Route, session: LedgerSession, request: IncomingMessage, text: string) =>
      Effect.gen(function*() {
        if (Json.textExceedsDepth(text)) return yield* Effect.fail(refuse(Refusals.tooDeep))
        if (route._tag === "create") {
          const json = yield* parseJson(text)
          const body = yield* decodeCreate(json)
          const headers = yield* decodeHeaders(request.headers)
          const reply = yield* session.recordSpanWithControl(body.details, mutation(headers, body))
          return { status: SpanRoutes.created, body: yield* encodeAnswer(spanAnswer(reply)) }
        }
        const params = yield* decodeParams({ id: route.id })
        const json = yield* parseJson(text)
        const body = yield* decodeFinish(json)
        const headers = yield* decodeHeaders(request.headers)
        const reply = yield* session.finishSpanWithControl(params.id, body ?? defaultFinishSpan, mutation(headers, body))
        return { status: SpanRoutes.finished, body: yield* encodeAnswer(spanAnswer(reply)) }
      }).pipe(Effect.catchTag("ParseError", shapeRefused))

    const exchange = (route: Route, secret: string, request: IncomingMessage): Effect.Effect<Refusals.Answer> =>
      ledger.authenticate(secret).pipe(
        Effect.mapError((refusal) => refuse(Refusals.unauthorized(refusal.message))),
        Effect.flatMap((session) => Effect.flatMap(readBody(request), (text) => answer(route, session, request, text))),
        Effect.catchAll((failure): Effect.Effect<Refusals.Answer> =>
          failure._tag === "Refused" ? Effect.succeed({ status: failure.status, body: failure.body }) : Effect.succeed(Refusals.domain(failure))
        ),
        Effect.catchAllCause((cause) =>
          Cause.isInterruptedOnly(cause)
            ? Effect.failCause(cause)
            : Effect.as(Effect.logError("request failed with a defect", cause), Refusals.internal)
        )
      )

    const logLine = (request: IncomingMessage, status: number) =>
      Effect.log("Sent HTTP response").pipe(
        Effect.annotateLogs({ "http.method": request.method ?? "", "http.url": request.url ?? "", "http.status": status }),
        Effect.withLogSpan(`http.span.${++logged}`)
      )

    const serve = (request: IncomingMessage, response: ServerResponse): boolean => {
      if (request.method !== "POST") return false
      const route = routeOf(request.url)
      if (route === undefined) return false
      const length = declaredLength(request)
      if (length === undefined || length > options.maxBodyBytes) return false
      if (!Refusals.isJsonType(request.headers["content-type"])) return false
      const authorization = request.headers.authorization
      if (authorization === undefined || !authorization.startsWith(bearerPrefix)) return false
      served += 1
      const program = exchange(route, authorization.slice(bearerPrefix.length), request).pipe(
        Effect.tap((answer) => {
          write(response, answer)
          return options.logRequests ? logLine(request, answer.status) : Effect.void
        })
      )
      const fiber: Fiber.RuntimeFiber<Refusals.Answer> = runFork(program)
      response.once("close", () => {
        // The client went away before its answer: stop its work, as the platform does.
        if (!response.writableEnded) fiber.unsafeInterruptAsFork(fiber.id())
      })
      fiber.addObserver((exit) => {
        if (Exit.isFailure(exit) && !Cause.isInterruptedOnly(exit.cause)) write(response, Refusals.internal)
      })
      return true
    }

    return { serve, served: () => served }
  })

/** The hot routes over the `Ledger`. */
export const layer = (options: HotRoutesOptions): Layer.Layer<HotRoutes, never, Ledger> => Layer.effect(HotRoutes, make(options))

/** No hot routes: every request goes to the platform. */
export const none: Layer.Layer<HotRoutes> = Layer.succeed(HotRoutes, { serve: () => false, served: () => 0 })
