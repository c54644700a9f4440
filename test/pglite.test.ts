/**
 * The conformance suite of @agentledger/testkit on the embedded PGlite store: the same SQL as
 * PostgreSQL, in-process — in a worker thread (`npm start`'s default) and, in a deep run, in the
 * calling thread.
 */
import { PgStore } from "@agentledger/store-postgres"
import { deep, ledgerConformance } from "@agentledger/testkit"
import { sharedStore } from "./support/sharedStore.js"

const inThread = sharedStore(async () => ({ layer: PgStore.layerPglite() }))
const inWorker = sharedStore(async () => ({ layer: PgStore.layerPgliteWorker() }))

ledgerConformance("store-postgres on PGlite in a worker thread", inWorker.ledger, { runsFactor: deep ? 0.2 : 0.1 })
// The in-thread client shares its session rules with the worker's (PgliteSession) and has its
// own tests in store-postgres; its whole-suite run is part of the deep run.
if (deep) ledgerConformance("store-postgres on PGlite", inThread.ledger, { runsFactor: 0.2 })
