/**
 * Bad input through real HTTP requests: every mistake a client can make gets the right 4xx with
 * the Prefactor error envelope, nothing a client sends gets a 5xx, and a refused request leaves
 * the store as it was.
 */
import { FastCheck as fc } from "effect"
import { request } from "node:http"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type RunningServer, startServer } from "./support/server.js"
import { isObject } from "./support/json.js"

const limit = 64 * 1024
let server: RunningServer
let other: { readonly secret: string; readonly agent: string }
let agent: string
let environment: string
let run: string

const detailsId = (body: unknown): string => {
  const details = isObject(body) ? body["details"] : undefined
  const id = isObject(details) ? details["id"] : undefined
  if (typeof id !== "string") throw new Error(`no details.id in ${JSON.stringify(body).slice(0, 300)}`)
  return id
}

interface Answer {
  readonly status: number
  readonly body: unknown
}

/** A raw request: any method, path, headers and body bytes, with its length unless the headers say chunked. */
const send = (method: string, path: string, body: string | Buffer | undefined, headers: Record<string, string> = {}): Promise<Answer> =>
  new Promise((resolve, reject) => {
    const { hostname, port } = new URL(server.url)
    // A fresh connection each time: a server may close a connection whose request body it did not
    // read, and a pooled socket would then race that close.
    const length = body === undefined || headers["transfer-encoding"] !== undefined ? {} : { "content-length": String(Buffer.byteLength(body)) }
    const req = request({ host: hostname, port, method, path, headers: { ...length, ...headers }, agent: false }, (res) => {
      let text = ""
      res.on("data", (chunk: Buffer) => (text += chunk.toString()))
      res.on("end", () => {
        let parsed: unknown = text
        try {
          parsed = JSON.parse(text)
        } catch {
          // Kept as text: the assertion on the envelope then fails with the text shown.
        }
        resolve({ status: res.statusCode ?? 0, body: parsed })
      })
    })
    req.on("error", reject)
    if (body !== undefined) req.write(body)
    req.end()
  })

const auth = (secret = server.secret) => ({ authorization: `Bearer ${secret}` })
const json = { "content-type": "application/json" }

const call = (method: string, path: string, body?: unknown, secret = server.secret) =>
  send(method, path, body === undefined ? undefined : JSON.stringify(body), { ...auth(secret), ...json })

/** The account's data as the API shows it, to compare before and after a refused request. */
const snapshot = async (): Promise<string> => {
  const parts = await Promise.all(
    ["/api/v1/agent", "/api/v1/environment", "/api/v1/agent_instance", "/api/v1/api_token", "/api/v1/agent_deployment", "/api/v1/risk_profile",
      `/api/v1/agent_spans?agent_instance_id=${run}`].map((path) => call("GET", `${path}${path.includes("?") ? "&" : "?"}pagination[page_size]=100`))
  )
  return JSON.stringify(parts.map((part) => part.body))
}

const refused = (answer: Answer, status: number, code?: string) => {
  expect(answer.status, JSON.stringify(answer.body).slice(0, 500)).toBe(status)
  expect(answer.body).toMatchObject({ status: "error", ...(code === undefined ? {} : { code }) })
  expect(isObject(answer.body) && typeof answer.body["message"] === "string").toBe(true)
}

beforeAll(async () => {
  server = await startServer({ maxBodyBytes: limit })
  agent = detailsId((await call("POST", "/api/v1/agent", { details: { name: "Target" } })).body)
  const environments = (await call("GET", "/api/v1/environment")).body
  const first = isObject(environments) && Array.isArray(environments["summaries"]) ? environments["summaries"][0] : undefined
  environment = isObject(first) && typeof first["id"] === "string" ? first["id"] : ""
  run = detailsId((await call("POST", "/api/v1/agent_instance/register", {
    agent_id: agent,
    environment_id: environment,
    agent_schema_version: { external_identifier: "s", span_schemas: { llm: { type: "object" } } }
  })).body)
  await call("POST", "/api/v1/agent_spans", { details: { agent_instance_id: run, schema_name: "llm", status: "active", payload: {} } })
  const opened = await send("POST", "/api/v1/admin/account", JSON.stringify({ details: { name: "Other" } }), { ...auth(server.operatorToken), ...json })
  const secret = isObject(opened.body) && typeof opened.body["token"] === "string" ? opened.body["token"] : ""
  other = { secret, agent: detailsId((await call("POST", "/api/v1/agent", { details: { name: "Theirs" } }, secret)).body) }
}, 60_000)
afterAll(() => server.close())

describe("refused requests change nothing", () => {
  it("malformed JSON, wrong types, missing fields, wrong content types", async () => {
    const before = await snapshot()
    refused(await send("POST", "/api/v1/agent", "{\"details\":{\"name\":", { ...auth(), ...json }), 400, "bad_request")
    refused(await send("POST", "/api/v1/agent_spans", "not json at all", { ...auth(), ...json }), 400, "bad_request")
    refused(await call("POST", "/api/v1/agent", { details: { name: 42 } }), 400, "validation_errors")
    refused(await call("POST", "/api/v1/agent", { name: "no details wrapper" }), 400, "validation_errors")
    refused(await call("POST", "/api/v1/agent_spans", { details: { agent_instance_id: run, status: "complete" } }), 400, "validation_errors")
    refused(await call("POST", "/api/v1/agent_spans", { details: { agent_instance_id: run, schema_name: "llm", status: "exploded" } }), 400, "validation_errors")
    refused(await call("POST", "/api/v1/agent_instance/register", []), 400, "validation_errors")
    refused(await call("POST", `/api/v1/agent_instance/${run}/finish`, { status: "maybe" }), 400, "validation_errors")
    refused(await send("POST", "/api/v1/agent", "name=x", { ...auth(), "content-type": "application/x-www-form-urlencoded" }), 415, "unsupported_media_type")
    refused(await send("POST", "/api/v1/agent", JSON.stringify({ details: { name: "x" } }), { ...auth(), "content-type": "text/plain" }), 415, "unsupported_media_type")
    refused(await call("GET", "/api/v1/agent?pagination[page_size]=many"), 400, "validation_errors")
    refused(await call("GET", "/api/v1/agent_spans?start_time=yesterday"), 400, "validation_errors")
    const fieldErrors = await call("POST", "/api/v1/agent", { details: { name: 42 } })
    expect(fieldErrors.body).toMatchObject({ errors: { "details.name": [expect.any(String)] } })
    expect(await snapshot()).toBe(before)
  })

  it("unknown, malformed and other accounts' ids", async () => {
    const before = await snapshot()
    const unknown = "013xrzp12g3nqk8n0000000000000000"
    refused(await call("GET", `/api/v1/agent/${unknown}`), 404, "not_found")
    refused(await call("POST", `/api/v1/agent_instance/${unknown}/start`, {}), 404, "not_found")
    refused(await call("POST", "/api/v1/agent_spans", { details: { agent_instance_id: unknown, schema_name: "llm", status: "active" } }), 404, "not_found")
    refused(await call("POST", "/api/v1/agent_spans", { details: { agent_instance_id: null, schema_name: "llm", status: "active" } }), 400)
    refused(await call("POST", "/api/v1/agent_spans", { details: { agent_instance_id: run, parent_span_id: unknown, schema_name: "llm", status: "active" } }), 404)
    refused(await call("GET", "/api/v1/agent/not-a-pfid"), 400, "validation_errors")
    refused(await call("DELETE", "/api/v1/agent/../../etc"), 404)
    // Another account's agent is exactly as absent as an unknown one, whatever the verb.
    refused(await call("GET", `/api/v1/agent/${other.agent}`), 404, "not_found")
    refused(await call("PUT", `/api/v1/agent/${other.agent}`, { details: { name: "stolen" } }), 404, "not_found")
    refused(await call("DELETE", `/api/v1/agent/${other.agent}`), 404, "not_found")
    refused(await call("POST", "/api/v1/agent_instance/register", { agent_id: other.agent, environment_id: environment }), 404)
    refused(await call("GET", `/api/v1/agent/${agent}`, undefined, other.secret), 404, "not_found")
    expect(await snapshot()).toBe(before)
    expect((await call("GET", `/api/v1/agent/${other.agent}`, undefined, other.secret)).body).toMatchObject({ details: { name: "Theirs" } })
  })

  it("oversized bodies, declared or chunked, and deep nesting", async () => {
    const before = await snapshot()
    const big = JSON.stringify({ details: { agent_instance_id: run, schema_name: "llm", status: "active", payload: { blob: "x".repeat(limit) } } })
    refused(await send("POST", "/api/v1/agent_spans", big, { ...auth(), ...json, "content-length": String(Buffer.byteLength(big)) }), 413, "payload_too_large")
    // A chunked body has no declared length: it is cut off when it passes the limit, and the
    // connection with it (docs/decisions.md), so the client sees a reset rather than a 413.
    const chunked = await send("POST", "/api/v1/agent_spans", big, { ...auth(), ...json, "transfer-encoding": "chunked" }).then(
      (answer) => answer.status,
      () => "reset"
    )
    expect([413, "reset"]).toContain(chunked)
    const deep = (levels: number) =>
      `{"details":{"agent_instance_id":"${run}","schema_name":"llm","status":"active","payload":{"a":${"[".repeat(levels)}${"]".repeat(levels)}}}}`
    refused(await send("POST", "/api/v1/agent_spans", deep(20_000), { ...auth(), ...json }), 400, "bad_request")
    refused(await send("POST", "/api/v1/agent", `{"details":{"name":${"[".repeat(20_000)}${"]".repeat(20_000)}}}`, { ...auth(), ...json }), 400)
    expect(await snapshot()).toBe(before)
    // Within the limits, the same shapes are recorded.
    expect((await send("POST", "/api/v1/agent_spans", deep(100), { ...auth(), ...json })).status).toBe(201)
  })

  it("missing, unknown, suspended and revoked tokens; scopes that do not reach", async () => {
    const before = await snapshot()
    refused(await send("GET", "/api/v1/agent", undefined, {}), 401, "unauthorized")
    refused(await send("GET", "/api/v1/agent", undefined, { authorization: "Basic abc" }), 401, "unauthorized")
    refused(await call("GET", "/api/v1/agent", undefined, `pf_${"A".repeat(43)}`), 401, "unauthorized")
    refused(await call("POST", "/api/v1/admin/account", { details: { name: "x" } }), 401, "unauthorized")
    const created = await call("POST", "/api/v1/api_token", { details: { token_scope: "account" } })
    const token = detailsId(created.body)
    const secret = isObject(created.body) && typeof created.body["token"] === "string" ? created.body["token"] : ""
    expect((await call("GET", "/api/v1/ping", undefined, secret)).status).toBe(200)
    await call("POST", `/api/v1/api_token/${token}/suspend`, {})
    refused(await call("GET", "/api/v1/ping", undefined, secret), 401, "unauthorized")
    await call("POST", `/api/v1/api_token/${token}/activate`, {})
    await call("POST", `/api/v1/api_token/${token}/revoke`, {})
    refused(await call("POST", "/api/v1/agent", { details: { name: "by a revoked token" } }, secret), 401, "unauthorized")
    const snapshotAfterTokens = await snapshot()
    expect(snapshotAfterTokens).not.toContain("by a revoked token")

    // The run registered at the start created the agent's deployment in its environment.
    const deployments = (await call("GET", `/api/v1/agent_deployment?agent_id=${agent}`)).body
    const found = isObject(deployments) && Array.isArray(deployments["summaries"]) ? deployments["summaries"][0] : undefined
    const deployment = isObject(found) && typeof found["id"] === "string" ? found["id"] : ""
    const scoped = await call("POST", "/api/v1/api_token", { details: { token_scope: "agent_deployment", agent_deployment_id: deployment } })
    const scopedSecret = isObject(scoped.body) && typeof scoped.body["token"] === "string" ? scoped.body["token"] : ""
    refused(await call("GET", "/api/v1/agent", undefined, scopedSecret), 403, "not_permitted")
    refused(await call("POST", "/api/v1/environment", { details: { name: "by a deployment token" } }, scopedSecret), 403, "not_permitted")
    refused(await call("POST", "/api/v1/api_token", { details: { token_scope: "account" } }, scopedSecret), 403, "not_permitted")
    expect(before).not.toContain("by a deployment token")
    expect(await snapshot()).not.toContain("by a deployment token")
  })
})

describe("no 5xx for anything a client sends", () => {
  it("arbitrary JSON bodies to every route of the OpenAPI document answer 2xx or an enveloped 4xx", async () => {
    const document: unknown = await (await fetch(`${server.url}/openapi.json`)).json()
    const paths = isObject(document) && isObject(document["paths"]) ? document["paths"] : {}
    const routes = Object.entries(paths).flatMap(([path, operations]) =>
      isObject(operations) ? Object.keys(operations).filter((method) => method !== "parameters").map((method) => ({ method: method.toUpperCase(), path })) : []
    )
    expect(routes.length).toBeGreaterThan(50)
    const ids = [run, agent, "013xrzp12g3nqk8n0000000000000000", "garbage", "%00", other.agent]
    const body = fc.oneof(
      fc.jsonValue({ maxDepth: 4 }),
      fc.record({ details: fc.jsonValue({ maxDepth: 3 }) }),
      fc.record({ details: fc.dictionary(fc.constantFrom("name", "agent_instance_id", "schema_name", "status", "payload", "agent_id", "token_scope"), fc.jsonValue({ maxDepth: 2 })) })
    )
    const runs = process.env["AGENTLEDGER_DEEP"] ? 1500 : 200
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes), fc.constantFrom(...ids), body, fc.boolean(), async (route, id, payload, withToken) => {
        const path = route.path.replace("{id}", encodeURIComponent(id))
        const answer = await send(route.method, path, JSON.stringify(payload), { ...(withToken ? auth() : {}), ...json })
        expect(answer.status, `${route.method} ${path} ${JSON.stringify(payload).slice(0, 200)} → ${JSON.stringify(answer.body).slice(0, 300)}`).toBeLessThan(500)
        if (answer.status >= 400) expect(answer.body).toMatchObject({ status: "error", code: expect.any(String), message: expect.any(String) })
      }),
      { numRuns: runs }
    )
  }, 300_000)
})
