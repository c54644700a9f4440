/**
 * The conformance suite through HTTP: client → server → embedded PGlite store (at about the
 * normal depth in a deep run, as http-memory.test.ts explains), in the serving thread and in a
 * worker thread (`npm start`'s default).
 */
import { PgStore } from "@agentledger/store-postgres"
import { deep, ledgerConformance } from "@agentledger/testkit"
import { servedLedger } from "./support/servedLedger.js"

const runsFactor = deep ? 0.03 : 0.2
ledgerConformance("http → store-postgres on PGlite", servedLedger(() => PgStore.layerPglite()), { runsFactor })
ledgerConformance("http → store-postgres on PGlite in a worker thread", servedLedger(() => PgStore.layerPgliteWorker()), { runsFactor })
