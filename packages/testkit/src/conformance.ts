/**
 * `ledgerConformance`: the whole suite, registered as vitest tests against a `Ledger` adapter.
 */
import type { Ledger } from "@agentledger/domain"
import { describe, it } from "@effect/vitest"
import { Effect, type Layer } from "effect"
import {
  concurrentAccountCreations,
  concurrentDeploymentCreation,
  concurrentFirstRuns,
  concurrentIdempotentCalls,
  concurrentSpans,
  concurrentTenants,
  defaultFibers,
  type Peers
} from "./concurrency.js"
import { exampleTests } from "./examples/index.js"
import { expectNoViolations } from "./harness.js"
import type { Report } from "./model.js"
import { propertyTests } from "./properties/index.js"
import { readTests } from "./reads.js"

export interface ConformanceOptions {
  /** Multiplies the number of runs of every property (on top of `AGENTLEDGER_DEEP`). */
  readonly runsFactor?: number
  /** Timeout of each property test, in milliseconds (default 300 000). */
  readonly timeout?: number
  /** Fibers per concurrency scenario (default 16). */
  readonly fibers?: number
}

/**
 * Registers the conformance suite for a `Ledger` adapter: example tests of every use case,
 * model-based and focused property tests of the invariants of docs/domain.md, and concurrent
 * interleavings.
 *
 * `ledger` builds the adapter: a function answering a fresh layer (preferred), or a layer,
 * which is then built anew for every test and every property run, so that no state leaks
 * between them.
 */
export const ledgerConformance = <E>(
  name: string,
  ledger: Layer.Layer<Ledger, E> | (() => Layer.Layer<Ledger, E>),
  options: ConformanceOptions = {}
): void => {
  const makeLayer = (): Layer.Layer<Ledger, E> => (typeof ledger === "function" ? ledger() : ledger)
  describe(`Ledger conformance: ${name}`, () => {
    describe("use cases", () => exampleTests(makeLayer))
    readTests(makeLayer)
    describe("properties", () => propertyTests(makeLayer, options))
    concurrencyTests(makeLayer, options)
  })
}

export interface ConcurrencyOptions {
  /** Fibers per scenario (default 16). */
  readonly fibers?: number
  /**
   * Further ledgers over the same store (what further server processes on one database are):
   * the racing fibers are spread over all of them.
   */
  readonly peers?: Peers<unknown>
}

/** Registers the concurrent scenarios as tests. */
export const concurrencyTests = <E>(makeLayer: () => Layer.Layer<Ledger, E>, options: ConcurrencyOptions = {}): void => {
  const fibers = options.fibers ?? defaultFibers
  const peers = options.peers ?? []
  const test = (
    name: string,
    run: (make: () => Layer.Layer<Ledger, E>, fibers: number, peers: Peers<unknown>) => Effect.Effect<Report, unknown>
  ) =>
    it.live(name, () =>
      Effect.map(run(makeLayer, fibers, peers), (report) => {
        expectNoViolations(report)
      }))
  describe("concurrency", () => {
    test("racing first runs with one content create one version, one schema version and one deployment", concurrentFirstRuns)
    test("racing creations of one deployment: exactly one succeeds; runs racing a creation share it", concurrentDeploymentCreation)
    test("racing calls with one idempotency key have one effect and one answer", concurrentIdempotentCalls)
    test("racing spans are each stored once; racing finishes finish once; termination racing spans stays consistent", concurrentSpans)
    test("two accounts writing at once never see each other", concurrentTenants)
    test("racing account creations with one idempotency key open one account", concurrentAccountCreations)
  })
}
