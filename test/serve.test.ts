/**
 * The main job as a user runs it: `apps/server/src/main.ts` in its own process. It bootstraps
 * with a preset token, serves, keeps its PGlite data across a restart, and on SIGTERM finishes the
 * request in flight, refuses new connections and exits 0.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { request } from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { sourceExecArgv } from "./support/sources.js"

const token = `pf_${"t".repeat(43)}`
const dataDir = mkdtempSync(join(tmpdir(), "agentledger-serve-"))
afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

interface Served {
  readonly process: ChildProcess
  readonly url: string
  readonly output: () => string
  readonly exited: Promise<number | null>
}

const serve = (args: ReadonlyArray<string>): Promise<Served> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...sourceExecArgv, "apps/server/src/main.ts", "--port", "0", ...args], {
      cwd: join(import.meta.dirname, ".."),
      env: { ...process.env, AGENTLEDGER_BOOTSTRAP_TOKEN: token, DATABASE_URL: "" },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let output = ""
    const exited = new Promise<number | null>((done) => child.on("exit", (code) => done(code)))
    const timer = setTimeout(() => reject(new Error(`the server did not start:\n${output}`)), 60_000)
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      const listening = /Listening on (http:\/\/[\d.]+:\d+)/.exec(output)
      if (listening?.[1] !== undefined) {
        clearTimeout(timer)
        resolve({ process: child, url: listening[1], output: () => output, exited })
      }
    }
    child.stdout.on("data", onData)
    child.stderr.on("data", onData)
    void exited.then((code) => reject(new Error(`the server exited with ${code}:\n${output}`)))
  })

const api = async (url: string, path: string, init: RequestInit = {}): Promise<{ status: number; body: unknown }> => {
  const response = await fetch(`${url}/api/v1${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", connection: "close" }
  })
  return { status: response.status, body: await response.json() }
}

const detailsId = (body: unknown): string => {
  if (typeof body === "object" && body !== null && "details" in body) {
    const details = body.details
    if (typeof details === "object" && details !== null && "id" in details && typeof details.id === "string") return details.id
  }
  throw new Error(`no details.id in ${JSON.stringify(body)}`)
}

describe("serve", () => {
  it("bootstraps with the preset token, and a restart finds what it stored", async () => {
    const first = await serve(["--data-dir", dataDir])
    expect(first.output()).toContain(`embedded PGlite in ${dataDir}`)
    const created = await api(first.url, "/agent", { method: "POST", body: JSON.stringify({ details: { name: "Kept" } }) })
    expect(created.status).toBe(201)
    const id = detailsId(created.body)
    first.process.kill("SIGTERM")
    expect(await first.exited).toBe(0)

    const second = await serve(["--data-dir", dataDir])
    expect(second.output()).toContain("already holds accounts")
    const found = await api(second.url, `/agent/${id}`)
    expect(found).toMatchObject({ status: 200, body: { status: "success", details: { id, name: "Kept" } } })
    second.process.kill("SIGTERM")
    expect(await second.exited).toBe(0)
  }, 120_000)

  it("on SIGTERM, a request in flight completes, new connections are refused, and the process exits 0", async () => {
    const served = await serve(["--memory"])
    const body = JSON.stringify({ details: { name: "In flight" } })
    const { hostname, port } = new URL(served.url)
    // Send the headers and half the body, so the request is in flight when the signal arrives.
    const answer = new Promise<{ status: number | undefined; text: string }>((resolve, reject) => {
      const req = request({
        host: hostname,
        port,
        method: "POST",
        path: "/api/v1/agent",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "content-length": Buffer.byteLength(body) }
      }, (res) => {
        let text = ""
        res.on("data", (chunk: Buffer) => (text += chunk.toString()))
        res.on("end", () => resolve({ status: res.statusCode, text }))
      })
      req.on("error", reject)
      req.write(body.slice(0, 10))
      setTimeout(() => {
        served.process.kill("SIGTERM")
        setTimeout(() => req.end(body.slice(10)), 500)
      }, 200)
    })
    const completed = await answer
    expect(completed.status).toBe(201)
    expect(completed.text).toContain("In flight")
    await expect(fetch(`${served.url}/api/v1/ping`, { headers: { authorization: `Bearer ${token}` } })).rejects.toThrow()
    expect(await served.exited).toBe(0)
  }, 120_000)
})
