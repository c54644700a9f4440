/**
 * Who reported a run: the wire protocol its registration came in by, and the SDK the client says
 * it is (`X-Prefactor-SDK: @prefactor/langchain@0.3.0 @prefactor/core@0.4.3`, space-separated
 * `package@version` entries, upstream first). Stamped at registration, shown with the run.
 *
 * The protocol is the adapter's word (the route the registration reached); the SDK is the
 * client's, so it is kept as text to show and nothing more: never read to decide, bounded, and
 * reduced to visible ASCII words so that it cannot carry control characters or a second line into
 * a log (a page shows it as text). A run registered by a caller that names no protocol (an
 * embedding service calling the `Ledger` directly) reports none.
 */
import { Schema } from "effect"

/** The wire protocols a run can be reported by: the Prefactor API, or OpenTelemetry (OTLP). */
export const ReportingProtocol = Schema.Literal("prefactor", "otlp")
export type ReportingProtocol = typeof ReportingProtocol.Type

/** What a run records of its reporter. */
export const ReportedBy = Schema.Struct({
  protocol: ReportingProtocol,
  /** The SDK as the client named it (`sdkOf`), or null when it named none. */
  sdk: Schema.NullOr(Schema.String)
}).annotations({ identifier: "ReportedBy" })
export type ReportedBy = typeof ReportedBy.Type

/** What an adapter passes at registration: its protocol, and the client's SDK text as received. */
export interface ReporterClaim {
  readonly protocol: ReportingProtocol
  readonly sdk?: string | null | undefined
}

/** The longest SDK text a run keeps; longer text is cut at an entry's end where it can be. */
export const maxSdkLength = 200

/** Runs of anything but visible ASCII: whitespace, control characters, anything outside ASCII. */
const unprintable = /[^\x21-\x7e]+/g

/**
 * The SDK text to keep: visible ASCII words separated by single spaces, at most `maxSdkLength`
 * characters (an entry cut short is dropped when another fits), or null when nothing is left.
 */
export const sdkOf = (text: string | null | undefined): string | null => {
  if (text === null || text === undefined) return null
  // Bounded before the scan: a header is at most the server's header limit, but need not be read whole.
  const words = text.slice(0, maxSdkLength * 4).replace(unprintable, " ").trim()
  if (words.length <= maxSdkLength) return words.length === 0 ? null : words
  const cut = words.slice(0, maxSdkLength + 1)
  const lastSpace = cut.lastIndexOf(" ")
  return lastSpace > 0 ? cut.slice(0, lastSpace) : cut.slice(0, maxSdkLength)
}

/** The reporter a run records for an adapter's claim (none when the caller made none). */
export const reportedBy = (claim: ReporterClaim | undefined): ReportedBy | null =>
  claim === undefined ? null : { protocol: claim.protocol, sdk: sdkOf(claim.sdk) }
