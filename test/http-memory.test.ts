/**
 * The conformance suite through HTTP: client → server → in-memory store.
 */
import { ledgerConformance } from "@agentledger/testkit"
import { servedLedger } from "./support/servedLedger.js"

ledgerConformance("http → store-memory", servedLedger(), { runsFactor: 0.3 })
