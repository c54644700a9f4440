/**
 * The conformance suite of @agentledger/testkit on the in-memory store.
 */
import { Ids, LedgerLive } from "@agentledger/domain"
import { MemoryStore } from "@agentledger/store-memory"
import { ledgerConformance } from "@agentledger/testkit"
import { Layer } from "effect"

ledgerConformance("store-memory", () => LedgerLive.layer.pipe(Layer.provide(MemoryStore.layer), Layer.provide(Ids.IdEntropy.Live)))
