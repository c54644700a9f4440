/**
 * The hot span routes (`HotRoutes.ts`) answer exactly as the platform does. Two servers on their
 * own stores, one serving span create and finish on the hot routes and one through the platform
 * only, receive the same requests in the same order — the documented examples, then seeded
 * random ones (valid bodies, broken ones, hostile values and keys, deep and truncated JSON,
 * invalid UTF-8, other content types, chunked bodies, queries, odd ids, missing, foreign and
 * unknown tokens, idempotency keys) — and every answer agrees: status, the headers a client
 * reads, and the body once each server's own ids and clock stamps are named alike.
 */
import { FastCheck as fc, Schema } from "effect"
import { request } from "node:http"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { deployAgent } from "./support/deployAgent.js"
import { call, expectAnswer } from "./support/jsonClient.js"
import { Created, Details } from "./support/resources.js"
import { type RunningServer, startServer } from "./support/server.js"

const deep = (process.env["AGENTLEDGER_DEEP"] ?? "") !== ""

interface Sent {
  readonly path: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: Buffer
  /** Sent without a Content-Length, in chunks. */
  readonly chunked: boolean
}

interface Outcome {
  readonly status: number
  readonly headers: Readonly<Record<string, string | undefined>>
  readonly text: string
}

const send = (base: string, sent: Sent): Promise<Outcome> =>
  new Promise((resolve, reject) => {
    const { hostname, port } = new URL(base)
    const headers = { ...sent.headers, ...(sent.chunked ? {} : { "content-length": String(sent.body.length) }) }
    const req = request({ host: hostname, port, method: "POST", path: sent.path, headers, agent: false }, (res) => {
      const chunks: Array<Buffer> = []
      res.on("data", (chunk: Buffer) => chunks.push(chunk))
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: { "content-type": res.headers["content-type"], "cache-control": res.headers["cache-control"] },
          text: Buffer.concat(chunks).toString("utf8")
        }))
    })
    req.on("error", reject)
    if (sent.chunked) {
      const half = Math.floor(sent.body.length / 2)
      req.write(sent.body.subarray(0, half))
      req.end(sent.body.subarray(half))
    } else req.end(sent.body)
  })

/** One server's records, by the names the requests use. */
interface Fixture {
  readonly base: string
  readonly vars: Map<string, string>
  /** Span ids in the order the server created them. */
  readonly spans: Array<string>
}

const register = {
  agent_version: { external_identifier: "1.0.0", name: "hot", description: "hot routes" },
  agent_schema_version: {
    external_identifier: "s1",
    span_type_schemas: [{
      name: "llm",
      params_schema: { type: "object", properties: { prompt: { type: "string" } }, required: ["prompt"] },
      result_schema: { type: "object" }
    }]
  }
}

const startRun = async (base: string, token: string): Promise<string> => {
  const run = expectAnswer(await call(base, token, "POST", "/api/v1/agent_instance/register", register), 201, Details(Created), "register").details.id
  expectAnswer(await call(base, token, "POST", `/api/v1/agent_instance/${run}/start`, {}), 200, Details(Created), "start")
  return run
}

const fixture = async (server: RunningServer): Promise<Fixture> => {
  const deployed = await deployAgent(server.url, server.secret, { name: "hot" })
  const other = await deployAgent(server.url, server.secret, { name: "other" })
  const run = await startRun(server.url, deployed.token)
  const second = await startRun(server.url, deployed.token)
  const finished = await startRun(server.url, deployed.token)
  expectAnswer(await call(server.url, deployed.token, "POST", `/api/v1/agent_instance/${finished}/finish`, {}), 200, Details(Created), "finish")
  const foreign = expectAnswer(
    await call(server.url, server.operatorToken, "POST", "/api/v1/admin/account", { details: { name: "foreign" } }),
    201,
    Schema.Struct({ details: Created, token: Schema.String }),
    "account"
  )
  const principal = expectAnswer(
    await call(server.url, server.secret, "GET", "/api/v1/ping"),
    200,
    Details(Schema.Struct({ account_id: Schema.String })),
    "ping"
  )
  return {
    base: server.url,
    vars: new Map([
      ["token", deployed.token],
      ["account", server.secret],
      ["other", other.token],
      ["foreign", foreign.token],
      ["foreignAccount", foreign.details.id],
      ["accountId", principal.details.account_id],
      ["run", run],
      ["second", second],
      ["finished", finished],
      ["agent", deployed.agentId]
    ]),
    spans: []
  }
}

/** A request with `{name}` placeholders (and `{span:k}` for the k-th span created) made concrete for one server. */
const concrete = (f: Fixture, text: string): string =>
  text.replace(/\{([a-zA-Z]+)(?::(\d+))?\}/g, (whole, name: string, index: string | undefined) =>
    name === "span" ? f.spans[Number(index ?? 0) % Math.max(1, f.spans.length)] ?? "pfid_absent-span-0000000000000000" : f.vars.get(name) ?? whole)

/** An answer with the server's own ids named as the requests name them, and clock stamps blanked. */
const normalized = (f: Fixture, outcome: Outcome): unknown => {
  let text = outcome.text
  for (const [name, value] of f.vars) if (value !== "") text = text.replaceAll(value, `{${name}}`)
  f.spans.forEach((id, index) => {
    text = text.replaceAll(id, `{span:${index}}`)
  })
  const stamps = /"(inserted_at|updated_at|started_at|finished_at)":"[^"]*"/g
  return { status: outcome.status, headers: outcome.headers, body: text.replace(stamps, '"$1":"<time>"') }
}

interface Case {
  readonly label: string
  readonly path: string
  readonly headers: Readonly<Record<string, string>>
  /** Text with placeholders, or raw bytes. */
  readonly body: string | Buffer
  readonly chunked?: boolean
}

const json = { "content-type": "application/json" }
const bearer = (name: string) => ({ authorization: `Bearer {${name}}` })
const create = "/api/v1/agent_spans"
const finish = (id: string) => `/api/v1/agent_spans/${id}/finish`
const span = (fields: string) => `{"details":{"agent_instance_id":"{run}","schema_name":"llm","status":"active","payload":{"prompt":"p"}${fields}}}`

const examples: ReadonlyArray<Case> = [
  { label: "create", path: create, headers: { ...json, ...bearer("token") }, body: span("") },
  { label: "create with times", path: create, headers: { ...json, ...bearer("token") }, body: span(`,"started_at":"2026-01-31T09:30:00.123Z","finished_at":"2026-01-31T09:30:01Z"`) },
  { label: "create, not conforming", path: create, headers: { ...json, ...bearer("token") }, body: `{"details":{"agent_instance_id":"{run}","schema_name":"llm","status":"complete","payload":{"x":1}}}` },
  { label: "create, unknown span type", path: create, headers: { ...json, ...bearer("token") }, body: `{"details":{"agent_instance_id":"{run}","schema_name":"nope","status":"complete","payload":{}}}` },
  { label: "create, child", path: create, headers: { ...json, ...bearer("token") }, body: span(`,"parent_span_id":"{span:0}"`) },
  { label: "create, idempotent", path: create, headers: { ...json, ...bearer("token"), "idempotency-key": "hot-key-0001" }, body: span("") },
  { label: "create, replayed", path: create, headers: { ...json, ...bearer("token"), "idempotency-key": "hot-key-0001" }, body: span("") },
  { label: "create, key in body", path: create, headers: { ...json, ...bearer("token") }, body: `{"details":{"agent_instance_id":"{run}","schema_name":"llm","status":"active","payload":{"prompt":"p"}},"idempotency_key":"hot-key-0002"}` },
  { label: "create, key too long", path: create, headers: { ...json, ...bearer("token"), "idempotency-key": "k".repeat(2_000) }, body: span("") },
  { label: "create, no type header", path: create, headers: bearer("token"), body: span("") },
  { label: "create, charset", path: create, headers: { "content-type": "application/json; charset=utf-8", ...bearer("token") }, body: span("") },
  { label: "create, text/plain", path: create, headers: { "content-type": "text/plain", ...bearer("token") }, body: span("") },
  { label: "create, chunked", path: create, headers: { ...json, ...bearer("token") }, body: span(""), chunked: true },
  { label: "create, query", path: `${create}?x=1`, headers: { ...json, ...bearer("token") }, body: span("") },
  { label: "create, trailing slash", path: `${create}/`, headers: { ...json, ...bearer("token") }, body: span("") },
  { label: "create, account token", path: create, headers: { ...json, ...bearer("account") }, body: span("") },
  { label: "create, another deployment's token", path: create, headers: { ...json, ...bearer("other") }, body: span("") },
  { label: "create, another account's token", path: create, headers: { ...json, ...bearer("foreign") }, body: span("") },
  { label: "create, no token", path: create, headers: json, body: span("") },
  { label: "create, unknown token", path: create, headers: { ...json, authorization: "Bearer pf_unknown-token-0123456789" }, body: span("") },
  { label: "create, basic", path: create, headers: { ...json, authorization: "Basic Zm9vOmJhcg==" }, body: span("") },
  { label: "create, empty bearer", path: create, headers: { ...json, authorization: "Bearer " }, body: span("") },
  { label: "create, finished run", path: create, headers: { ...json, ...bearer("token") }, body: `{"details":{"agent_instance_id":"{finished}","schema_name":"llm","status":"active","payload":{"prompt":"p"}}}` },
  { label: "create, unknown run", path: create, headers: { ...json, ...bearer("token") }, body: `{"details":{"agent_instance_id":"pfid_absent-0000000000000000","schema_name":"llm","status":"active","payload":{}}}` },
  { label: "create, empty body", path: create, headers: { ...json, ...bearer("token") }, body: "" },
  { label: "create, null", path: create, headers: { ...json, ...bearer("token") }, body: "null" },
  { label: "create, not JSON", path: create, headers: { ...json, ...bearer("token") }, body: "{details:" },
  { label: "create, deep", path: create, headers: { ...json, ...bearer("token") }, body: `{"details":${"[".repeat(200)}${"]".repeat(200)}}` },
  { label: "create, wrong types", path: create, headers: { ...json, ...bearer("token") }, body: `{"details":{"agent_instance_id":7,"schema_name":[],"status":"bogus","payload":"x"}}` },
  { label: "create, proto keys", path: create, headers: { ...json, ...bearer("token") }, body: span(`,"__proto__":{"x":1}`) },
  { label: "create, invalid UTF-8", path: create, headers: { ...json, ...bearer("token") }, body: Buffer.concat([Buffer.from(span("").slice(0, -3)), Buffer.from([0xff, 0xfe]), Buffer.from('"}}')]) },
  { label: "create, NUL", path: create, headers: { ...json, ...bearer("token") }, body: `{"details":{"agent_instance_id":"{run}","schema_name":"llm\\u0000","status":"active","payload":{"prompt":"a\\u0000b"}}}` },
  { label: "finish", path: finish("{span:0}"), headers: { ...json, ...bearer("token") }, body: `{"status":"complete","result_payload":{"ok":true}}` },
  { label: "finish, again", path: finish("{span:0}"), headers: { ...json, ...bearer("token") }, body: `{"status":"complete"}` },
  { label: "finish, empty body", path: finish("{span:1}"), headers: { ...json, ...bearer("token") }, body: "" },
  { label: "finish, bad status", path: finish("{span:2}"), headers: { ...json, ...bearer("token") }, body: `{"status":"bogus"}` },
  { label: "finish, unknown span", path: finish("pfid_absent-span-0000000000000000"), headers: { ...json, ...bearer("token") }, body: "{}" },
  { label: "finish, odd id", path: finish("%2e%2e"), headers: { ...json, ...bearer("token") }, body: "{}" },
  { label: "finish, long id", path: finish("a".repeat(300)), headers: { ...json, ...bearer("token") }, body: "{}" },
  { label: "finish, foreign token", path: finish("{span:3}"), headers: { ...json, ...bearer("foreign") }, body: "{}" },
  { label: "finish, other deployment", path: finish("{span:3}"), headers: { ...json, ...bearer("other") }, body: "{}" }
]

let servers: ReadonlyArray<RunningServer> = []
let fixtures: ReadonlyArray<Fixture> = []

beforeAll(async () => {
  servers = [await startServer({ hotRoutes: true }), await startServer({ hotRoutes: false })]
  fixtures = await Promise.all(servers.map(fixture))
}, 120_000)
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()))
})

/** Sends one case to both servers in turn; returns both normalized answers. */
const both = async (item: Case): Promise<ReadonlyArray<unknown>> => {
  const answers: Array<unknown> = []
  for (const f of fixtures) {
    const headers = Object.fromEntries(Object.entries(item.headers).map(([name, value]) => [name, concrete(f, value)]))
    const body = typeof item.body === "string" ? Buffer.from(concrete(f, item.body), "utf8") : item.body
    const outcome = await send(f.base, { path: concrete(f, item.path), headers, body, chunked: item.chunked === true })
    if (outcome.status === 201) {
      const id = /"id":"([^"]+)"/.exec(outcome.text)?.[1]
      if (id !== undefined && !f.spans.includes(id)) f.spans.push(id)
    }
    answers.push(normalized(f, outcome))
  }
  return answers
}

describe("hot routes answer as the platform does", () => {
  it("the documented examples and the edge's refusals", async () => {
    const statuses = new Set<number>()
    for (const item of examples) {
      const [hot, platform] = await both(item)
      expect(hot, item.label).toEqual(platform)
      if (typeof hot === "object" && hot !== null && "status" in hot && typeof hot.status === "number") statuses.add(hot.status)
    }
    // The hot routes took every plain example (the rest are the edge's to answer).
    expect(servers[0]?.hotServed()).toBeGreaterThanOrEqual(25)
    // The examples reach every kind of answer the two routes give.
    expect([...statuses].sort()).toEqual([200, 201, 400, 401, 404, 409, 415])
  }, 120_000)

  it(`seeded random requests (${deep ? 400 : 80} sequences)`, async () => {
    const value = fc.oneof(
      fc.constantFrom('"p"', "1", "null", "true", "[]", "{}", '"\\u0000"', '"\\ud800"', "1e400", `"${"y".repeat(3_000)}"`),
      fc.string({ maxLength: 12 }).map((text) => JSON.stringify(text))
    )
    const key = fc.constantFrom("prompt", "__proto__", "constructor", "status", "id", "x")
    const details = fc.record({
      run: fc.constantFrom("{run}", "{second}", "{finished}", "pfid_absent-0000000000000000", "7"),
      schema: fc.constantFrom('"llm"', '"nope"', "1"),
      status: fc.constantFrom('"active"', '"complete"', '"failed"', '"bogus"'),
      payloadKey: key,
      payload: value,
      extra: fc.constantFrom("", `,"parent_span_id":"{span:1}"`, `,"started_at":"2026-01-31T09:30:00Z"`, `,"started_at":"yesterday"`, `,"id":"{span:2}"`, `,"result_payload":{"k":1}`)
    }).map(({ run, schema, status, payloadKey, payload, extra }) =>
      `{"details":{"agent_instance_id":"${run}","schema_name":${schema},"status":${status},"payload":{"${payloadKey}":${payload}}${extra}}}`)
    const finishBody = fc.oneof(
      fc.constantFrom("", "null", "{}", '{"status":"failed"}', '{"status":"bogus"}', '{"result_payload":[]}'),
      value.map((result) => `{"status":"complete","result_payload":{"r":${result}}}`)
    )
    const damage = (body: string) =>
      fc.constantFrom(body, body, body, body.slice(0, Math.floor(body.length / 2)), `${body}}`, `[${body}]`)
    const item: fc.Arbitrary<Case> = fc.record({
      route: fc.constantFrom("create", "create", "finish"),
      created: details.chain(damage),
      finished: finishBody,
      span: fc.constantFrom("{span:0}", "{span:1}", "{span:4}", "{span:9}", "pfid_absent-span-0000000000000000", "x.y"),
      token: fc.constantFrom("token", "token", "token", "account", "other", "foreign"),
      type: fc.constantFrom("application/json", "application/json", "", "text/plain", "APPLICATION/JSON"),
      key: fc.option(fc.constantFrom("k-0001", "k-0002", "k".repeat(300)), { freq: 3 }),
      chunked: fc.boolean()
    }).map(({ route, created, finished, span: id, token, type, key, chunked }) => ({
      label: route,
      path: route === "create" ? create : finish(id),
      headers: {
        authorization: `Bearer {${token}}`,
        ...(type === "" ? {} : { "content-type": type }),
        ...(key === null ? {} : { "idempotency-key": key })
      },
      body: route === "create" ? created : finished,
      chunked
    }))
    await fc.assert(
      fc.asyncProperty(fc.array(item, { minLength: 1, maxLength: 8 }), async (items) => {
        for (const one of items) {
          const [hot, platform] = await both(one)
          const label = `${one.label} ${one.path} ${JSON.stringify(one.headers)} ${String(one.body).slice(0, 300)}`
          expect(JSON.stringify(hot, null, 1), label).toEqual(JSON.stringify(platform, null, 1))
        }
      }),
      { numRuns: deep ? 400 : 80, seed: 20261206 }
    )
    // The hot server's hot routes took the plain requests; the other server has none.
    expect(servers[0]?.hotServed()).toBeGreaterThan(100)
    expect(servers[1]?.hotServed()).toBe(0)
    // The sequences created spans on both servers alike.
    expect(fixtures[0]?.spans.length).toBe(fixtures[1]?.spans.length)
    expect(fixtures[0]?.spans.length).toBeGreaterThan(10)
  }, 600_000)
})
