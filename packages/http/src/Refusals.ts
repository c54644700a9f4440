/**
 * The answers the server gives before a handler runs — an unreadable body, a body nested too deep,
 * a request whose shape breaks the contract, a missing credential — and the domain's failures, as
 * plain data: a status and an envelope. The platform's edge (`Server.ts`) and the hot span routes
 * (`HotRoutes.ts`) write these same values, so a client cannot tell which of the two answered.
 */
import { Json } from "@agentledger/domain"
import * as HttpApiSchema from "@effect/platform/HttpApiSchema"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import type { HttpApiDecodeError } from "@effect/platform/HttpApiError"
import { Either, Schema } from "effect"
import {
  ConflictError,
  type DomainError,
  InvalidActionError,
  InvalidInputError,
  NotFoundError,
  NotPermittedError,
  UnauthenticatedError
} from "./ApiError.js"
import * as Bounded from "./Bounded.js"

/**
 * Whether a body's declared type is JSON, as the platform reads it: no type (or an empty one) is
 * JSON; otherwise it must say `application/json`. The platform would decode a form, multipart or
 * binary body into a value that can pass a lenient body schema; the API speaks JSON only.
 */
export const isJsonType = (type: string | undefined): boolean =>
  type === undefined || type.trim() === "" || type.toLowerCase().includes("application/json")

/** An answer as data: its status and the JSON body to send. */
export interface Answer {
  readonly status: number
  readonly body: unknown
}

/** The codes of failures that happen before a handler runs. */
export type TransportCode =
  | "bad_request"
  | "validation_errors"
  | "not_found"
  | "payload_too_large"
  | "unsupported_media_type"
  | "internal_error"
  | "unauthorized"

/** An error envelope for a failure outside the domain: unreadable body, unknown route, too large. */
export const transport = (
  status: number,
  code: TransportCode,
  message: string,
  errors?: Readonly<Record<string, ReadonlyArray<string>>>
): Answer => ({ status, body: errors === undefined ? { status: "error", code, message } : { status: "error", code, message, errors } })

export const notJsonBody: Answer = transport(400, "bad_request", "the body is not valid JSON")

export const tooDeep: Answer = transport(400, "bad_request", `the body nests deeper than ${Json.maxDepth} levels`)

export const internal: Answer = transport(500, "internal_error", "the server failed; the failure is logged")

/** A refused credential (401), its message bounded: it may echo what the client sent. */
export const unauthorized = (message: string): Answer =>
  transport(401, "unauthorized", Bounded.text(message, Bounded.maxMessage))

/** The schema failure as field errors; `Bounded.envelope` keeps the first few. */
const issuesByField = (error: HttpApiDecodeError): Record<string, Array<string>> => {
  const errors: Record<string, Array<string>> = {}
  for (const issue of error.issues) {
    const field = issue.path.length === 0 ? "body" : issue.path.map(String).join(".")
    const messages = Object.hasOwn(errors, field) ? errors[field] ?? [] : []
    messages.push(issue.message)
    // Own property even for a field named `__proto__`: a plain assignment would set the prototype.
    Object.defineProperty(errors, field, { value: messages, enumerable: true, writable: true, configurable: true })
  }
  return errors
}

/** A request-shape failure as a 400 of bounded size. */
export const invalidShape = (error: HttpApiDecodeError): Answer => {
  const bounded = Bounded.envelope(error.message, issuesByField(error))
  return transport(400, "validation_errors", bounded.message, bounded.errors)
}

/** A declared error as an answer to what it takes (undefined for what it does not). */
const encoderOf = <A, I>(schema: Schema.Schema<A, I>) => {
  const takes = Schema.is(Schema.typeSchema(schema))
  const encode = Schema.encodeEither(schema)
  const status = HttpApiSchema.getStatusErrorAST(schema.ast)
  return (error: unknown): Answer | undefined => {
    if (!takes(error)) return undefined
    const body = encode(error)
    return Either.isRight(body) ? { status, body: body.right } : internal
  }
}

/** Each domain failure's encoder and status, as the contract declares them, in its order. */
const domainEncoders = [
  encoderOf(InvalidInputError),
  encoderOf(NotFoundError),
  encoderOf(InvalidActionError),
  encoderOf(ConflictError),
  encoderOf(UnauthenticatedError),
  encoderOf(NotPermittedError)
]

/**
 * A domain failure as the contract encodes it: the first declared error that takes it, as the
 * platform's union of error schemas picks it. None is a bug (every `DomainError` is declared).
 */
export const domain = (error: DomainError): Answer => {
  for (const encoder of domainEncoders) {
    const answer = encoder(error)
    if (answer !== undefined) return answer
  }
  return internal
}

/** The answer as the platform's response. */
export const toResponse = (answer: Answer): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.unsafeJson(answer.body, { status: answer.status })
