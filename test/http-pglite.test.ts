/**
 * The conformance suite through HTTP: client → server → embedded PGlite store (at about the
 * normal depth, as http-memory.test.ts explains), in a worker thread (`npm start`'s default) and
 * in the serving thread. A deep run only: every run of `npm test` passes the suite through HTTP
 * on memory (http-memory.test.ts) and on PGlite in a worker thread without HTTP (pglite.test.ts),
 * so this pairing adds a minute of time and no path of its own (vitest.workspace.ts leaves it
 * out of other runs).
 */
import { PgStore } from "@agentledger/store-postgres"
import { ledgerConformance } from "@agentledger/testkit"
import { servedLedger } from "./support/servedLedger.js"

const runsFactor = 0.03
ledgerConformance("http → store-postgres on PGlite in a worker thread", servedLedger(() => PgStore.layerPgliteWorker()), { runsFactor })
ledgerConformance("http → store-postgres on PGlite", servedLedger(() => PgStore.layerPglite()), { runsFactor })
