/**
 * A `Ledger` reached over HTTP: one real server per test file (started before its tests, closed
 * after), and for every test a fresh client of it — the client → server → store path the
 * conformance suite then runs unchanged.
 */
import type { Ledger, LedgerStore } from "@agentledger/domain"
import { Client } from "@agentledger/http"
import type { Layer } from "effect"
import { afterAll, beforeAll } from "vitest"
import { type RunningServer, startServer } from "./server.js"

export const servedLedger = (store?: () => Layer.Layer<LedgerStore>): (() => Layer.Layer<Ledger>) => {
  let server: RunningServer | undefined
  beforeAll(async () => {
    server = await startServer(store === undefined ? {} : { store: store() })
  }, 120_000)
  afterAll(() => server?.close())
  return () => {
    if (server === undefined) throw new Error("the server is used before it was started")
    return Client.layerFetch({ baseUrl: server.url, operatorToken: server.operatorToken })
  }
}
