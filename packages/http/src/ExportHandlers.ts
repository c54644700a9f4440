/**
 * The handlers of the evidence exports: each asks the caller's session for the export — whose
 * failures before the body (not found, a bad range) are answered by the contract's error
 * envelopes — and pipes its pieces of text to the response as they come, under the platform's
 * back-pressure (a slow reader slows the reads, it does not grow the memory).
 *
 * A failure after the first byte cannot change the status any more. The platform would then end
 * the response as if it were whole, and an NDJSON stream cut between two lines would look
 * complete; so the connection is destroyed instead, and the client sees a body cut short.
 */
import type { LedgerSession } from "@agentledger/domain"
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import type * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as NodeHttpServerRequest from "@effect/platform-node/NodeHttpServerRequest"
import { Effect, Stream } from "effect"
import { ServerResponse } from "node:http"
import { CurrentSession, LedgerApi } from "./Api.js"
import { mediaTypes } from "./ExportRoute.js"

/** Destroys the request's connection: how an HTTP/1.1 body says it did not end. */
const abort = (request: HttpServerRequest.HttpServerRequest): Effect.Effect<void> =>
  Effect.sync(() => {
    const response: unknown = NodeHttpServerRequest.toServerResponse(request)
    if (response instanceof ServerResponse) response.destroy()
  })

/** A streamed body of text; a failure part way aborts the connection. */
const body = <E>(request: HttpServerRequest.HttpServerRequest, pieces: Stream.Stream<string, E>, contentType: string, filename: string) =>
  HttpServerResponse.stream(Stream.encodeText(Stream.onError(pieces, () => abort(request))), {
    contentType,
    headers: { "content-disposition": `attachment; filename="${filename}"` }
  })

const withSession = <A, E>(use: (session: LedgerSession) => Effect.Effect<A, E>) => Effect.flatMap(CurrentSession, use)

export const layer = HttpApiBuilder.group(LedgerApi, "export", (handlers) =>
  handlers
    .handleRaw("run", ({ path, request }) =>
      withSession((s) => Effect.map(s.exportRun(path.id), (pieces) => body(request, pieces, mediaTypes.run, `${path.id}.json`))))
    .handleRaw("agentRuns", ({ path, request, urlParams }) =>
      withSession((s) =>
        Effect.map(s.exportAgentRuns(path.id, urlParams), (pieces) => body(request, pieces, mediaTypes.agentRuns, `${path.id}.ndjson`)))))
