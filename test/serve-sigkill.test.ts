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
import { at, textAt } from "./support/badInput.js"
import { listening, serve } from "./support/serveProcess.js"

const token = `pf_${"k".repeat(43)}`

const api = async (url: string, method: string, path: string, body?: unknown): Promise<{ readonly status: number; readonly body: unknown }> => {
  const response = await fetch(`${url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) })
  })
  return { status: response.status, body: await response.json() }
}

/** Every span id of a run, read page by page through the outline. */
const storedSpans = async (url: string, run: string): Promise<ReadonlySet<string>> => {
  const ids = new Set<string>()
  for (let offset = 0; ; offset += 100) {
    const answer = await api(url, "GET", `/agent_instance/${run}/spans?pagination[offset]=${offset}&pagination[page_size]=100`)
    expect(answer.status).toBe(200)
    const summaries = at(answer.body, "summaries")
    if (!Array.isArray(summaries) || summaries.length === 0) return ids
    for (let index = 0; index < summaries.length; index++) ids.add(textAt(summaries, index, "id"))
  }
}

const killMidIngest = async (flags: ReadonlyArray<string>, env: Readonly<Record<string, string>>) => {
  const environment = { AGENTLEDGER_BOOTSTRAP_TOKEN: token, ...env }
  const first = serve(flags, environment)
  const url = await listening(first)
  const agent = textAt((await api(url, "POST", "/agent", { details: { name: "Kept" } })).body, "details", "id")
  const production = textAt((await api(url, "GET", "/environment")).body, "summaries", 0, "id")
  const run = textAt((await api(url, "POST", "/agent_instance/register", { agent_id: agent, environment_id: production })).body, "details", "id")

  const acknowledged: Array<string> = []
  let killed = false
  const client = async () => {
    while (!killed) {
      try {
        const answer = await api(url, "POST", "/agent_spans", {
          details: { agent_instance_id: run, schema_name: "step", status: "complete", payload: { n: acknowledged.length } }
        })
        if (answer.status === 201) acknowledged.push(textAt(answer.body, "details", "id"))
      } catch {
        // The process died under this request: it was never acknowledged.
      }
    }
  }
  const clients = Array.from({ length: 4 }, client)
  await new Promise((resolve) => setTimeout(resolve, 1_500))
  first.child.kill("SIGKILL")
  killed = true
  await first.exited
  await Promise.all(clients)
  expect(acknowledged.length).toBeGreaterThan(20)

  const second = serve(flags, environment)
  const again = await listening(second)
  const stored = await storedSpans(again, run)
  second.child.kill("SIGTERM")
  await second.exited
  expect(acknowledged.filter((id) => !stored.has(id))).toEqual([])
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
