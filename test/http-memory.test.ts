/**
 * The conformance suite through HTTP: client → server → in-memory store. A deep run goes deep
 * on the stores themselves (memory.test.ts, pglite.test.ts, postgres.test.ts); through HTTP it
 * keeps about the normal depth, since the transport adds no state of its own to explore.
 */
import { deep, ledgerConformance } from "@agentledger/testkit"
import { servedLedger } from "./support/servedLedger.js"

ledgerConformance("http → store-memory", servedLedger(), { runsFactor: deep ? 0.05 : 0.1 })
