/**
 * The server the SDK tests run against, one per store and per `describe`: started before its
 * tests and closed after them, read back with its account token, and a freshly deployed agent
 * for each test, so that no test sees another's runs.
 */
import type { LedgerStore } from "@agentledger/domain"
import type { Layer } from "effect"
import { afterAll, beforeAll } from "vitest"
import { type Deployed, deployAgent } from "../deployAgent.js"
import { type Reader, reader } from "../resources.js"
import { type RunningServer, startServer } from "../server.js"

export interface SdkTarget {
  /** The running server (from `beforeAll` on). */
  readonly server: () => RunningServer
  /** The reads a test makes with the account token. */
  readonly read: () => Reader
  /** A new agent (optionally under a risk profile), its production deployment and a deployment token. */
  readonly deploy: (riskProfileId?: string) => Promise<Deployed>
}

/** Starts a server over `store` for the tests of the calling `describe`. */
export const sdkTarget = (store: () => Layer.Layer<LedgerStore>): SdkTarget => {
  let started: { readonly server: RunningServer; readonly read: Reader } | undefined
  beforeAll(async () => {
    const server = await startServer({ store: store() })
    started = { server, read: reader(server.url, server.secret) }
  })
  afterAll(() => started?.server.close())
  const current = () => {
    if (started === undefined) throw new Error("the server is used before it was started")
    return started
  }
  let agents = 0
  return {
    server: () => current().server,
    read: () => current().read,
    deploy: (riskProfileId) =>
      deployAgent(current().server.url, current().server.secret, {
        name: `SDK agent ${++agents}`,
        ...(riskProfileId === undefined ? {} : { riskProfileId })
      })
  }
}
