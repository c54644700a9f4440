/** The handlers of `MaskingRoutes`: each calls one use case of the caller's session. */
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import { Effect } from "effect"
import { CurrentSession, LedgerApi } from "./Api.js"
import { ok } from "./Envelope.js"
import { mutation } from "./Mutation.js"

export const masking = HttpApiBuilder.group(LedgerApi, "masking", (handlers) =>
  handlers
    .handle("get", () => Effect.flatMap(CurrentSession, (s) => Effect.map(s.getMaskingPolicy(), ok)))
    .handle("update", ({ headers, payload }) =>
      Effect.flatMap(CurrentSession, (s) => Effect.map(s.updateMaskingPolicy(payload.details, mutation(headers, payload)), ok))))
