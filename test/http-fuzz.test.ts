/**
 * A seeded fuzz of the HTTP edge: malformed requests to every route of the OpenAPI document the
 * server serves — random methods, hostile bodies (truncated JSON, wrong types, huge strings, deep
 * nesting, NUL, lone surrogates, `__proto__` keys, huge numbers, oversized batches), hostile ids,
 * queries, content types, tokens and idempotency keys. Whatever arrives, the server never answers
 * 5xx, every error carries the Prefactor error envelope and stays under 8 KiB, and it still
 * answers a ping afterwards. 2,000 requests; 10,000 under `AGENTLEDGER_DEEP=1`. The seed is fixed
 * (`AGENTLEDGER_FUZZ_SEED` replays another), so a failure replays exactly. The store is PGlite,
 * as `npm start` runs it: PostgreSQL refuses some text (NUL) that memory takes.
 */
import { PgStore } from "@agentledger/store-postgres"
import { FastCheck as fc } from "effect"
import { request } from "node:http"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as B from "./support/badInput.js"
import { type Family, type FuzzRequest, requests } from "./support/fuzz.js"
import { type RunningServer, startServer } from "./support/server.js"

const deep = (process.env["AGENTLEDGER_DEEP"] ?? "") !== ""
const count = deep ? 10_000 : 2_000
const seed = Number(process.env["AGENTLEDGER_FUZZ_SEED"] ?? "20261205")
const maxErrorBytes = 8 * 1024
const families: ReadonlyArray<Family> = [
  "empty", "not-json", "truncated", "random-json", "wrong-types", "huge-string", "deep", "nul", "lone-surrogate", "proto-keys",
  "huge-number", "idempotency", "batch"
]

let server: RunningServer
let routes: ReadonlyArray<readonly [string, string]>
let seeded: B.Seeded

beforeAll(async () => {
  server = await startServer({ maxBodyBytes: 1024 * 1024, store: PgStore.layerPglite() })
  seeded = await B.seed(server.url, server.secret, "fuzz")
  const document: unknown = await (await fetch(`${server.url}/openapi.json`)).json()
  const paths = B.at(document, "paths")
  if (!B.isRecord(paths)) throw new Error("the OpenAPI document has no paths")
  routes = Object.entries(paths).flatMap(([path, operations]) =>
    B.isRecord(operations) ? Object.keys(operations).map((method) => [method.toUpperCase(), path] as const) : [])
}, 120_000)
afterAll(() => server.close())

interface Outcome {
  readonly status: number
  readonly contentType: string | undefined
  readonly bytes: number
  readonly text: string
}

/** One request on its own connection; a connection the server resets counts as status 0. */
const send = (fuzz: FuzzRequest): Promise<Outcome> =>
  new Promise((resolve) => {
    const { hostname, port } = new URL(server.url)
    const body = fuzz.body === undefined ? undefined : Buffer.from(fuzz.body, "utf8")
    const headers = { ...fuzz.headers, ...(body === undefined ? {} : { "content-length": String(body.length) }) }
    const req = request({ host: hostname, port, method: fuzz.method, path: fuzz.path, headers, agent: false }, (res) => {
      const chunks: Array<Buffer> = []
      res.on("data", (chunk: Buffer) => chunks.push(chunk))
      res.on("end", () => {
        const all = Buffer.concat(chunks)
        resolve({ status: res.statusCode ?? 0, contentType: res.headers["content-type"], bytes: all.length, text: all.toString("utf8") })
      })
      res.on("error", () => resolve({ status: 0, contentType: undefined, bytes: 0, text: "" }))
    })
    req.on("error", () => resolve({ status: 0, contentType: undefined, bytes: 0, text: "" }))
    req.end(body)
  })

const isEnvelope = (text: string): boolean => {
  try {
    const value: unknown = JSON.parse(text)
    return B.isRecord(value) && value["status"] === "error" && typeof value["code"] === "string" && typeof value["message"] === "string"
  } catch {
    return false
  }
}

describe("fuzz: malformed requests to every documented route", () => {
  it(`never answers 5xx, enveloped and bounded errors, and still serves (${count} requests, seed ${seed})`, async () => {
    expect(routes.length).toBeGreaterThan(50)
    const ids = [seeded.agent, seeded.instance, seeded.span, seeded.version, seeded.schemaVersion, seeded.deployment, seeded.token,
      seeded.environment, seeded.riskProfile, B.absentId()]
    const tokens = [server.secret, seeded.deploymentTokenSecret]
    const targets = { agent: seeded.agent, environment: seeded.environment, instance: seeded.instance, span: seeded.span }
    const sample = fc.sample(requests(routes, ids, tokens, families, targets), { seed, numRuns: count })
    const problems: Array<string> = []
    const seen = new Map<Family, number>()
    const statuses = new Map<number, number>()
    for (let start = 0; start < sample.length; start += 8) {
      const batch = sample.slice(start, start + 8)
      const outcomes = await Promise.all(batch.map(send))
      batch.forEach((fuzz, i) => {
        const outcome = outcomes[i]
        if (outcome === undefined) return
        seen.set(fuzz.family, (seen.get(fuzz.family) ?? 0) + 1)
        statuses.set(outcome.status, (statuses.get(outcome.status) ?? 0) + 1)
        const label = `#${start + i} [${fuzz.family}] ${fuzz.method} ${fuzz.path.slice(0, 120)} body ${JSON.stringify((fuzz.body ?? "").slice(0, 120))}`
        if (outcome.status >= 500) problems.push(`${label} → ${outcome.status} ${outcome.text.slice(0, 300)}`)
        // A reset connection (a chunked body over the limit is cut off that way) is no answer, not a wrong one.
        if (outcome.status >= 400 && fuzz.method !== "HEAD") {
          if (!isEnvelope(outcome.text)) problems.push(`${label} → ${outcome.status} not an error envelope: ${outcome.text.slice(0, 300)}`)
          if (outcome.bytes > maxErrorBytes) problems.push(`${label} → ${outcome.status} of ${outcome.bytes} bytes`)
        }
      })
    }
    expect(problems.slice(0, 20), `${problems.length} problems`).toEqual([])
    // The fuzz reaches past the edge: some requests succeed, some reach a handler's own refusals.
    const answered = (status: number) => statuses.get(status) ?? 0
    expect(answered(200) + answered(201), JSON.stringify([...statuses])).toBeGreaterThan(count / 50)
    expect(answered(404) + answered(409), JSON.stringify([...statuses])).toBeGreaterThan(count / 50)
    expect([...seen.keys()].sort()).toEqual([...families].sort())
    const ping = await B.call(server.url, server.secret, "GET", "/api/v1/ping")
    expect(ping.status, B.summary(ping)).toBe(200)
  }, 600_000)
})
