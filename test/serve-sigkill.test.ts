/**
 * An acknowledged span survives the server's sudden death. `serve` runs in its own process;
 * four clients send spans as fast as it answers, the process gets SIGKILL while requests are in
 * flight, a new process starts on the same store, and every span answered 201 is in the run —
 * on the embedded default (PGlite in a data directory) and on PostgreSQL.
 */
import { startPostgres } from "@agentledger/testkit/postgres"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { apiOf, ingest, registeredRun, storedSpans } from "./support/ingest.js"
import { listening, serve } from "./support/serveProcess.js"

const token = `pf_${"k".repeat(43)}`

const killMidIngest = async (flags: ReadonlyArray<string>, env: Readonly<Record<string, string>>) => {
  const environment = { AGENTLEDGER_BOOTSTRAP_TOKEN: token, ...env }
  const first = serve(flags, environment)
  const api = apiOf(await listening(first), token)
  const run = await registeredRun(api, "Kept")

  const clients = ingest(api, run, 4)
  await new Promise((resolve) => setTimeout(resolve, 1_500))
  first.child.kill("SIGKILL")
  await first.exited
  await clients.stop()
  expect(clients.acknowledged.length).toBeGreaterThan(20)

  const second = serve(flags, environment)
  const stored = await storedSpans(apiOf(await listening(second), token), run)
  second.child.kill("SIGTERM")
  await second.exited
  expect(clients.acknowledged.filter((id) => !stored.has(id))).toEqual([])
}

describe("an acknowledged span survives SIGKILL", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "agentledger-sigkill-"))
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

  it("on the embedded default (PGlite in a data directory)", () => killMidIngest(["--data-dir", dataDir], {}), 180_000)

  it("on PostgreSQL", async () => {
    const database = await startPostgres({ durable: true })
    try {
      await killMidIngest([], { DATABASE_URL: database.url })
    } finally {
      database.stop()
    }
  }, 180_000)
})
