/**
 * The two messages the endpoint answers with, in protobuf: `google.rpc.Status` (a refusal) and
 * `ExportTraceServiceResponse` (a success, whole or partial). A full success is the empty
 * response, zero bytes.
 */

const utf8 = new TextEncoder()

/** A varint of a non-negative integer below 2^53. */
const varint = (value: number): Array<number> => {
  const out: Array<number> = []
  let rest = value
  while (rest >= 0x80) {
    out.push((rest % 0x80) | 0x80)
    rest = Math.floor(rest / 0x80)
  }
  out.push(rest)
  return out
}

const lengthDelimited = (field: number, body: ReadonlyArray<number> | Uint8Array): Array<number> => [
  (field << 3) | 2,
  ...varint(body.length),
  ...body
]

/** `google.rpc.Status { int32 code = 1; string message = 2; }` (no details). */
export const status = (code: number, message: string): Uint8Array =>
  Uint8Array.from([...(code === 0 ? [] : [1 << 3, ...varint(code)]), ...(message === "" ? [] : lengthDelimited(2, utf8.encode(message)))])

/**
 * `ExportTraceServiceResponse { ExportTracePartialSuccess partial_success = 1; }` with
 * `ExportTracePartialSuccess { int64 rejected_spans = 1; string error_message = 2; }`.
 */
export const partialSuccess = (rejectedSpans: number, errorMessage: string): Uint8Array => {
  const inner = [...(rejectedSpans === 0 ? [] : [1 << 3, ...varint(rejectedSpans)]), ...(errorMessage === "" ? [] : lengthDelimited(2, utf8.encode(errorMessage)))]
  return Uint8Array.from(lengthDelimited(1, inner))
}
