/**
 * The world of the bad-input tests: a real server with two seeded accounts (one record of every
 * kind in each, support/badInput.ts), one per `describe`, requests to it, and the check that a
 * bad request left both accounts' data as it was (compared through the `Ledger` behind the
 * server, not through HTTP).
 */
import { afterAll, beforeAll, expect } from "vitest"
import * as B from "./badInput.js"
import type { Json } from "./json.js"
import { type RunningServer, startServer } from "./server.js"

export interface World {
  readonly server: RunningServer
  /** The first account (the server's own, token `server.secret`). */
  readonly a: B.Seeded
  /** The second account, opened through the operator API. */
  readonly b: B.Seeded
  readonly secretB: string
}

/** A server for the tests of one `describe`, started before them and closed after. */
export const world = (options: { readonly maxBodyBytes?: number } = {}): (() => World) => {
  let current: World | undefined
  beforeAll(async () => {
    const server = await startServer(options)
    const a = await B.seed(server.url, server.secret, "one")
    const secretB = await B.openAccount(server.url, server.operatorToken, "Second account")
    const b = await B.seed(server.url, secretB, "two")
    current = { server, a, b, secretB }
  }, 60_000)
  afterAll(() => current?.server.close())
  return () => {
    if (current === undefined) throw new Error("the server is used before it was started")
    return current
  }
}

/** Runs `act`, then checks (softly, so `act`'s own failure still shows) that neither account's data changed. */
export const unchanged = async (w: World, act: () => Promise<void>): Promise<void> => {
  const snapshotAll = async () => ({
    first: await B.snapshot(w.server.ledger, w.server.secret),
    second: await B.snapshot(w.server.ledger, w.secretB)
  })
  const before = await snapshotAll()
  try {
    await act()
  } finally {
    expect.soft(await snapshotAll(), "the store changed").toEqual(before)
  }
}

/** A request with the first account's token unless another (or `null`, none) is given. */
export const request = (w: World, method: string, path: string, body?: Json, token: string | null = w.server.secret) =>
  B.call(w.server.url, token, method, path, body)
