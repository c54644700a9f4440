/**
 * `POST /v1/traces`, OTLP/HTTP's trace endpoint, on the server's router beside the API: the
 * request's encoding from its `Content-Type`, its bearer token authenticated before a byte of the
 * body is read, the body read within the limit (while it streams in, and again after gunzip),
 * decoded, planned and ingested, and every answer in the request's encoding (`Answer.ts`). A
 * client fault is a 4xx in OTLP's shape, never a 5xx; only a bug is a 500.
 */
import { Ledger, type LedgerSession } from "@agentledger/domain"
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { Effect, Either, type Layer, Stream } from "effect"
import * as Answer from "./Answer.js"
import * as Body from "./Body.js"
import { BodyTooLarge, MalformedRequest, type Refusal, Unauthenticated } from "./Errors.js"
import { ingest } from "./Ingest.js"
import * as Limits from "./Limits.js"
import { plan, refusalMessage } from "./Plan.js"

/** OTLP/HTTP's default path for traces. */
export const path = "/v1/traces"

export interface RouteOptions {
  /** The bounds of a request (`Limits.defaults` for any not given). */
  readonly limits?: Partial<Limits.Limits>
}

/** An answer as the platform's response. */
export const toResponse = (answer: Answer.Answer): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.uint8Array(answer.body, { status: answer.status, headers: answer.headers })

const bearer = "bearer "

/** The session of the request's bearer token, or its refusal. */
const authenticated = (ledger: Ledger["Type"], authorization: string | undefined): Effect.Effect<LedgerSession, Unauthenticated> => {
  if (authorization === undefined || !authorization.toLowerCase().startsWith(bearer)) {
    return Effect.fail(new Unauthenticated({ message: "an API token is required (Authorization: Bearer <token>)" }))
  }
  return ledger.authenticate(authorization.slice(bearer.length).trim()).pipe(
    Effect.mapError((error) => new Unauthenticated({ message: error.message }))
  )
}

/**
 * How far past the limit a body is still read (and dropped) before its answer: an exporter
 * writes its whole body before it reads the answer, and a connection closed under it is an error
 * it retries, where a 413 it reads is final. Past this much, the connection is closed.
 */
const drainFactor = 4

/**
 * The body's bytes, read within `maxBytes` as they arrive: a declared length over it is refused
 * at once; a body that streams past it is refused once read (up to `drainFactor` times the limit).
 */
const bodyOf = (request: HttpServerRequest.HttpServerRequest, maxBytes: number): Effect.Effect<Uint8Array, BodyTooLarge | MalformedRequest> => {
  const declared = Number(request.headers["content-length"] ?? "0")
  if (declared > maxBytes) return Effect.fail(new BodyTooLarge({ limit: maxBytes }))
  const chunks: Array<Uint8Array> = []
  let size = 0
  return request.stream.pipe(
    Stream.runForEachWhile((chunk) =>
      Effect.sync(() => {
        size += chunk.length
        if (size <= maxBytes) chunks.push(chunk)
        return size <= maxBytes * drainFactor
      })
    ),
    Effect.mapError(() => new MalformedRequest({ message: "the body could not be read" })),
    Effect.flatMap(() => (size > maxBytes ? Effect.fail(new BodyTooLarge({ limit: maxBytes })) : Effect.sync(() => concat(chunks, size))))
  )
}

const concat = (chunks: ReadonlyArray<Uint8Array>, size: number): Uint8Array => {
  if (chunks.length === 1 && chunks[0] !== undefined) return chunks[0]
  const out = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    out.set(chunk, offset)
    offset += chunk.length
  }
  return out
}

/** The handler of `POST /v1/traces`, for a `Ledger`. */
export const handler = (ledger: Ledger["Type"], limits: Limits.Limits) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const encoding = Body.encodingOf(request.headers["content-type"])
    // Before the encoding is known, a refusal speaks JSON.
    const answerIn = Either.getOrElse(encoding, () => "json" as const)
    if (request.method !== "POST") {
      return Answer.status(answerIn, 405, Answer.grpc.invalidArgument, `${path} takes POST only`, { allow: "POST" })
    }
    const refuse = (error: Refusal) => Answer.refusal(answerIn, error)
    if (Either.isLeft(encoding)) return refuse(encoding.left)
    const session = yield* Effect.either(authenticated(ledger, request.headers["authorization"]))
    if (Either.isLeft(session)) return refuse(session.left)
    const compression = Body.compressionOf(request.headers["content-encoding"])
    if (Either.isLeft(compression)) return refuse(compression.left)
    const decoded = yield* Effect.either(
      Effect.flatMap(bodyOf(request, limits.maxBodyBytes), (body) => Body.read(encoding.right, compression.right, body, limits))
    )
    if (Either.isLeft(decoded)) return refuse(decoded.left)
    const outcome = yield* ingest(session.right, plan(decoded.right))
    // Warnings alone are a partial success of no rejected span, as OTLP lets a server say them.
    return outcome.refused.length === 0 && outcome.warnings.length === 0
      ? Answer.success(encoding.right)
      : Answer.partialSuccess(encoding.right, outcome.refused.length, refusalMessage(outcome.refused, outcome.warnings))
  }).pipe(Effect.map(toResponse))

/**
 * The endpoint on the contract's router (`HttpApiBuilder.Router`), as the console is mounted:
 * provide it to the server's layer. Needs the `Ledger`.
 */
export const layer = (options: RouteOptions = {}): Layer.Layer<never, never, Ledger> =>
  HttpApiBuilder.Router.use((router) =>
    Effect.gen(function*() {
      const ledger = yield* Ledger
      const limits = Limits.resolve(options.limits)
      yield* router.all(path, handler(ledger, limits))
    })
  )

/**
 * The answer of a server at capacity to a request for this endpoint, in the request's encoding
 * (`google.rpc.Status`, code 14, with `Retry-After`), or undefined for any other path: what the
 * server's admission control answers here instead of the API's envelope.
 */
export const capacityAnswer = (retryAfterSeconds: number) => (url: string, contentType: string | undefined): Answer.Answer | undefined =>
  url.split("?")[0] === path ? Answer.unavailable(Either.getOrElse(Body.encodingOf(contentType), () => "json" as const), retryAfterSeconds) : undefined
