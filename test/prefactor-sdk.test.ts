/**
 * The real, unmodified `@prefactor/core@0.2.9` SDK against agentledger's HTTP server, on the
 * in-memory store and on PGlite. Each run goes SDK → recording proxy → server, so the tests see
 * both what the server answered on the wire (the SDK's protocol: docs/http.md) and what it stored, read back through the API with the account token.
 * `SDK_WIRE_DEBUG=1` prints each run's exchanges and the SDK's error logs.
 *
 * The tests are in test/prefactor-sdk/, one module per concern (recording runs, risk, a failing
 * wire, a run terminated mid-stream); they run from this one file so that each store's server — PGlite's takes seconds to
 * start — is started once for all of them.
 */
import type { LedgerStore } from "@agentledger/domain"
import { MemoryStore } from "@agentledger/store-memory"
import { PgStore } from "@agentledger/store-postgres"
import type { Layer } from "effect"
import { describe } from "vitest"
import { sdkTarget } from "./support/sdk/target.js"
import { failingWire } from "./prefactor-sdk/failures.js"
import { recordingRuns } from "./prefactor-sdk/recording.js"
import { scoringRisk } from "./prefactor-sdk/risk.js"
import { terminatingRuns } from "./prefactor-sdk/termination.js"

const stores: ReadonlyArray<readonly [string, () => Layer.Layer<LedgerStore>]> = [
  ["the in-memory store", () => MemoryStore.layer],
  ["PGlite", () => PgStore.layerPglite()]
]

describe.each(stores)("@prefactor/core 0.2.9 against agentledger on %s", (_name, store) => {
  const target = sdkTarget(store)
  recordingRuns(target)
  scoringRisk(target)
  failingWire(target)
  terminatingRuns(target)
})
