/**
 * The conformance suite of @agentledger/testkit on a real PostgreSQL server that this file
 * starts (initdb + pg_ctl in a temporary directory, free port) and stops.
 */
import { PgStore } from "@agentledger/store-postgres"
import { ledgerConformance } from "@agentledger/testkit"
import { startPostgres } from "@agentledger/testkit/postgres"
import { Redacted } from "effect"
import { sharedStore } from "./support/sharedStore.js"

const shared = sharedStore(async () => {
  const server = await startPostgres()
  return { layer: PgStore.layerPg({ url: Redacted.make(server.url), maxConnections: 16 }), release: server.stop }
})

ledgerConformance("store-postgres on PostgreSQL", shared.ledger, { runsFactor: 0.2 })
