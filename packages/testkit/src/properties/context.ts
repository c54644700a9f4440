/**
 * What every property module is given: the adapter under test, how many runs each property
 * makes, its timeout, and a way to run a case on a fresh ledger.
 */
import type { Ledger } from "@agentledger/domain"
import type { Effect, Layer } from "effect"

export interface PropertyContext<E> {
  readonly makeLayer: () => Layer.Layer<Ledger, E>
  /** `numRuns` for a property that makes `base` runs by default. */
  readonly runs: (base: number) => number
  /** Per-property timeout in milliseconds. */
  readonly timeout: number
  /** Runs one case on a fresh ledger. */
  readonly fresh: <A, E2>(effect: Effect.Effect<A, E2, Ledger>) => Effect.Effect<A, E | E2>
}
