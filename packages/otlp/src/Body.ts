/**
 * From the bytes of a request to an export request: which encoding the `Content-Type` names,
 * whether the `Content-Encoding` is one the endpoint takes (gzip or none), the body unzipped
 * within the size limit, and decoded. Reading the bytes off the connection within the limit is
 * the route's (`Route.ts`); everything here is a function of the bytes and the two headers.
 */
import { Effect, Either } from "effect"
import { gunzip } from "node:zlib"
import type { Encoding } from "./Answer.js"
import { BodyTooLarge, MalformedRequest, UnsupportedMedia } from "./Errors.js"
import * as JsonDecode from "./json/Decode.js"
import type { Limits } from "./Limits.js"
import type { ExportRequest } from "./Model.js"
import * as ProtoDecode from "./proto/Decode.js"

/** The media type of a `Content-Type`, without its parameters (`; charset=utf-8`), lowercase. */
const mediaType = (contentType: string | undefined): string => (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? ""

const encodings: ReadonlyMap<string, Encoding> = new Map([
  ["application/x-protobuf", "protobuf"],
  ["application/protobuf", "protobuf"],
  ["application/json", "json"]
])

/** The encoding a `Content-Type` names, or the refusal (415) of any other. */
export const encodingOf = (contentType: string | undefined): Either.Either<Encoding, UnsupportedMedia> => {
  const encoding = encodings.get(mediaType(contentType))
  return encoding === undefined
    ? Either.left(new UnsupportedMedia({ message: `the Content-Type must be application/x-protobuf or application/json, not ${JSON.stringify(contentType ?? "")}` }))
    : Either.right(encoding)
}

/**
 * Whether the body is gzipped (`Content-Encoding: gzip`), as sent (none, `identity`), or in an
 * encoding the endpoint does not take (415): OTLP exporters offer gzip, and one (Python's) deflate.
 */
export const compressionOf = (contentEncoding: string | undefined): Either.Either<"gzip" | "none", UnsupportedMedia> => {
  const name = (contentEncoding ?? "").trim().toLowerCase()
  if (name === "" || name === "identity") return Either.right("none")
  if (name === "gzip" || name === "x-gzip") return Either.right("gzip")
  return Either.left(new UnsupportedMedia({ message: `the Content-Encoding must be gzip or none, not ${JSON.stringify(contentEncoding)}` }))
}

/** A gzipped body unzipped, refused (413) once its output passes `maxBytes`, or (400) when it is not gzip. */
export const gunzipped = (body: Uint8Array, maxBytes: number): Effect.Effect<Uint8Array, BodyTooLarge | MalformedRequest> =>
  Effect.async((resume) => {
    gunzip(body, { maxOutputLength: maxBytes }, (error, result) => {
      if (error === null) return resume(Effect.succeed(new Uint8Array(result.buffer, result.byteOffset, result.byteLength)))
      resume(
        Effect.fail(
          Reflect.get(error, "code") === "ERR_BUFFER_TOO_LARGE"
            ? new BodyTooLarge({ limit: maxBytes })
            : new MalformedRequest({ message: `the gzipped body cannot be unzipped: ${error.message}` })
        )
      )
    })
  })

/** Drops a leading byte-order mark, which `JSON.parse` refuses. */
const jsonText = new TextDecoder("utf-8")

/** Decodes a body (already unzipped) in its encoding. An empty body is a request without spans. */
export const decode = (encoding: Encoding, body: Uint8Array, limits: Limits): Either.Either<ExportRequest, MalformedRequest> => {
  if (encoding === "protobuf") return ProtoDecode.decode(body, limits)
  const text = jsonText.decode(body)
  return text.trim() === "" ? Either.right({ resourceSpans: [] }) : JsonDecode.decode(text, limits)
}

/** The whole step after reading: unzip when gzipped, check the size, decode. */
export const read = (
  encoding: Encoding,
  compression: "gzip" | "none",
  body: Uint8Array,
  limits: Limits
): Effect.Effect<ExportRequest, BodyTooLarge | MalformedRequest> => {
  if (body.length > limits.maxBodyBytes) return Effect.fail(new BodyTooLarge({ limit: limits.maxBodyBytes }))
  const plain = compression === "gzip" ? gunzipped(body, limits.maxBodyBytes) : Effect.succeed(body)
  return Effect.flatMap(plain, (bytes) => decode(encoding, bytes, limits))
}
