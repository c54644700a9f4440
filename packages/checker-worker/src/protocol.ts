/**
 * The messages between the pool and its worker threads. Values cross by structured clone.
 */
import type { Conformance } from "@agentledger/domain"

export type Request =
  | { readonly id: number; readonly kind: "compile"; readonly definition: unknown }
  | { readonly id: number; readonly kind: "check"; readonly definition: unknown; readonly value: unknown; readonly target: "payload" | "result" }

export type Response =
  | { readonly id: number; readonly kind: "compile"; readonly portable: Conformance.PortableDefinition }
  | { readonly id: number; readonly kind: "check"; readonly verdict: Conformance.Verdict }

/** What a thread says once it has loaded and can take messages. */
export interface Ready {
  readonly kind: "ready"
}

/** A request before the pool numbers it. */
export type Message = Request extends infer R ? R extends Request ? Omit<R, "id"> : never : never
