/**
 * Why a request of traces is refused whole. Each maps to one HTTP status and one gRPC code of
 * the `google.rpc.Status` the answer carries (`Answer.ts`); none of them is retried by an OTLP
 * exporter, as the specification asks of a client fault.
 */
import { Schema } from "effect"

/** The body cannot be decoded, or breaks a bound other than its size (400, `INVALID_ARGUMENT`). */
export class MalformedRequest extends Schema.TaggedError<MalformedRequest>()("MalformedRequest", {
  message: Schema.String
}) {}

/** The body, as sent or after gunzip, is larger than the limit (413, `RESOURCE_EXHAUSTED`). */
export class BodyTooLarge extends Schema.TaggedError<BodyTooLarge>()("BodyTooLarge", {
  limit: Schema.Number
}) {
  override get message(): string {
    return `the body exceeds the limit of ${this.limit} bytes`
  }
}

/** A content type or content encoding the endpoint does not speak (415, `INVALID_ARGUMENT`). */
export class UnsupportedMedia extends Schema.TaggedError<UnsupportedMedia>()("UnsupportedMedia", {
  message: Schema.String
}) {}

/** No credential, or one that does not authenticate (401, `UNAUTHENTICATED`). */
export class Unauthenticated extends Schema.TaggedError<Unauthenticated>()("Unauthenticated", {
  message: Schema.String
}) {}

export type Refusal = MalformedRequest | BodyTooLarge | UnsupportedMedia | Unauthenticated
