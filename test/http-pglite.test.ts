/**
 * The conformance suite through HTTP: client → server → embedded PGlite store.
 */
import { PgStore } from "@agentledger/store-postgres"
import { ledgerConformance } from "@agentledger/testkit"
import { servedLedger } from "./support/servedLedger.js"

ledgerConformance("http → store-postgres on PGlite", servedLedger(() => PgStore.layerPglite()), { runsFactor: 0.2 })
