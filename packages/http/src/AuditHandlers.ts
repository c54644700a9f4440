/** The audit log's handlers: each calls one use case of the caller's session (`AuditRoute.ts`). */
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import { Effect } from "effect"
import { CurrentSession, LedgerApi } from "./Api.js"
import { ok, summaries } from "./Envelope.js"
import { listRequest } from "./Queries.js"

export const auditHandlers = HttpApiBuilder.group(LedgerApi, "audit", (handlers) =>
  handlers
    .handle("list", ({ urlParams }) =>
      Effect.flatMap(CurrentSession, (s) => Effect.map(s.listAuditEvents({ ...urlParams, ...listRequest(urlParams) }), summaries)))
    .handle("verify", () => Effect.flatMap(CurrentSession, (s) => Effect.map(s.verifyAuditChain(), ok))))
