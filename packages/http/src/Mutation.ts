/** How a request names its idempotency key, for every handler that mutates (`Handlers`, `MaskingHandlers`, `HotRoutes`). */
import type { Commands } from "@agentledger/domain"

/** The idempotency key of a call: the body's `idempotency_key`, else the `Idempotency-Key` header. */
export const mutation = (
  headers: { readonly "idempotency-key"?: string | undefined },
  body?: { readonly idempotency_key?: string | undefined } | null
): Commands.MutationOptions => {
  const key = body?.idempotency_key ?? headers["idempotency-key"]
  return key === undefined ? {} : { idempotencyKey: key }
}
