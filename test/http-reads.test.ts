/**
 * The page-bounded reads on the wire: the span outline route (`GET /agent_instance/{id}/spans`)
 * answers a Prefactor list of `agent_span_outline` resources without payloads, paged by the
 * usual `pagination[...]` parameters, while the full timeline keeps every payload; and a list
 * of versions shows each version's deployments and identifier repeats as before.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { field, textAt } from "./support/json.js"
import { type RunningServer, startServer } from "./support/server.js"

let server: RunningServer
beforeAll(async () => {
  server = await startServer()
})
afterAll(() => server.close())

const call = async (method: string, path: string, body?: unknown): Promise<{ readonly status: number; readonly body: unknown }> => {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${server.secret}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) })
  })
  return { status: response.status, body: await response.json() }
}

const list = (value: unknown): ReadonlyArray<unknown> => {
  const found = field(value, "summaries")
  if (!Array.isArray(found)) throw new Error(`no summaries in ${JSON.stringify(value).slice(0, 400)}`)
  return found
}

const keysOf = (value: unknown): ReadonlyArray<string> => (typeof value === "object" && value !== null ? Object.keys(value) : [])

const run = async () => {
  const agent = textAt((await call("POST", "/api/v1/agent", { details: { name: "Bot" } })).body, "details", "id")
  const environments = list((await call("GET", "/api/v1/environment")).body)
  const production = textAt(environments.find((e) => field(e, "name") === "production"), "id")
  const registered = await call("POST", "/api/v1/agent_instance/register", {
    agent_id: agent,
    environment_id: production,
    agent_version: { external_identifier: "1.0.0", name: "Bot" },
    agent_schema_version: { external_identifier: "s-1", span_schemas: { llm: { type: "object", required: ["prompt"] } } }
  })
  return { agent, production, run: textAt(registered.body, "details", "id") }
}

describe("span outline route", () => {
  it("pages a run's spans without payloads; the timeline and the span keep them", async () => {
    const { run: id } = await run()
    const spans = []
    for (let i = 0; i < 5; i++) {
      const created = await call("POST", "/api/v1/agent_spans", {
        details: { agent_instance_id: id, schema_name: "llm", status: "complete", payload: i === 3 ? {} : { prompt: `p${i}` }, result_payload: { text: "ok" } }
      })
      expect(created.status).toBe(201)
      spans.push(textAt(created.body, "details", "id"))
    }
    const first = await call("GET", `/api/v1/agent_instance/${id}/spans?pagination[offset]=0&pagination[page_size]=2`)
    expect(first.status).toBe(200)
    expect(field(first.body, "pagination", "item_count")).toBe(5)
    const items = list(first.body)
    expect(items.map((item) => field(item, "id"))).toEqual(spans.slice(0, 2))
    for (const item of items) {
      expect(field(item, "type")).toBe("agent_span_outline")
      expect(keysOf(item)).not.toContain("payload")
      expect(keysOf(item)).not.toContain("result_payload")
      expect(field(item, "conformance", "payload")).toBe("conforms")
    }
    const rest = list((await call("GET", `/api/v1/agent_instance/${id}/spans?pagination[offset]=2&pagination[page_size]=25`)).body)
    expect(rest.map((item) => field(item, "conformance", "payload"))).toEqual(["conforms", "mismatch", "conforms"])
    // The full timeline, as the Prefactor wire has it, keeps every payload.
    const timeline = await call("GET", `/api/v1/agent_instance/${id}/timeline`)
    const entries = field(timeline.body, "details", "spans")
    expect(Array.isArray(entries) ? entries.map((entry) => field(entry, "span", "payload")) : null).toEqual([
      { prompt: "p0" }, { prompt: "p1" }, { prompt: "p2" }, {}, { prompt: "p4" }
    ])
    expect(field((await call("GET", `/api/v1/agent_spans/${spans[0]}`)).body, "details", "payload")).toEqual({ prompt: "p0" })
    // The domain's page limits hold.
    expect((await call("GET", `/api/v1/agent_instance/${id}/spans?pagination[page_size]=0`)).status).toBe(400)
    expect((await call("GET", `/api/v1/agent_instance/${id}/spans?sorting=payload`)).status).toBe(400)
    expect((await call("GET", "/api/v1/agent_instance/013xrzp12g3nqk8n0000000000000000/spans")).status).toBe(404)
  })
})

describe("version views", () => {
  it("each version of a page shows the deployments on it and its identifier's repeats", async () => {
    const { agent, production } = await run()
    await call("POST", "/api/v1/agent_instance/register", {
      agent_id: agent,
      environment_id: production,
      agent_version: { external_identifier: "1.0.0", name: "Bot" },
      agent_schema_version: { external_identifier: "s-2", span_schemas: { tool: { type: "object" } } }
    })
    const versions = list((await call("GET", `/api/v1/agent_version?agent_id=${agent}&pagination[page_size]=1`)).body)
    expect(versions.length).toBe(1)
    expect(field(versions[0], "external_identifier_repeats")).toBe(2)
    const refs = field(versions[0], "current_agent_deployment_refs")
    expect(Array.isArray(refs) ? refs.length : -1).toBe(1)
    const agents = list((await call("GET", "/api/v1/agent?pagination[page_size]=100")).body)
    const mine = agents.find((a) => field(a, "id") === agent)
    expect(field(mine, "available_actions", "delete")).toBe(false)
    const counted = await call("GET", `/api/v1/agent/${agent}?include_counts=true`)
    expect(field(counted.body, "details", "instance_counts", "total")).toBe(2)
  })
})
