/**
 * The handlers of `ErasureRoutes.ts`: each calls one use case of the caller's session and wraps
 * its answer in the envelope.
 */
import type { LedgerSession } from "@agentledger/domain"
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import { Effect } from "effect"
import { CurrentSession, LedgerApi } from "./Api.js"
import { ok } from "./Envelope.js"

const withSession = <A, E>(use: (session: LedgerSession) => Effect.Effect<A, E>): Effect.Effect<A, E, CurrentSession> =>
  Effect.flatMap(CurrentSession, use)

/** The key of a call: the body's `idempotency_key`, else the `Idempotency-Key` header. */
const keyOf = (
  headers: { readonly "idempotency-key"?: string | undefined },
  body?: { readonly idempotency_key?: string | undefined } | null
) => {
  const key = body?.idempotency_key ?? headers["idempotency-key"]
  return key === undefined ? {} : { idempotencyKey: key }
}

export const erasure = HttpApiBuilder.group(LedgerApi, "erasure", (handlers) =>
  handlers
    .handle("deleteRun", ({ headers, path }) => withSession((s) => Effect.map(s.deleteRun(path.id, keyOf(headers)), ok)))
    .handle("redactRun", ({ headers, path, payload }) => withSession((s) => Effect.map(s.redactRun(path.id, keyOf(headers, payload)), ok)))
    .handle("eraseRuns", ({ path, payload }) => withSession((s) => Effect.map(s.eraseRuns(path.id, payload), ok)))
    .handle("getRetentionPolicy", () => withSession((s) => Effect.map(s.getRetentionPolicy(), ok)))
    .handle("updateRetentionPolicy", ({ headers, payload }) =>
      withSession((s) => Effect.map(s.updateRetentionPolicy(payload.details, keyOf(headers, payload)), ok))))
