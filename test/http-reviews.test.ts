/**
 * A reviewer's reads on the wire, as a browser sends them: run filters and the run order as
 * query parameters of `GET /agent_instance`, the span outline's filters, and `GET /overview`
 * (its envelope and shape; a deployment token sees its own agent only). A value the API does not
 * know is a 400 `validation_errors` naming the parameter.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { deployAgent } from "./support/deployAgent.js"
import { field, textAt } from "./support/json.js"
import { call as send } from "./support/jsonClient.js"
import { type RunningServer, startServer } from "./support/server.js"

let server: RunningServer
beforeAll(async () => {
  server = await startServer()
})
afterAll(() => server.close())

const call = (path: string, token = server.secret, method = "GET", body?: Parameters<typeof send>[4]) =>
  send(server.url, token, method, path, body)

const summaries = (value: unknown): ReadonlyArray<unknown> => {
  const found = field(value, "summaries")
  if (!Array.isArray(found)) throw new Error(`no summaries in ${JSON.stringify(value).slice(0, 400)}`)
  return found
}

const ids = async (path: string) => summaries((await call(path)).body).map((item) => field(item, "id"))

/** An agent of its own with a deployment token, and two runs: one started an hour ago with a flagged span, one never started. */
const reviewed = async (name: string) => {
  const deployed = await deployAgent(server.url, server.secret, { name })
  const register = async (purpose: string) =>
    textAt((await call("/api/v1/agent_instance/register", deployed.token, "POST", {
      agent_version: { external_identifier: "1.0.0" },
      agent_schema_version: { external_identifier: "s-1", span_schemas: { llm: { type: "object", required: ["prompt"] } } },
      purpose
    })).body, "details", "id")
  const started = await register("eval")
  const hourAgo = new Date(Date.now() - 3_600_000).toISOString()
  expect((await call(`/api/v1/agent_instance/${started}/start`, deployed.token, "POST", { timestamp: hourAgo })).status).toBe(200)
  const flagged = await call("/api/v1/agent_spans", deployed.token, "POST", { details: { agent_instance_id: started, schema_name: "llm", status: "complete", payload: {} } })
  const conforming = await call("/api/v1/agent_spans", deployed.token, "POST", {
    details: { agent_instance_id: started, schema_name: "llm", status: "complete", payload: { prompt: "hi" } }
  })
  const pending = await register("live")
  return { ...deployed, started, pending, hourAgo, flaggedSpan: textAt(flagged.body, "details", "id"), conformingSpan: textAt(conforming.body, "details", "id") }
}

describe("run filters on the wire", () => {
  it("filters by flag, purpose and start time, and orders by when the run took place", async () => {
    const r = await reviewed("Wire filters")
    const of = `/api/v1/agent_instance?agent_id=${r.agentId}`
    expect(await ids(`${of}&flagged=true`)).toEqual([r.started])
    expect(await ids(`${of}&flagged=false`)).toEqual([r.pending])
    expect(await ids(`${of}&purpose=eval`)).toEqual([r.started])
    expect(await ids(`${of}&started_after=${encodeURIComponent(r.hourAgo)}&sort=started_at`)).toEqual([r.started, r.pending])
    expect(await ids(`${of}&started_before=${encodeURIComponent(r.hourAgo)}`)).toEqual([])
    expect(await ids(`${of}&sort=-started_at`)).toEqual([r.pending, r.started])
    // Runs of an agent without a risk profile have no level.
    expect(await ids(`${of}&risk_level=low`)).toEqual([])
    const sorted = await call(`${of}&sort=-started_at`)
    expect(field(sorted.body, "sorting")).toEqual({ field: "started_at", direction: "desc" })
  })

  it("narrows a run's span outline by type and flag", async () => {
    const r = await reviewed("Wire outline")
    const outline = `/api/v1/agent_instance/${r.started}/spans`
    expect(await ids(`${outline}?flagged=true`)).toEqual([r.flaggedSpan])
    expect(await ids(`${outline}?flagged=false&schema_name=llm`)).toEqual([r.conformingSpan])
    expect(await ids(`${outline}?schema_name=tool`)).toEqual([])
  })

  it("answers an unknown risk level with 400 validation_errors naming it", async () => {
    const answer = await call("/api/v1/agent_instance?risk_level=severe")
    expect(answer.status).toBe(400)
    expect(field(answer.body, "code")).toBe("validation_errors")
    expect(Object.keys(Object(field(answer.body, "errors")))).toContain("risk_level")
  })
})

describe("GET /overview", () => {
  it("answers the agents' runs of the last day in the details envelope; a deployment token sees its own agent only", async () => {
    const mine = await reviewed("Overview mine")
    const theirs = await reviewed("Overview theirs")
    const scoped = await call("/api/v1/overview", mine.token)
    expect(scoped.status).toBe(200)
    expect(field(scoped.body, "status")).toBe("success")
    const details = field(scoped.body, "details")
    const agents = field(details, "agents")
    expect(Array.isArray(agents) ? agents.map((a) => field(a, "agent_id")) : agents).toEqual([mine.agentId])
    expect(field(details, "runs_by_status")).toEqual({ pending: 1, active: 1, complete: 0, failed: 0, cancelled: 0, terminated: 0 })
    expect(field(details, "runs_by_risk_level")).toEqual({ low: 0, medium: 0, high: 0, critical: 0, none: 2 })
    expect(field(details, "flagged_runs")).toBe(1)
    expect(field(details, "recent_attention", 0, "id")).toBe(mine.started)
    expect(field(details, "recent_attention", 0, "type")).toBe("agent_instance")
    expect(field(details, "recent_attention", 1)).toBeUndefined()
    const since = Date.parse(textAt(details, "since"))
    expect(Math.abs(since - (Date.now() - 86_400_000))).toBeLessThan(60_000)
    // The account token sees both agents; a window after the runs counts none of them.
    const all = field((await call("/api/v1/overview")).body, "details", "agents")
    expect(Array.isArray(all) ? all.map((a) => field(a, "agent_id")) : all).toEqual(expect.arrayContaining([mine.agentId, theirs.agentId]))
    const later = await call(`/api/v1/overview?since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`, mine.token)
    expect(field(later.body, "details", "flagged_runs")).toBe(0)
    expect(field(later.body, "details", "recent_attention")).toEqual([])
    const bad = await call("/api/v1/overview?since=yesterday")
    expect([bad.status, field(bad.body, "code")]).toEqual([400, "validation_errors"])
  })
})
