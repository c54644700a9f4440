/**
 * The endpoint's answers as data — a status, headers and the body bytes — in the request's
 * encoding, as OTLP/HTTP asks: a full success is `200` with the empty response (no bytes in
 * protobuf, `{}` in JSON); spans refused one by one are `200` with `partial_success` (the
 * exporter must not retry them); a refusal of the whole request is a 4xx with a
 * `google.rpc.Status`; a server at capacity is `503` with `Retry-After`, which exporters retry.
 */
import type { Refusal } from "./Errors.js"
import * as Encode from "./proto/Encode.js"

/** The two encodings of OTLP/HTTP. */
export type Encoding = "protobuf" | "json"

export const contentTypes: Readonly<Record<Encoding, string>> = {
  protobuf: "application/x-protobuf",
  json: "application/json"
}

export interface Answer {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: Uint8Array
}

/** The gRPC codes a `google.rpc.Status` carries (the specification does not require them; clients log them). */
export const grpc = {
  invalidArgument: 3,
  resourceExhausted: 8,
  unavailable: 14,
  unauthenticated: 16
} as const

const utf8 = new TextEncoder()

const answer = (encoding: Encoding, status: number, body: Uint8Array, headers: Readonly<Record<string, string>> = {}): Answer => ({
  status,
  headers: { "content-type": contentTypes[encoding], ...headers },
  body
})

/** Every span was taken (or had been already). */
export const success = (encoding: Encoding): Answer =>
  answer(encoding, 200, encoding === "protobuf" ? new Uint8Array(0) : utf8.encode("{}"))

/** Some spans were refused, each for a reason the message sums up; the rest were taken. */
export const partialSuccess = (encoding: Encoding, rejectedSpans: number, errorMessage: string): Answer =>
  answer(
    encoding,
    200,
    encoding === "protobuf"
      ? Encode.partialSuccess(rejectedSpans, errorMessage)
      : utf8.encode(JSON.stringify({ partialSuccess: { rejectedSpans: String(rejectedSpans), errorMessage } }))
  )

/** A `google.rpc.Status` answer. */
export const status = (encoding: Encoding, httpStatus: number, code: number, message: string, headers: Readonly<Record<string, string>> = {}): Answer =>
  answer(encoding, httpStatus, encoding === "protobuf" ? Encode.status(code, message) : utf8.encode(JSON.stringify({ code, message })), headers)

const statuses: { readonly [T in Refusal["_tag"]]: readonly [number, number] } = {
  MalformedRequest: [400, grpc.invalidArgument],
  BodyTooLarge: [413, grpc.resourceExhausted],
  UnsupportedMedia: [415, grpc.invalidArgument],
  Unauthenticated: [401, grpc.unauthenticated]
}

/** The answer to a request refused whole. */
export const refusal = (encoding: Encoding, error: Refusal): Answer => {
  const [httpStatus, code] = statuses[error._tag]
  return status(encoding, httpStatus, code, error.message)
}

/** The answer of a server at capacity: retried by exporters after `Retry-After` seconds. */
export const unavailable = (encoding: Encoding, retryAfterSeconds: number): Answer =>
  status(encoding, 503, grpc.unavailable, "the server is at capacity; retry after the time in Retry-After", {
    "retry-after": String(retryAfterSeconds)
  })
