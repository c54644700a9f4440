/**
 * How a request names its idempotency key, for every handler that mutates (`Handlers`,
 * `MaskingHandlers`, `HotRoutes`), and who reports a run it registers.
 */
import type { Commands } from "@agentledger/domain"

/** The idempotency key of a call: the body's `idempotency_key`, else the `Idempotency-Key` header. */
export const mutation = (
  headers: { readonly "idempotency-key"?: string | undefined },
  body?: { readonly idempotency_key?: string | undefined } | null
): Commands.MutationOptions => {
  const key = body?.idempotency_key ?? headers["idempotency-key"]
  return key === undefined ? {} : { idempotencyKey: key }
}

/**
 * A registration's options: its key, and its reporter — the Prefactor API (the route it reached)
 * and the SDK its `X-Prefactor-SDK` header names, as sent (the domain bounds and cleans it).
 */
export const registration = (
  headers: { readonly "idempotency-key"?: string | undefined; readonly "x-prefactor-sdk"?: string | undefined },
  body?: { readonly idempotency_key?: string | undefined } | null
): Commands.RegisterOptions => ({ ...mutation(headers, body), reportedBy: { protocol: "prefactor", sdk: headers["x-prefactor-sdk"] } })
