/**
 * The conformance suite of @agentledger/testkit on the embedded PGlite store: the same SQL as
 * PostgreSQL, in-process.
 */
import { PgStore } from "@agentledger/store-postgres"
import { ledgerConformance } from "@agentledger/testkit"
import { sharedStore } from "./support/sharedStore.js"

const shared = sharedStore(async () => ({ layer: PgStore.layerPglite() }))

ledgerConformance("store-postgres on PGlite", shared.ledger, { runsFactor: 0.2 })
