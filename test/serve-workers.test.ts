/**
 * `serve --workers 2` as a user runs it: real processes on one port over one PostgreSQL.
 * More than one worker without PostgreSQL is refused. The primary bootstraps once; both workers
 * serve spans (each worker's log lines carry its pid); a worker killed with SIGKILL mid-ingest
 * is replaced while the other keeps answering, and every span answered 201 is in the run; a
 * token revoked through one worker is refused by both within 2 s, and an idempotency key replays
 * whichever worker gets the retry; SIGTERM stops the whole cluster with exit code 0.
 */
import { startPostgres } from "@agentledger/testkit/postgres"
import { mkdtempSync, rmSync } from "node:fs"
import { request } from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { textAt } from "./support/badInput.js"
import { apiOf, callTimeoutMs, ingest, registeredRun, storedSpans } from "./support/ingest.js"
import { answeredByPid, listening, occurrences, type Run, serve } from "./support/serveProcess.js"

const token = `pf_${"w".repeat(43)}`

const output = (served: Run) => served.stdout() + served.stderr()

/** The pid the primary last started in a worker slot. */
const pidOf = (served: Run, slot: number): string | undefined =>
  [...output(served).matchAll(new RegExp(`worker ${slot} started \\(pid (\\d+)\\)`, "g"))].at(-1)?.[1]

const eventually = async (what: string, served: Run, condition: () => boolean, timeoutMs = 120_000) => {
  for (const started = Date.now(); !condition(); await new Promise((resolve) => setTimeout(resolve, 100))) {
    if (Date.now() - started > timeoutMs) throw new Error(`not seen within ${timeoutMs} ms: ${what}\n${output(served).slice(-4000)}`)
  }
}

/** A request on a connection of its own: the primary hands each new connection to the next worker. */
const fresh = (url: string, secret: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
  new Promise<{ readonly status: number; readonly body: unknown }>((resolve, reject) => {
    const text = body === undefined ? undefined : JSON.stringify(body)
    const sent = request(`${url}/api/v1${path}`, {
      method,
      agent: false,
      headers: { authorization: `Bearer ${secret}`, "content-type": "application/json", ...headers }
    }, (response) => {
      let received = ""
      response.on("data", (chunk: Buffer) => (received += chunk.toString()))
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(received) }))
    })
    sent.setTimeout(callTimeoutMs, () => sent.destroy(new Error(`no answer within ${callTimeoutMs} ms to ${method} ${path}`)))
    sent.on("error", reject)
    sent.end(text)
  })

describe("serve --workers", () => {
  it("refuses more than one worker without PostgreSQL, with exit code 2", async () => {
    const refusals = [serve(["--workers", "2"]), serve(["--workers", "3", "--memory"]), serve([], { AGENTLEDGER_WORKERS: "2" })]
    for (const refused of refusals) expect(await refused.exited).toBe(2)
    expect(refusals[0]?.stderr()).toContain("--workers 2 needs PostgreSQL (DATABASE_URL): the embedded PGlite store is one process's database")
    expect(refusals[1]?.stderr()).toContain("--workers 3 needs PostgreSQL (DATABASE_URL): --memory keeps each process's records apart")
    expect(refusals[2]?.stderr()).toContain("--workers 2 needs PostgreSQL")
  }, 120_000)

  it("two workers share the port; one killed is replaced while the other answers; no acknowledged span is lost", async () => {
    const database = await startPostgres()
    // The log goes to a file: two workers logging every request into a pipe the test reads
    // between its own steps would block on a full pipe (a pipe is written synchronously).
    const logs = mkdtempSync(join(tmpdir(), "agentledger-workers-"))
    const served = serve(["--workers", "2", "--db-pool-size", "4"], { DATABASE_URL: database.url, AGENTLEDGER_BOOTSTRAP_TOKEN: token }, {
      logFile: join(logs, "serve.log")
    })
    try {
      const url = await listening(served)
      await eventually("both workers listening", served, () => occurrences(served, "Listening on") >= 2)
      expect(occurrences(served, "bootstrapped account")).toBe(1)

      const api = apiOf(url, token)
      const run = await registeredRun(api, "Spread")
      const clients = ingest(api, run, 4)
      await eventually("spans answered by both workers", served, () => answeredByPid(served, "/api/v1/agent_spans").size === 2)

      const victim = pidOf(served, 1)
      if (victim === undefined) return expect.fail("no pid for worker 1")
      process.kill(Number(victim), "SIGKILL")
      const atKill = clients.acknowledged.length
      await eventually("a new worker 1", served, () => pidOf(served, 1) !== victim)
      const replacement = pidOf(served, 1) ?? ""
      await eventually("the new worker listening", served, () => occurrences(served, "Listening on") >= 3)
      // Until the new worker listened, the other one answered alone.
      expect(clients.acknowledged.length - atKill).toBeGreaterThan(20)
      // The clients' keep-alive connections stay with the worker that took them; new connections
      // alternate between the workers, so spans on connections of their own reach the new one.
      const direct: Array<string> = []
      for (const started = Date.now(); !answeredByPid(served, "/api/v1/agent_spans").has(replacement) && Date.now() - started < 60_000;) {
        const answer = await fresh(url, token, "POST", "/agent_spans", { details: { agent_instance_id: run, schema_name: "step", status: "complete", payload: {} } })
        if (answer.status === 201) direct.push(textAt(answer.body, "details", "id"))
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      await eventually("spans answered by the new worker", served, () => answeredByPid(served, "/api/v1/agent_spans").has(replacement), 5_000)
      await clients.stop()
      const stored = await storedSpans(api, run)
      expect([...clients.acknowledged, ...direct].filter((id) => !stored.has(id))).toEqual([])

      // A key replays whichever worker the retry reaches (consecutive connections alternate).
      const keyed = await Promise.all([1, 2].map(() => fresh(url, token, "POST", "/agent", { details: { name: "Once" } }, { "idempotency-key": "agent-once" })))
      expect(keyed.map((answer) => answer.status)).toEqual([201, 201])
      expect(new Set(keyed.map((answer) => textAt(answer.body, "details", "id"))).size).toBe(1)

      // A token revoked through one worker is refused by every worker within 2 s.
      const created = await fresh(url, token, "POST", "/api_token", { details: { token_scope: "account" } })
      const secret = textAt(created.body, "token")
      for (let i = 0; i < 4; i++) expect((await fresh(url, secret, "GET", "/ping")).status).toBe(200)
      expect((await fresh(url, token, "POST", `/api_token/${textAt(created.body, "details", "id")}/revoke`, {})).status).toBe(200)
      const revokedAt = Date.now()
      let refusedInARow = 0
      while (refusedInARow < 4 && Date.now() - revokedAt < 2_000) {
        refusedInARow = (await fresh(url, secret, "GET", "/ping")).status === 401 ? refusedInARow + 1 : 0
      }
      expect(refusedInARow, "the revoked token still answered on a worker 2 s after its revocation").toBe(4)

      served.child.kill("SIGTERM")
      expect(await served.exited).toBe(0)
      expect(output(served)).toContain("workers stopped")
    } finally {
      served.child.kill("SIGKILL")
      database.stop()
      rmSync(logs, { recursive: true, force: true })
    }
  }, 300_000)
})
