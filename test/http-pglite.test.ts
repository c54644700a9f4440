/**
 * The conformance suite through HTTP: client → server → embedded PGlite store (at about the
 * normal depth in a deep run, as http-memory.test.ts explains), in a worker thread (`npm start`'s
 * default) and, in a deep run, in the serving thread too. The in-thread client passes the whole
 * suite without HTTP on every run (pglite.test.ts); through HTTP it adds only time.
 */
import { PgStore } from "@agentledger/store-postgres"
import { deep, ledgerConformance } from "@agentledger/testkit"
import { servedLedger } from "./support/servedLedger.js"

const runsFactor = deep ? 0.03 : 0.1
ledgerConformance("http → store-postgres on PGlite in a worker thread", servedLedger(() => PgStore.layerPgliteWorker()), { runsFactor })
if (deep) ledgerConformance("http → store-postgres on PGlite", servedLedger(() => PgStore.layerPglite()), { runsFactor })
