/**
 * The evidence exports over HTTP (`ExportRoute.ts`), for the client's `LedgerSession`. The
 * client derived from the contract reads a body whole before it answers; an export's body is
 * read as it arrives instead, so a client holds no more of a long run than the server does. A
 * failure before the body (the status and the error envelope) is the domain's failure, as every
 * other call of the client reports it; a body cut short is a transport failure, a defect.
 */
import { type Export, InvalidInput, type LedgerSession, NotFound } from "@agentledger/domain"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { DateTime, Effect, Schema, Stream } from "effect"
import { DomainErrors } from "./ApiError.js"
import { exportPaths } from "./ExportRoute.js"

const decodeFailure = Schema.decodeUnknown(Schema.Union(...DomainErrors))

/** The body as text as it arrives, or the failure its error envelope names. */
const streamed = <E>(
  response: HttpClientResponse.HttpClientResponse,
  declared: (error: unknown) => error is E
): Effect.Effect<Stream.Stream<string>, E> =>
  response.status === 200
    ? Effect.succeed(response.stream.pipe(Stream.decodeText(), Stream.orDie))
    : response.json.pipe(
      Effect.flatMap(decodeFailure),
      Effect.orDie,
      Effect.flatMap((error) => (declared(error) ? Effect.fail(error) : Effect.die(error)))
    )

const isNotFound = (error: unknown): error is NotFound => error instanceof NotFound

const isRangeFailure = (error: unknown): error is NotFound | InvalidInput => error instanceof NotFound || error instanceof InvalidInput

/** The range as the route's query. */
const rangeQuery = (range: Export.RunRange): ReadonlyArray<readonly [string, string]> => {
  const query: Array<readonly [string, string]> = []
  if (range.started_after !== undefined) query.push(["started_after", DateTime.formatIso(range.started_after)])
  if (range.started_before !== undefined) query.push(["started_before", DateTime.formatIso(range.started_before)])
  return query
}

/** The two exports of a session whose token is `token`, on the server at `baseUrl`. */
export const exports = (client: HttpClient.HttpClient, baseUrl: string, token: string): Pick<LedgerSession, "exportRun" | "exportAgentRuns"> => {
  const get = (path: string, query: ReadonlyArray<readonly [string, string]> = []) =>
    client.execute(
      HttpClientRequest.get(`${baseUrl}/api/v1${path}`).pipe(HttpClientRequest.bearerToken(token), HttpClientRequest.setUrlParams(query))
    ).pipe(Effect.orDie)
  return {
    exportRun: (id) => Effect.flatMap(get(exportPaths.run(id)), (response) => streamed(response, isNotFound)),
    exportAgentRuns: (id, range) => Effect.flatMap(get(exportPaths.agentRuns(id), rangeQuery(range)), (response) => streamed(response, isRangeFailure))
  }
}
