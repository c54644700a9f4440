/**
 * The conformance suite of @agentledger/testkit on the embedded PGlite store: the same SQL as
 * PostgreSQL, in-process — in the calling thread, and in a worker thread (`npm start`'s default).
 */
import { PgStore } from "@agentledger/store-postgres"
import { ledgerConformance } from "@agentledger/testkit"
import { sharedStore } from "./support/sharedStore.js"

const inThread = sharedStore(async () => ({ layer: PgStore.layerPglite() }))
const inWorker = sharedStore(async () => ({ layer: PgStore.layerPgliteWorker() }))

ledgerConformance("store-postgres on PGlite", inThread.ledger, { runsFactor: 0.2 })
ledgerConformance("store-postgres on PGlite in a worker thread", inWorker.ledger, { runsFactor: 0.2 })
