/**
 * The Prefactor-shaped routes beyond the Ledger's use cases: bulk, idempotency by header and by
 * body field, list parameters, the operator API, and the generated OpenAPI document and docs.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type RunningServer, startServer } from "./support/server.js"
import { field, isObject, type Json, textAt } from "./support/json.js"

let server: RunningServer
beforeAll(async () => {
  server = await startServer()
})
afterAll(() => server.close())

const call = async (
  method: string,
  path: string,
  body?: Json,
  headers: Record<string, string> = {},
  token = server.secret
): Promise<{ readonly status: number; readonly body: unknown }> => {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) })
  })
  return { status: response.status, body: await response.json() }
}

const setup = async () => {
  const agent = await call("POST", "/api/v1/agent", { details: { name: `Agent ${Math.random()}` } })
  const environments = await call("GET", "/api/v1/environment")
  const production = field(environments.body, "summaries")
  const environment = Array.isArray(production) ? production.find((e) => field(e, "name") === "production") : undefined
  return { agent: textAt(agent.body, "details", "id"), environment: textAt(environment, "id") }
}

const register = (agent: string, environment: string) => ({
  agent_id: agent,
  environment_id: environment,
  agent_version: { external_identifier: "1.0.0", name: "Bot" },
  agent_schema_version: { external_identifier: "schema-1", span_schemas: { llm: { type: "object", required: ["prompt"] } } }
})

describe("bulk", () => {
  it("runs items in order, stops at the first error, keys outputs by idempotency key, and replays", async () => {
    const { agent, environment } = await setup()
    const unknown = "013xrzp12g3nqk8n0000000000000000"
    const items = [
      { _type: "agent_instances/register", idempotency_key: "bulk-register-1", ...register(agent, environment) },
      { _type: "agent_instances/finish", idempotency_key: "bulk-finish-unknown", agent_instance_id: unknown },
      { _type: "agents/create", idempotency_key: "bulk-agent-after", details: { name: "never created" } }
    ]
    const first = await call("POST", "/api/v1/bulk", { items })
    expect(first.status).toBe(200)
    expect(field(first.body, "outputs", "bulk-register-1")).toMatchObject({ status: "success", _type: "agent_instances/register", details: { type: "agent_instance", agent_id: agent } })
    expect(field(first.body, "outputs", "bulk-finish-unknown")).toMatchObject({ status: "error", code: "not_found" })
    expect(field(first.body, "outputs", "bulk-agent-after")).toBeUndefined()
    const agents = await call("GET", "/api/v1/agent?pagination[page_size]=100")
    expect(JSON.stringify(agents.body)).not.toContain("never created")

    const replay = await call("POST", "/api/v1/bulk", { items: items.slice(0, 1) })
    expect(textAt(replay.body, "outputs", "bulk-register-1", "details", "id")).toBe(textAt(first.body, "outputs", "bulk-register-1", "details", "id"))
    const runs = await call("GET", `/api/v1/agent_instance?agent_id=${agent}`)
    expect(field(runs.body, "pagination", "item_count")).toBe(1)

    const instance = textAt(first.body, "outputs", "bulk-register-1", "details", "id")
    const spans = await call("POST", "/api/v1/bulk", {
      items: [
        { _type: "agent_instances/start", idempotency_key: "bulk-start-1", agent_instance_id: instance },
        { _type: "agent_spans/create", idempotency_key: "bulk-span-1", details: { agent_instance_id: instance, schema_name: "llm", status: "active", payload: {} } }
      ]
    })
    const span = textAt(spans.body, "outputs", "bulk-span-1", "details", "id")
    expect(field(spans.body, "outputs", "bulk-span-1", "details", "conformance")).toMatchObject({ payload: "mismatch" })
    const finished = await call("POST", "/api/v1/bulk", {
      items: [
        { _type: "agent_spans/finish", idempotency_key: "bulk-span-finish", agent_span_id: span, result_payload: { text: "hi" } },
        { _type: "agent_instances/finish", idempotency_key: "bulk-finish-1", agent_instance_id: instance }
      ]
    })
    expect(field(finished.body, "outputs", "bulk-span-finish", "details", "status")).toBe("complete")
    expect(field(finished.body, "outputs", "bulk-finish-1", "details", "status")).toBe("complete")
  })

  it("refuses short, long, repeated or missing keys and empty batches before running anything", async () => {
    const item = (key: string) => ({ _type: "agents/create", idempotency_key: key, details: { name: `bulk ${key}` } })
    for (const items of [[item("short")], [item("x".repeat(65))], [item("same-key-1"), item("same-key-1")], []]) {
      const answer = await call("POST", "/api/v1/bulk", { items })
      expect(answer.status).toBe(400)
      expect(answer.body).toMatchObject({ status: "error", code: "validation_errors" })
    }
    const missing = await call("POST", "/api/v1/bulk", { items: [{ _type: "agents/create", details: { name: "no key" } }] })
    expect(missing.status).toBe(400)
    const agents = await call("GET", "/api/v1/agent?pagination[page_size]=100")
    expect(JSON.stringify(agents.body)).not.toContain("bulk ")
  })
})

describe("idempotency", () => {
  it("honours the Idempotency-Key header and the idempotency_key body field", async () => {
    const byHeader = await call("POST", "/api/v1/agent", { details: { name: "Keyed" } }, { "idempotency-key": "agent-by-header" })
    const again = await call("POST", "/api/v1/agent", { details: { name: "Keyed" } }, { "idempotency-key": "agent-by-header" })
    expect(textAt(again.body, "details", "id")).toBe(textAt(byHeader.body, "details", "id"))
    const differs = await call("POST", "/api/v1/agent", { details: { name: "Other" } }, { "idempotency-key": "agent-by-header" })
    expect(differs).toMatchObject({ status: 409, body: { status: "error", code: "conflict" } })

    const byBody = await call("POST", "/api/v1/agent", { details: { name: "Body keyed" }, idempotency_key: "agent-by-body" })
    const bodyAgain = await call("POST", "/api/v1/agent", { details: { name: "Body keyed" }, idempotency_key: "agent-by-body" })
    expect(textAt(bodyAgain.body, "details", "id")).toBe(textAt(byBody.body, "details", "id"))
    const tooLong = await call("POST", "/api/v1/agent", { details: { name: "x" } }, { "idempotency-key": "k".repeat(65) })
    expect(tooLong).toMatchObject({ status: 400, body: { code: "validation_errors" } })
  })
})

describe("lists", () => {
  it("pages with pagination[offset] and pagination[page_size], sorts with sorting or sorting[field] + sorting[direction]", async () => {
    for (const name of ["list-a", "list-b", "list-c"]) await call("POST", "/api/v1/environment", { details: { name } })
    const page = await call("GET", "/api/v1/environment?pagination[offset]=1&pagination[page_size]=2&sorting=name")
    expect(page.status).toBe(200)
    expect(page.body).toMatchObject({
      status: "success",
      pagination: { page_offset: 1, page_size: 2, item_start: 2, item_end: 3, previous_page_offset: 0 },
      sorting: { field: "name", direction: "asc" }
    })
    const summaries = field(page.body, "summaries")
    expect(Array.isArray(summaries) ? summaries.map((e) => field(e, "name")) : []).toEqual(["list-a", "list-b"])
    const descending = await call("GET", "/api/v1/environment?sorting[field]=name&sorting[direction]=desc&pagination[page_size]=1")
    expect(field(descending.body, "summaries", 0, "name")).toBe("staging")
    expect(await call("GET", "/api/v1/environment?pagination[page_size]=101")).toMatchObject({ status: 400, body: { code: "validation_errors" } })
    expect(await call("GET", "/api/v1/environment?sorting=secret_hash")).toMatchObject({ status: 400, body: { code: "validation_errors" } })
  })

  it("lists a run's spans with agent_instance_id, a time window and include_summaries", async () => {
    const { agent, environment } = await setup()
    const run = await call("POST", "/api/v1/agent_instance/register", register(agent, environment))
    const instance = textAt(run.body, "details", "id")
    const startedAt = "2026-01-01T00:00:00.000Z"
    await call("POST", "/api/v1/agent_spans", { details: { agent_instance_id: instance, schema_name: "llm", status: "complete", payload: { prompt: "a" }, started_at: startedAt, finished_at: startedAt } })
    await call("POST", "/api/v1/agent_spans", { details: { agent_instance_id: instance, schema_name: "llm", status: "active", payload: { prompt: "b" } } })
    const all = await call("GET", `/api/v1/agent_spans?agent_instance_id=${instance}&include_summaries=true`)
    expect(field(all.body, "pagination", "item_count")).toBe(2)
    expect(field(all.body, "summaries", 0, "type")).toBe("agent_span")
    const early = await call("GET", `/api/v1/agent_spans?agent_instance_id=${instance}&end_time=2026-06-01T00:00:00.000Z`)
    expect(field(early.body, "pagination", "item_count")).toBe(1)
    expect(field(early.body, "summaries", 0, "payload", "prompt")).toBe("a")
  })
})

describe("operator API", () => {
  it("opens an account with the operator token only", async () => {
    const opened = await call("POST", "/api/v1/admin/account", { details: { name: "Tenant two" } }, {}, server.operatorToken)
    expect(opened).toMatchObject({ status: 201, body: { status: "success", details: { type: "account", name: "Tenant two" } } })
    const secret = textAt(opened.body, "token")
    const ping = await call("GET", "/api/v1/ping", undefined, {}, secret)
    expect(field(ping.body, "details", "account_id")).toBe(textAt(opened.body, "details", "id"))
    expect(await call("POST", "/api/v1/admin/account", { details: { name: "x" } })).toMatchObject({ status: 401, body: { code: "unauthorized" } })
    expect(await call("GET", "/api/v1/environment", undefined, {}, server.operatorToken)).toMatchObject({ status: 401 })
  })
})

describe("documentation", () => {
  it("serves the OpenAPI document generated from the contract, and a docs page", async () => {
    const response = await fetch(`${server.url}/openapi.json`)
    expect(response.status).toBe(200)
    const document: unknown = await response.json()
    const paths = field(document, "paths")
    expect(isObject(paths) ? Object.keys(paths) : []).toEqual(expect.arrayContaining([
      "/api/v1/agent_instance/register",
      "/api/v1/agent_instance/{id}/start",
      "/api/v1/agent_instance/{id}/finish",
      "/api/v1/agent_spans",
      "/api/v1/agent_spans/{id}/finish",
      "/api/v1/bulk",
      "/api/v1/agent_deployment/{id}/rollback",
      "/api/v1/risk_profile"
    ]))
    expect(field(document, "paths", "/api/v1/agent_spans", "post", "responses", "404")).toBeDefined()
    const docs = await fetch(`${server.url}/docs`)
    expect(docs.status).toBe(200)
    expect(docs.headers.get("content-type")).toContain("text/html")
  })
})
