/**
 * The conformance suite through HTTP: client → server → embedded PGlite store (at about the
 * normal depth in a deep run, as http-memory.test.ts explains).
 */
import { PgStore } from "@agentledger/store-postgres"
import { deep, ledgerConformance } from "@agentledger/testkit"
import { servedLedger } from "./support/servedLedger.js"

ledgerConformance("http → store-postgres on PGlite", servedLedger(() => PgStore.layerPglite()), { runsFactor: deep ? 0.03 : 0.2 })
