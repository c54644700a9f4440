/**
 * Bad input over real HTTP: malformed JSON, wrong types, missing fields, unknown ids, ids of
 * another account, malformed ids, oversized bodies, deep nesting, wrong content types, missing /
 * bad / revoked / suspended / expired tokens, deployment-scoped tokens on management routes and
 * account tokens on the operator API. Each must get its 4xx with the error envelope
 * `{status:"error", code, message, errors?}`, and leave both accounts' data as it was (compared
 * through the `Ledger` behind the server). Then a property: arbitrary bodies, ids and query
 * parameters to every route of the OpenAPI document never get a 5xx, and every non-2xx answer is
 * an error envelope.
 *
 * Checks inside loops are soft (`expect.soft`), so one run lists every failing request.
 * `AGENTLEDGER_DEEP=1` runs the property many more times.
 */
import { ApiToken, Ids, Json as DomainJson } from "@agentledger/domain"
import { FastCheck as fc, Schema } from "effect"
import { afterAll, assert, beforeAll, describe, expect, it } from "vitest"
import * as B from "./support/badInput.js"
import { type RunningServer, startServer } from "./support/server.js"

const deep = (process.env["AGENTLEDGER_DEEP"] ?? "") !== ""

// ---------------------------------------------------------------------------------------------
// A server with two seeded accounts

interface World {
  readonly server: RunningServer
  /** The first account (the server's own, token `server.secret`). */
  readonly a: B.Seeded
  /** The second account, opened through the operator API. */
  readonly b: B.Seeded
  readonly secretB: string
}

/** A server for the tests of one `describe`, started before them and closed after. */
const world = (options: { readonly maxBodyBytes?: number } = {}): (() => World) => {
  let current: World | undefined
  beforeAll(async () => {
    const server = await startServer(options)
    const a = await B.seed(server.url, server.secret, "one")
    const secretB = await B.openAccount(server.url, server.operatorToken, "Second account")
    const b = await B.seed(server.url, secretB, "two")
    current = { server, a, b, secretB }
  }, 60_000)
  afterAll(() => current?.server.close())
  return () => {
    if (current === undefined) throw new Error("the server is used before it was started")
    return current
  }
}

/** Runs `act`, then checks (softly, so `act`'s own failure still shows) that neither account's data changed. */
const unchanged = async (w: World, act: () => Promise<void>): Promise<void> => {
  const snapshotAll = async () => ({
    first: await B.snapshot(w.server.ledger, w.server.secret),
    second: await B.snapshot(w.server.ledger, w.secretB)
  })
  const before = await snapshotAll()
  try {
    await act()
  } finally {
    expect.soft(await snapshotAll(), "the store changed").toEqual(before)
  }
}

/** That an answer is one of `statuses`, JSON, an error envelope, with one of `codes`. */
const expectError = (
  label: string,
  answer: B.Answer | null,
  statuses: number | ReadonlyArray<number>,
  codes: string | ReadonlyArray<string>
): void => {
  const wantedStatuses = typeof statuses === "number" ? [statuses] : [...statuses]
  const wantedCodes = typeof codes === "string" ? [codes] : [...codes]
  const body = answer?.body
  const got = answer === null
    ? { answered: false }
    : {
      answered: true,
      status: answer.status,
      json: (answer.contentType ?? "").includes("application/json"),
      envelope: B.isErrorEnvelope(body),
      code: B.isErrorEnvelope(body) ? body.code : undefined
    }
  expect.soft(got, `${label} → ${B.summary(answer)}`).toEqual({
    answered: true,
    status: expect.toBeOneOf(wantedStatuses),
    json: true,
    envelope: true,
    code: expect.toBeOneOf(wantedCodes)
  })
}

type Json = B.Json

const request = (w: World, method: string, path: string, body?: Json, token: string | null = w.server.secret) =>
  B.call(w.server.url, token, method, path, body)

// ---------------------------------------------------------------------------------------------
// The routes with an `{id}`, each with a body its handler accepts, so that only the id is wrong

type Kind = "token" | "environment" | "agent" | "version" | "schemaVersion" | "deployment" | "riskProfile" | "instance" | "span"

/** The kind of record the `{id}` of a path names, from its collection. */
const kindOf = (path: string): Kind => {
  const collection = path.split("/")[3]
  switch (collection) {
    case "api_token": return "token"
    case "environment": return "environment"
    case "agent": return "agent"
    case "agent_version": return "version"
    case "agent_schema_version": return "schemaVersion"
    case "agent_deployment": return "deployment"
    case "risk_profile": return "riskProfile"
    case "agent_instance": return "instance"
    case "agent_spans": return "span"
    default: throw new Error(`no kind for ${path}`)
  }
}

interface IdRoute {
  readonly method: string
  readonly path: string
  /** A body the route accepts (given an existing record), or none. */
  readonly body?: (w: World) => Json
  /** Whether a deployment-scoped token is refused here (a management route). */
  readonly management: boolean
}

const thresholds = { medium: 10, high: 20, critical: 30 }

const idRoutes: ReadonlyArray<IdRoute> = [
  { method: "GET", path: "/api/v1/api_token/{id}", management: true },
  { method: "DELETE", path: "/api/v1/api_token/{id}", management: true },
  { method: "POST", path: "/api/v1/api_token/{id}/suspend", body: () => ({}), management: true },
  { method: "POST", path: "/api/v1/api_token/{id}/activate", body: () => ({}), management: true },
  { method: "POST", path: "/api/v1/api_token/{id}/revoke", body: () => ({}), management: true },
  { method: "POST", path: "/api/v1/api_token/{id}/expire", body: () => ({}), management: true },
  { method: "GET", path: "/api/v1/environment/{id}", management: true },
  { method: "PUT", path: "/api/v1/environment/{id}", body: () => ({ details: { name: "renamed by a bad request" } }), management: true },
  { method: "DELETE", path: "/api/v1/environment/{id}", management: true },
  { method: "GET", path: "/api/v1/agent/{id}", management: true },
  { method: "PUT", path: "/api/v1/agent/{id}", body: () => ({ details: { name: "renamed by a bad request" } }), management: true },
  { method: "DELETE", path: "/api/v1/agent/{id}", management: true },
  { method: "POST", path: "/api/v1/agent/{id}/retire", body: () => ({}), management: true },
  { method: "POST", path: "/api/v1/agent/{id}/reinstate", body: () => ({}), management: true },
  { method: "GET", path: "/api/v1/agent_version/{id}", management: true },
  { method: "GET", path: "/api/v1/agent_version/{id}/risk", management: true },
  { method: "GET", path: "/api/v1/agent_schema_version/{id}", management: true },
  { method: "GET", path: "/api/v1/agent_deployment/{id}", management: true },
  { method: "PUT", path: "/api/v1/agent_deployment/{id}", body: () => ({ details: { current_version_id: null } }), management: true },
  { method: "DELETE", path: "/api/v1/agent_deployment/{id}", management: true },
  { method: "POST", path: "/api/v1/agent_deployment/{id}/rollback", body: (w) => ({ details: { version_id: w.a.version } }), management: true },
  { method: "GET", path: "/api/v1/risk_profile/{id}", management: true },
  { method: "PUT", path: "/api/v1/risk_profile/{id}", body: () => ({ details: { thresholds } }), management: true },
  { method: "DELETE", path: "/api/v1/risk_profile/{id}", management: true },
  { method: "GET", path: "/api/v1/risk_profile/{id}/revisions", management: true },
  { method: "POST", path: "/api/v1/agent_instance/{id}/start", body: () => ({}), management: false },
  { method: "POST", path: "/api/v1/agent_instance/{id}/finish", body: () => ({}), management: false },
  { method: "POST", path: "/api/v1/agent_instance/{id}/terminate", body: () => ({ reason: "a bad request" }), management: true },
  { method: "GET", path: "/api/v1/agent_instance/{id}", management: false },
  { method: "GET", path: "/api/v1/agent_instance/{id}/timeline", management: false },
  { method: "GET", path: "/api/v1/agent_instance/{id}/spans", management: false },
  { method: "GET", path: "/api/v1/agent_instance/{id}/risk", management: false },
  { method: "POST", path: "/api/v1/agent_spans/{id}/finish", body: () => ({}), management: false },
  { method: "GET", path: "/api/v1/agent_spans/{id}", management: false }
]

const withId = (path: string, id: string): string => path.replace("{id}", id)

/** Sends an id route with `id` in its path and its accepted body. */
const sendIdRoute = (w: World, route: IdRoute, id: string, token: string = w.server.secret) =>
  request(w, route.method, withId(route.path, id), route.body?.(w), token)

// ---------------------------------------------------------------------------------------------
// The OpenAPI document: the routes of the contract

const HttpMethods = ["get", "post", "put", "delete", "patch"] as const
const OpenApiParameter = Schema.Struct({ name: Schema.String, in: Schema.String })
const OpenApiOperation = Schema.Struct({ parameters: Schema.optional(Schema.Array(OpenApiParameter)) })
const OpenApiDocument = Schema.Struct({
  paths: Schema.Record({ key: Schema.String, value: Schema.Record({ key: Schema.String, value: Schema.Unknown }) })
})

interface Route {
  /** The path template, e.g. `/api/v1/agent/{id}`. */
  readonly path: string
  readonly method: string
  /** The names of its query parameters. */
  readonly query: ReadonlyArray<string>
}

const isOperationOf = Schema.is(OpenApiOperation)

/** Every route of the document, and every property name its schemas mention. */
const contractRoutes = async (base: string): Promise<{ readonly routes: ReadonlyArray<Route>; readonly fields: ReadonlyArray<string> }> => {
  const response = await fetch(`${base}/openapi.json`)
  const document: unknown = await response.json()
  const decoded = Schema.decodeUnknownSync(OpenApiDocument)(document)
  const routes: Array<Route> = []
  for (const [path, item] of Object.entries(decoded.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (!HttpMethods.some((known) => known === method)) continue
      const parameters = isOperationOf(operation) ? operation.parameters ?? [] : []
      routes.push({ path, method: method.toUpperCase(), query: parameters.filter((p) => p.in === "query").map((p) => p.name) })
    }
  }
  // Every key of every `properties` object anywhere in the document: the fields bodies may name.
  const fields = new Set<string>()
  const stack: Array<unknown> = [document]
  for (let node = stack.pop(); node !== undefined || stack.length > 0; node = stack.pop()) {
    if (Array.isArray(node)) stack.push(...node)
    else if (B.isRecord(node)) {
      const properties = node["properties"]
      if (B.isRecord(properties)) for (const key of Object.keys(properties)) fields.add(key)
      stack.push(...Object.values(node))
    }
  }
  return { routes, fields: [...fields].sort() }
}

// =============================================================================================

describe("bad request bodies", () => {
  const w = world()

  const malformed: ReadonlyArray<readonly [string, string | Uint8Array<ArrayBuffer>]> = [
    ["unclosed object", "{bad"],
    ["truncated", "{\"details\":"],
    ["extra closing brace", "{\"details\":{\"name\":\"x\"}}}"],
    ["single quotes", "{'details':{'name':'x'}}"],
    ["unquoted keys", "{details:{name:\"x\"}}"],
    ["trailing comma", "{\"details\":{\"name\":\"x\",}}"],
    ["NaN", "NaN"],
    ["undefined", "undefined"],
    ["trailing garbage", "{\"details\":{\"name\":\"x\"}}garbage"],
    ["two documents", "{\"a\":1}{\"b\":2}"],
    ["NUL byte", "\u0000"],
    ["unclosed array", "[1,2"],
    ["unterminated string", "\"unterminated"],
    ["invalid escape", "{\"details\":{\"name\":\"\\x\"}}"],
    ["leading zero", "01"],
    ["invalid UTF-8", new Uint8Array([0x7b, 0xff, 0xfe, 0xfd, 0x7d])]
  ]

  const bodyRoutes = (x: World): ReadonlyArray<readonly [string, string, string]> => [
    ["POST", "/api/v1/agent", x.server.secret],
    ["POST", "/api/v1/agent_instance/register", x.server.secret],
    ["POST", "/api/v1/agent_spans", x.server.secret],
    ["POST", "/api/v1/agent_spans/batch", x.server.secret],
    ["PUT", `/api/v1/environment/${x.a.environment}`, x.server.secret],
    ["POST", `/api/v1/agent/${x.a.agent}/retire`, x.server.secret],
    ["POST", `/api/v1/agent_instance/${x.a.instance}/terminate`, x.server.secret],
    ["POST", "/api/v1/api_token", x.server.secret],
    ["POST", "/api/v1/bulk", x.server.secret],
    ["POST", "/api/v1/admin/account", x.server.operatorToken]
  ]

  it("answers malformed JSON with 400 bad_request", async () => {
    await unchanged(w(), async () => {
      for (const [method, path, token] of bodyRoutes(w())) {
        for (const [label, body] of malformed) {
          const answer = await B.send(w().server.url, { method, path, token, body })
          expectError(`${method} ${path} with ${label}`, answer, 400, "bad_request")
        }
      }
    })
  })

  interface Bad {
    readonly label: string
    readonly method: string
    readonly path: (w: World) => string
    readonly body?: (w: World) => Json
    /** The field the errors must name (`errors[field]`), when the answer is validation_errors. */
    readonly field?: string
  }

  const span = (x: World, details: { readonly [key: string]: Json }): Json => ({
    details: { agent_instance_id: x.a.instance, schema_name: "llm", status: "active", ...details }
  })

  const wrongTypes: ReadonlyArray<Bad> = [
    { label: "agent name a number", method: "POST", path: () => "/api/v1/agent", body: () => ({ details: { name: 5 } }), field: "details.name" },
    { label: "agent name an array", method: "POST", path: () => "/api/v1/agent", body: () => ({ details: { name: ["x"] } }), field: "details.name" },
    { label: "agent details a string", method: "POST", path: () => "/api/v1/agent", body: () => ({ details: "agent" }), field: "details" },
    { label: "agent details an array", method: "POST", path: () => "/api/v1/agent", body: () => ({ details: [{ name: "x" }] }), field: "details" },
    { label: "agent body an array", method: "POST", path: () => "/api/v1/agent", body: () => [{ details: { name: "x" } }] },
    { label: "agent body a string", method: "POST", path: () => "/api/v1/agent", body: () => "agent" },
    { label: "agent body a number", method: "POST", path: () => "/api/v1/agent", body: () => 42 },
    { label: "agent body true", method: "POST", path: () => "/api/v1/agent", body: () => true },
    { label: "agent body null", method: "POST", path: () => "/api/v1/agent", body: () => null },
    { label: "agent description a number", method: "POST", path: () => "/api/v1/agent", body: () => ({ details: { name: "x", description: 1 } }), field: "details.description" },
    { label: "idempotency_key a number", method: "POST", path: () => "/api/v1/agent", body: () => ({ details: { name: "x" }, idempotency_key: 7 }), field: "idempotency_key" },
    { label: "environment purpose unknown", method: "POST", path: () => "/api/v1/environment", body: () => ({ details: { name: "e", purpose: "nonsense" } }), field: "details.purpose" },
    { label: "environment update name a boolean", method: "PUT", path: (x) => `/api/v1/environment/${x.a.environment}`, body: () => ({ details: { name: false } }), field: "details.name" },
    { label: "agent update name an object", method: "PUT", path: (x) => `/api/v1/agent/${x.a.agent}`, body: () => ({ details: { name: { text: "x" } } }), field: "details.name" },
    { label: "token scope unknown", method: "POST", path: () => "/api/v1/api_token", body: () => ({ details: { token_scope: "root" } }), field: "details.token_scope" },
    { label: "token expires_at not a date", method: "POST", path: () => "/api/v1/api_token", body: () => ({ details: { token_scope: "account", expires_at: "tomorrow" } }), field: "details.expires_at" },
    { label: "span status unknown", method: "POST", path: () => "/api/v1/agent_spans", body: (x) => span(x, { status: "flying" }), field: "details.status" },
    { label: "span payload a string", method: "POST", path: () => "/api/v1/agent_spans", body: (x) => span(x, { payload: "text" }), field: "details.payload" },
    { label: "span payload an array", method: "POST", path: () => "/api/v1/agent_spans", body: (x) => span(x, { payload: [1, 2] }), field: "details.payload" },
    { label: "span started_at a number", method: "POST", path: () => "/api/v1/agent_spans", body: (x) => span(x, { started_at: 1_700_000_000 }), field: "details.started_at" },
    { label: "span batch details an object", method: "POST", path: () => "/api/v1/agent_spans/batch", body: (x) => span(x, {}), field: "details" },
    { label: "register agent_id a number", method: "POST", path: () => "/api/v1/agent_instance/register", body: (x) => ({ agent_id: 123, environment_id: x.a.environment }), field: "agent_id" },
    { label: "register update_current_version a string", method: "POST", path: () => "/api/v1/agent_instance/register", body: (x) => ({ agent_id: x.a.agent, environment_id: x.a.environment, update_current_version: "yes" }), field: "update_current_version" },
    { label: "register purpose unknown", method: "POST", path: () => "/api/v1/agent_instance/register", body: (x) => ({ agent_id: x.a.agent, environment_id: x.a.environment, purpose: "sabotage" }), field: "purpose" },
    { label: "run finish status unknown", method: "POST", path: (x) => `/api/v1/agent_instance/${x.a.instance}/finish`, body: () => ({ status: "done" }), field: "status" },
    { label: "run start timestamp not a date", method: "POST", path: (x) => `/api/v1/agent_instance/${x.a.instance}/start`, body: () => ({ timestamp: "yesterday" }), field: "timestamp" },
    { label: "run action body an array", method: "POST", path: (x) => `/api/v1/agent_instance/${x.a.instance}/finish`, body: () => [] },
    { label: "run terminate reason a number", method: "POST", path: (x) => `/api/v1/agent_instance/${x.a.instance}/terminate`, body: () => ({ reason: 5 }), field: "reason" },
    { label: "span finish status active", method: "POST", path: (x) => `/api/v1/agent_spans/${x.a.span}/finish`, body: () => ({ status: "active" }), field: "status" },
    { label: "risk thresholds strings", method: "POST", path: () => "/api/v1/risk_profile", body: () => ({ details: { name: "p", thresholds: { medium: "low", high: 2, critical: 3 } } }), field: "details.thresholds.medium" },
    { label: "deployment version a number", method: "PUT", path: (x) => `/api/v1/agent_deployment/${x.a.deployment}`, body: () => ({ details: { current_version_id: 7 } }), field: "details.current_version_id" },
    { label: "bulk items a string", method: "POST", path: () => "/api/v1/bulk", body: () => ({ items: "all" }), field: "items" },
    { label: "bulk item of an unknown type", method: "POST", path: () => "/api/v1/bulk", body: () => ({ items: [{ _type: "agents/destroy", idempotency_key: "bulk-unknown-type" }] }) },
    { label: "account name a number", method: "POST", path: () => "/api/v1/admin/account", body: () => ({ details: { name: 1 } }), field: "details.name" }
  ]

  const missing: ReadonlyArray<Bad> = [
    { label: "agent without details", method: "POST", path: () => "/api/v1/agent", body: () => ({}), field: "details" },
    { label: "agent without name", method: "POST", path: () => "/api/v1/agent", body: () => ({ details: {} }), field: "details.name" },
    { label: "agent with no body", method: "POST", path: () => "/api/v1/agent" },
    { label: "environment without name", method: "POST", path: () => "/api/v1/environment", body: () => ({ details: { purpose: "production" } }), field: "details.name" },
    { label: "environment update without details", method: "PUT", path: (x) => `/api/v1/environment/${x.a.environment}`, body: () => ({}), field: "details" },
    { label: "token without scope", method: "POST", path: () => "/api/v1/api_token", body: () => ({ details: {} }), field: "details.token_scope" },
    { label: "deployment token without deployment", method: "POST", path: () => "/api/v1/api_token", body: () => ({ details: { token_scope: "agent_deployment" } }), field: "agent_deployment_id" },
    { label: "deployment without environment", method: "POST", path: () => "/api/v1/agent_deployment", body: (x) => ({ details: { agent_id: x.a.agent } }), field: "details.environment_id" },
    { label: "deployment update without current_version_id", method: "PUT", path: (x) => `/api/v1/agent_deployment/${x.a.deployment}`, body: () => ({ details: {} }), field: "details.current_version_id" },
    { label: "rollback without version_id", method: "POST", path: (x) => `/api/v1/agent_deployment/${x.a.deployment}/rollback`, body: () => ({ details: {} }), field: "details.version_id" },
    { label: "rollback without details", method: "POST", path: (x) => `/api/v1/agent_deployment/${x.a.deployment}/rollback`, body: () => ({}), field: "details" },
    { label: "terminate without reason", method: "POST", path: (x) => `/api/v1/agent_instance/${x.a.instance}/terminate`, body: () => ({}), field: "reason" },
    { label: "terminate with no body", method: "POST", path: (x) => `/api/v1/agent_instance/${x.a.instance}/terminate` },
    { label: "span without instance", method: "POST", path: () => "/api/v1/agent_spans", body: () => ({ details: { schema_name: "llm", status: "active" } }), field: "details.agent_instance_id" },
    { label: "span without schema_name", method: "POST", path: () => "/api/v1/agent_spans", body: (x) => ({ details: { agent_instance_id: x.a.instance, status: "active" } }), field: "details.schema_name" },
    { label: "span without status", method: "POST", path: () => "/api/v1/agent_spans", body: (x) => ({ details: { agent_instance_id: x.a.instance, schema_name: "llm" } }), field: "details.status" },
    { label: "span batch item without status", method: "POST", path: () => "/api/v1/agent_spans/batch", body: (x) => ({ details: [{ agent_instance_id: x.a.instance, schema_name: "llm" }] }) },
    { label: "risk profile without thresholds", method: "POST", path: () => "/api/v1/risk_profile", body: () => ({ details: { name: "p" } }), field: "details.thresholds" },
    { label: "risk profile update without thresholds", method: "PUT", path: (x) => `/api/v1/risk_profile/${x.a.riskProfile}`, body: () => ({ details: { name: "p" } }), field: "details.thresholds" },
    { label: "register without agent", method: "POST", path: () => "/api/v1/agent_instance/register", body: (x) => ({ environment_id: x.a.environment }) },
    { label: "register with no body", method: "POST", path: () => "/api/v1/agent_instance/register" },
    { label: "bulk without items", method: "POST", path: () => "/api/v1/bulk", body: () => ({}), field: "items" },
    { label: "bulk item without idempotency_key", method: "POST", path: () => "/api/v1/bulk", body: () => ({ items: [{ _type: "agents/create", details: { name: "x" } }] }) },
    { label: "bulk item without details", method: "POST", path: () => "/api/v1/bulk", body: () => ({ items: [{ _type: "agents/create", idempotency_key: "bulk-no-details" }] }) },
    { label: "account without name", method: "POST", path: () => "/api/v1/admin/account", body: () => ({ details: {} }), field: "details.name" }
  ]

  const queries: ReadonlyArray<Bad> = [
    { label: "page size not a number", method: "GET", path: () => "/api/v1/agent?pagination[page_size]=abc", field: "pagination[page_size]" },
    { label: "page size a fraction", method: "GET", path: () => "/api/v1/agent?pagination[page_size]=1.5", field: "pagination[page_size]" },
    { label: "page size zero", method: "GET", path: () => "/api/v1/environment?pagination[page_size]=0" },
    { label: "page size 1000", method: "GET", path: () => "/api/v1/environment?pagination[page_size]=1000" },
    { label: "page size 1e400", method: "GET", path: () => "/api/v1/api_token?pagination[page_size]=1e400" },
    { label: "negative offset", method: "GET", path: () => "/api/v1/risk_profile?pagination[offset]=-1" },
    { label: "sort direction unknown", method: "GET", path: () => "/api/v1/agent?sorting[field]=name&sorting[direction]=sideways", field: "sorting[direction]" },
    { label: "sort by an unknown field", method: "GET", path: () => "/api/v1/agent?sorting=password" },
    { label: "run status unknown", method: "GET", path: () => "/api/v1/agent_instance?status=flying", field: "status" },
    { label: "span start_time not a date", method: "GET", path: () => "/api/v1/agent_spans?start_time=yesterday", field: "start_time" },
    { label: "versions without agent_id", method: "GET", path: () => "/api/v1/agent_version", field: "agent_id" },
    { label: "schema versions without agent_id", method: "GET", path: () => "/api/v1/agent_schema_version", field: "agent_id" },
    { label: "show without external_identifier", method: "GET", path: () => "/api/v1/agent/show", field: "external_identifier" },
    { label: "agents by a malformed risk profile id", method: "GET", path: () => "/api/v1/agent?risk_profile_id=nope", field: "risk_profile_id" },
    { label: "runs by a malformed agent id", method: "GET", path: () => "/api/v1/agent_instance?agent_id=nope", field: "agent_id" },
    { label: "spans by a malformed run id", method: "GET", path: () => "/api/v1/agent_spans?agent_instance_id=nope", field: "agent_instance_id" },
    { label: "deployments by a malformed environment id", method: "GET", path: () => "/api/v1/agent_deployment?environment_id=nope", field: "environment_id" }
  ]

  const runBad = async (cases: ReadonlyArray<Bad>) => {
    const x = w()
    await unchanged(x, async () => {
      for (const bad of cases) {
        const token = bad.path(x).startsWith("/api/v1/admin/") ? x.server.operatorToken : x.server.secret
        const answer = await request(x, bad.method, bad.path(x), bad.body?.(x), token)
        expectError(`${bad.label}: ${bad.method} ${bad.path(x)}`, answer, 400, "validation_errors")
        if (bad.field !== undefined && B.isErrorEnvelope(answer.body)) {
          expect.soft(Object.keys(answer.body.errors ?? {}), `${bad.label}: errors name the field → ${B.summary(answer)}`).toContain(bad.field)
        }
      }
    })
  }

  it("answers wrong types with 400 validation_errors naming the field", () => runBad(wrongTypes))
  it("answers missing fields with 400 validation_errors naming the field", () => runBad(missing))
  it("answers bad query parameters with 400 validation_errors", () => runBad(queries))

  it("answers unknown routes and methods with 404 not_found", async () => {
    const x = w()
    await unchanged(x, async () => {
      for (const [method, path] of [
        ["GET", "/api/v1/nope"],
        ["POST", "/api/v1/nope"],
        ["GET", "/api/v2/agent"],
        ["PATCH", `/api/v1/agent/${x.a.agent}`],
        ["POST", `/api/v1/agent/${x.a.agent}/explode`],
        ["DELETE", "/api/v1/agent"],
        ["PUT", "/api/v1/agent_instance/register"]
      ] as const) {
        expectError(`${method} ${path}`, await request(x, method, path, method === "GET" ? undefined : { details: { name: "x" } }), 404, "not_found")
      }
    })
  })
})

// =============================================================================================

describe("ids", () => {
  const w = world()

  it("lists every {id} route of the contract here", async () => {
    const { routes } = await contractRoutes(w().server.url)
    const withIds = routes.filter((route) => route.path.includes("{id}")).map((route) => `${route.method} ${route.path}`).sort()
    expect(idRoutes.map((route) => `${route.method} ${route.path}`).sort()).toEqual(withIds)
  })

  it("answers well-formed but unknown ids with 404 not_found, in the account's partition and in others", async () => {
    const x = w()
    const partition = B.partitionOf(x.a.account)
    await unchanged(x, async () => {
      for (const route of idRoutes) {
        for (const id of [B.absentId(partition), B.absentId()]) {
          expectError(`${route.method} ${withId(route.path, id)}`, await sendIdRoute(x, route, id), 404, "not_found")
        }
      }
    })
  })

  it("answers unknown ids named in bodies and filters with 404 not_found", async () => {
    const x = w()
    const absent = B.absentId(B.partitionOf(x.a.account))
    const cases: ReadonlyArray<readonly [string, string, string, Json | undefined]> = [
      ["register with an unknown agent", "POST", "/api/v1/agent_instance/register", { agent_id: absent, environment_id: x.a.environment }],
      ["register with an unknown environment", "POST", "/api/v1/agent_instance/register", { agent_id: x.a.agent, environment_id: absent }],
      ["span of an unknown run", "POST", "/api/v1/agent_spans", { details: { agent_instance_id: absent, schema_name: "llm", status: "active" } }],
      ["span with an unknown parent", "POST", "/api/v1/agent_spans", { details: { agent_instance_id: x.a.instance, parent_span_id: absent, schema_name: "llm", status: "active" } }],
      ["span batch of an unknown run", "POST", "/api/v1/agent_spans/batch", { details: [{ agent_instance_id: absent, schema_name: "llm", status: "active" }] }],
      ["deployment of an unknown agent", "POST", "/api/v1/agent_deployment", { details: { agent_id: absent, environment_id: x.a.environment } }],
      ["deployment to an unknown version", "PUT", `/api/v1/agent_deployment/${x.a.deployment}`, { details: { current_version_id: absent } }],
      ["rollback to an unknown version", "POST", `/api/v1/agent_deployment/${x.a.deployment}/rollback`, { details: { version_id: absent } }],
      ["token of an unknown deployment", "POST", "/api/v1/api_token", { details: { token_scope: "agent_deployment", agent_deployment_id: absent } }],
      ["agent with an unknown risk profile", "POST", "/api/v1/agent", { details: { name: "x", risk_profile_id: absent } }],
      ["agent update to an unknown risk profile", "PUT", `/api/v1/agent/${x.a.agent}`, { details: { risk_profile_id: absent } }],
      ["versions of an unknown agent", "GET", `/api/v1/agent_version?agent_id=${absent}`, undefined],
      ["schema versions of an unknown agent", "GET", `/api/v1/agent_schema_version?agent_id=${absent}`, undefined],
      ["spans of an unknown run", "GET", `/api/v1/agent_spans?agent_instance_id=${absent}`, undefined],
      ["agent by an unknown external identifier", "GET", "/api/v1/agent/show?external_identifier=no-such-agent", undefined]
    ]
    await unchanged(x, async () => {
      for (const [label, method, path, body] of cases) expectError(`${label}: ${method} ${path}`, await request(x, method, path, body), 404, "not_found")
      const bulk = await request(x, "POST", "/api/v1/bulk", { items: [{ _type: "agent_instances/finish", idempotency_key: "bulk-unknown-run", agent_instance_id: absent }] })
      expect.soft({ status: bulk.status, output: B.at(bulk.body, "outputs", "bulk-unknown-run", "code") }, B.summary(bulk)).toEqual({ status: 200, output: "not_found" })
    })
  })

  it("answers every route with another account's ids with 404 not_found, both ways", async () => {
    const x = w()
    await unchanged(x, async () => {
      for (const route of idRoutes) {
        const kind = kindOf(route.path)
        expectError(`first account: ${route.method} ${withId(route.path, x.b[kind])}`, await sendIdRoute(x, route, x.b[kind]), 404, "not_found")
        expectError(`second account: ${route.method} ${withId(route.path, x.a[kind])}`, await sendIdRoute(x, route, x.a[kind], x.secretB), 404, "not_found")
      }
      // The deployment token of the first account reaches its own run, not the second's.
      expectError("deployment token: the other account's run", await request(x, "GET", `/api/v1/agent_instance/${x.b.instance}`, undefined, x.a.deploymentTokenSecret), 404, "not_found")
    })
  })

  it("answers another account's ids named in bodies with 404 not_found, and filters by them show nothing", async () => {
    const x = w()
    const b = x.b
    const cases: ReadonlyArray<readonly [string, string, string, Json]> = [
      ["register with its agent", "POST", "/api/v1/agent_instance/register", { agent_id: b.agent, environment_id: x.a.environment }],
      ["register with its environment", "POST", "/api/v1/agent_instance/register", { agent_id: x.a.agent, environment_id: b.environment }],
      ["span of its run", "POST", "/api/v1/agent_spans", { details: { agent_instance_id: b.instance, schema_name: "llm", status: "active" } }],
      ["span under its span", "POST", "/api/v1/agent_spans", { details: { agent_instance_id: x.a.instance, parent_span_id: b.span, schema_name: "llm", status: "active" } }],
      ["span batch of its run", "POST", "/api/v1/agent_spans/batch", { details: [{ agent_instance_id: b.instance, schema_name: "llm", status: "active" }] }],
      ["deployment of its agent", "POST", "/api/v1/agent_deployment", { details: { agent_id: b.agent, environment_id: x.a.environment } }],
      ["deployment to its version", "PUT", `/api/v1/agent_deployment/${x.a.deployment}`, { details: { current_version_id: b.version } }],
      ["rollback to its version", "POST", `/api/v1/agent_deployment/${x.a.deployment}/rollback`, { details: { version_id: b.version } }],
      ["token of its deployment", "POST", "/api/v1/api_token", { details: { token_scope: "agent_deployment", agent_deployment_id: b.deployment } }],
      ["agent with its risk profile", "POST", "/api/v1/agent", { details: { name: "x", risk_profile_id: b.riskProfile } }],
      ["agent update to its risk profile", "PUT", `/api/v1/agent/${x.a.agent}`, { details: { risk_profile_id: b.riskProfile } }]
    ]
    await unchanged(x, async () => {
      for (const [label, method, path, body] of cases) expectError(`${label}: ${method} ${path}`, await request(x, method, path, body), 404, "not_found")
      for (const path of [
        `/api/v1/agent_version?agent_id=${b.agent}`,
        `/api/v1/agent_schema_version?agent_id=${b.agent}`,
        `/api/v1/agent_spans?agent_instance_id=${b.instance}`,
        "/api/v1/agent/show?external_identifier=ext-two"
      ]) expectError(`GET ${path}`, await request(x, "GET", path), 404, "not_found")
      // A filter by a foreign id may answer an empty page, but never the other account's records.
      for (const path of [
        `/api/v1/agent_instance?agent_id=${b.agent}`,
        `/api/v1/agent_instance?environment_id=${b.environment}`,
        `/api/v1/agent_instance?agent_version_id=${b.version}`,
        `/api/v1/agent_spans?agent_id=${b.agent}`,
        `/api/v1/agent?risk_profile_id=${b.riskProfile}`,
        `/api/v1/agent_deployment?agent_id=${b.agent}`
      ]) {
        const answer = await request(x, "GET", path)
        if (answer.status === 200) expect.soft(B.at(answer.body, "summaries"), `GET ${path} → ${B.summary(answer)}`).toEqual([])
        else expectError(`GET ${path}`, answer, 404, "not_found")
      }
      const bulk = await request(x, "POST", "/api/v1/bulk", { items: [{ _type: "agent_instances/finish", idempotency_key: "bulk-foreign-run", agent_instance_id: b.instance }] })
      expect.soft({ status: bulk.status, output: B.at(bulk.body, "outputs", "bulk-foreign-run", "code") }, B.summary(bulk)).toEqual({ status: 200, output: "not_found" })
    })
  })

  it("refuses client-chosen ids outside the account's partition or already taken", async () => {
    const x = w()
    await unchanged(x, async () => {
      for (const [label, body] of [
        ["an id in the other account's partition", { details: { name: "x", id: B.absentId(B.partitionOf(x.b.account)) } }],
        ["the other account's agent id", { details: { name: "x", id: x.b.agent } }]
      ] as const) expectError(`create agent with ${label}`, await request(x, "POST", "/api/v1/agent", body), 400, "validation_errors")
      expectError("create agent with an existing id", await request(x, "POST", "/api/v1/agent", { details: { name: "x", id: x.a.agent } }), 409, "conflict")
      expectError("create environment with the other account's id", await request(x, "POST", "/api/v1/environment", { details: { name: "x", id: x.b.environment } }), 400, "validation_errors")
      expectError("register with the other account's run id", await request(x, "POST", "/api/v1/agent_instance/register", { id: x.b.instance, agent_id: x.a.agent, environment_id: x.a.environment }), 400, "validation_errors")
      expectError("span with the other account's span id", await request(x, "POST", "/api/v1/agent_spans", { details: { id: x.b.span, agent_instance_id: x.a.instance, schema_name: "llm", status: "active" } }), 400, "validation_errors")
    })
  })

  it("answers malformed ids with 400 validation_errors on every {id} route", async () => {
    const x = w()
    const good = x.a.agent
    const malformed: ReadonlyArray<readonly [string, string]> = [
      ["a word", "garbage"],
      ["upper case", good.toUpperCase()],
      ["31 characters", good.slice(0, 31)],
      ["33 characters", `${good}0`],
      ["first character 8", `8${good.slice(1)}`],
      ["a u (outside the alphabet)", `${good.slice(0, 31)}u`],
      ["a snowman", "%E2%98%83"],
      ["null", "null"],
      ["-1", "-1"],
      ["a leading space", `%20${good}`],
      ["a NUL byte", `${good.slice(0, 31)}%00`],
      ["SQL", "'%20OR%201=1--"]
    ]
    await unchanged(x, async () => {
      for (const route of idRoutes) {
        for (const [label, id] of malformed) {
          expectError(`${route.method} ${route.path} with ${label}`, await sendIdRoute(x, route, id), 400, "validation_errors")
        }
        // Over the router's parameter length no route matches: 404 not_found names no record either.
        expectError(`${route.method} ${route.path} with 5,000 characters`, await sendIdRoute(x, route, "x".repeat(5000)), [400, 404], ["validation_errors", "not_found"])
      }
      for (const [label, body] of [
        ["register with a malformed agent id", { agent_id: "garbage", environment_id: x.a.environment }],
        ["span with a malformed run id", { details: { agent_instance_id: "garbage", schema_name: "llm", status: "active" } }]
      ] as const) {
        const path = label.startsWith("register") ? "/api/v1/agent_instance/register" : "/api/v1/agent_spans"
        expectError(label, await request(x, "POST", path, body), 400, "validation_errors")
      }
    })
  })
})

// =============================================================================================

describe("oversized bodies", () => {
  const limit = 64 * 1024
  const w = world({ maxBodyBytes: limit })

  /** A create-agent body the server would accept, padded to about `bytes`. */
  const agentBody = (bytes: number, fill = "d"): string =>
    JSON.stringify({ details: { name: "too big", description: fill.repeat(Math.ceil(bytes / Buffer.byteLength(fill))) } })

  const chunksOf = (text: string, size = 8 * 1024): ReadonlyArray<Buffer> => {
    const buffer = Buffer.from(text, "utf8")
    const chunks: Array<Buffer> = []
    for (let offset = 0; offset < buffer.length; offset += size) chunks.push(buffer.subarray(offset, offset + size))
    return chunks
  }

  it("answers a body over the limit with a content-length with 413 payload_too_large", async () => {
    const x = w()
    await unchanged(x, async () => {
      expectError("create agent, 100 KiB", await B.send(x.server.url, { method: "POST", path: "/api/v1/agent", token: x.server.secret, body: agentBody(100 * 1024) }), 413, "payload_too_large")
      expectError("create agent, 40,000 three-byte characters (120 KB)", await B.send(x.server.url, { method: "POST", path: "/api/v1/agent", token: x.server.secret, body: agentBody(120 * 1024, "€") }), 413, "payload_too_large")
      expectError("span batch, 1 MiB", await B.send(x.server.url, { method: "POST", path: "/api/v1/agent_spans", token: x.server.secret, body: JSON.stringify({ details: { agent_instance_id: x.a.instance, schema_name: "llm", status: "active", payload: { text: "p".repeat(1024 * 1024) } } }) }), 413, "payload_too_large")
      expectError("without a token", await B.send(x.server.url, { method: "POST", path: "/api/v1/agent", token: null, body: agentBody(100 * 1024) }), [401, 413], ["unauthorized", "payload_too_large"])
      // A content-length far over the limit with a small body: refused on the header alone.
      const lying = B.rawRequest("POST", "/api/v1/agent", [["authorization", `Bearer ${x.server.secret}`], ["content-type", "application/json"], ["content-length", String(10 * 1024 ** 3)], ["connection", "close"]], agentBody(10))
      expectError("content-length of 10 GiB over a small body", await B.sendRaw(x.server.url, lying), 413, "payload_too_large")
    })
  })

  it("answers a chunked body over the limit with 413 payload_too_large, or resets the connection, and stores nothing", async () => {
    // docs/decisions.md ("The body limit"): a chunked body over the limit is cut off by destroying
    // the request, which resets the connection, so the client may see no answer at all. Anything
    // else than a 413 envelope or that reset is wrong.
    const x = w()
    await unchanged(x, async () => {
      const send = async (label: string, path: string, body: string, headers: Readonly<Record<string, string>> = {}, status = 413, code = "payload_too_large") => {
        const answer = await B.sendChunked(x.server.url, { method: "POST", path, token: x.server.secret, headers }, chunksOf(body))
        if (answer !== null) expectError(`chunked ${label}`, answer, status, code)
      }
      await send("create agent, 100 KiB", "/api/v1/agent", agentBody(100 * 1024))
      await send("create agent, 120 KB of three-byte characters", "/api/v1/agent", agentBody(120 * 1024, "€"))
      await send("retire, 100 KiB", `/api/v1/agent/${x.a.agent}/retire`, JSON.stringify({ padding: "p".repeat(100 * 1024) }))
      // Authenticated before its body is read (docs/security.md): refused as unauthorized.
      await send("1 MiB without a valid token", "/api/v1/agent", agentBody(1024 * 1024), { authorization: "Bearer nope" }, 401, "unauthorized")
    })
    // The server still serves after the resets.
    const ping = await request(x, "GET", "/api/v1/ping")
    expect(ping.status, B.summary(ping)).toBe(200)
  })

  it("accepts a body just under the limit, chunked or not (the limit is not lower than configured)", async () => {
    const x = w()
    const fits = agentBody(limit - 1024)
    const plain = await B.send(x.server.url, { method: "POST", path: "/api/v1/agent", token: x.server.secret, body: fits })
    expect(plain.status, B.summary(plain)).not.toBe(413)
    const chunked = await B.sendChunked(x.server.url, { method: "POST", path: "/api/v1/agent", token: x.server.secret }, chunksOf(fits))
    expect(chunked?.status, B.summary(chunked)).not.toBe(413)
  })
})

// =============================================================================================

describe("lying and malformed framing", () => {
  const w = world()
  const body = JSON.stringify({ details: { name: "framed" } })
  const head = (x: World, length: string): ReadonlyArray<readonly [string, string]> =>
    [["authorization", `Bearer ${x.server.secret}`], ["content-type", "application/json"], ["content-length", length]]

  it("answers a content-length shorter than the body with 400 bad_request (the JSON is cut)", async () => {
    const x = w()
    await unchanged(x, async () => {
      // The first 5 bytes are the request's body (`{"det`): it must be answered 400 bad_request.
      // The bytes after it are junk on the connection, which may then be closed.
      expectError("content-length 5, connection: close", await B.sendRaw(x.server.url, B.rawRequest("POST", "/api/v1/agent", [...head(x, "5"), ["connection", "close"]], body)), 400, "bad_request")
      expectError("content-length 5, keep-alive", await B.sendRaw(x.server.url, B.rawRequest("POST", "/api/v1/agent", head(x, "5"), body)), 400, "bad_request")
    })
  })

  it("answers a content-length longer than the body with 400 bad_request once the client stops sending", async () => {
    const x = w()
    await unchanged(x, async () => {
      const answer = await B.sendRaw(x.server.url, B.rawRequest("POST", "/api/v1/agent", head(x, "500"), body), { halfClose: true })
      expectError("content-length 500, then the end of the stream", answer, 400, "bad_request")
    })
  })

  it("does not answer a content-length longer than the body with success while it waits for the rest", async () => {
    const x = w()
    await unchanged(x, async () => {
      const answer = await B.sendRaw(x.server.url, B.rawRequest("POST", "/api/v1/agent", head(x, "500"), body), { timeoutMs: 1_500 })
      if (answer !== null) expectError("content-length 500, connection held open", answer, 400, ["bad_request", "validation_errors"])
    })
  })

  it("answers an unreadable content-length with 400 and the envelope", async () => {
    const x = w()
    await unchanged(x, async () => {
      for (const [label, headers] of [
        ["content-length abc", head(x, "abc")],
        ["content-length -1", head(x, "-1")],
        ["two different content-lengths", [...head(x, "5"), ["content-length", "10"]]],
        ["content-length with transfer-encoding chunked", [...head(x, "3"), ["transfer-encoding", "chunked"]]]
      ] as const) {
        const answer = await B.sendRaw(x.server.url, B.rawRequest("POST", "/api/v1/agent", [...headers, ["connection", "close"]], body))
        expectError(label, answer, 400, ["bad_request", "validation_errors"])
      }
    })
  })
})

// =============================================================================================

describe("deep nesting", () => {
  const w = world()

  const nested = (depth: number, kind: "array" | "object"): string =>
    kind === "array" ? `${"[".repeat(depth)}${"]".repeat(depth)}` : `${"{\"a\":".repeat(depth)}1${"}".repeat(depth)}`
  const spanWith = (x: World, payload: string): string =>
    `{"details":{"agent_instance_id":"${x.a.instance}","schema_name":"llm","status":"active","payload":{"x":${payload}}}}`

  it("answers 100,000-deep and 1,000-deep JSON with 400 bad_request, on every body route tried", async () => {
    const x = w()
    await unchanged(x, async () => {
      for (const depth of [100_000, 1_000]) {
        for (const kind of ["array", "object"] as const) {
          const payload = nested(depth, kind)
          const cases: ReadonlyArray<readonly [string, string, string]> = [
            ["span payload", "/api/v1/agent_spans", spanWith(x, payload)],
            ["span batch payload", "/api/v1/agent_spans/batch", `{"details":[${JSON.stringify({ agent_instance_id: x.a.instance, schema_name: "llm", status: "active" }).slice(0, -1)},"payload":{"x":${payload}}}]}`],
            ["bulk item payload", "/api/v1/bulk", `{"items":[{"_type":"agent_spans/create","idempotency_key":"deep-bulk-item","details":${spanWith(x, payload).slice("{\"details\":".length, -1)}}]}`],
            ["activity schema", "/api/v1/agent_instance/register", `{"agent_id":"${x.a.agent}","environment_id":"${x.a.environment}","agent_schema_version":{"external_identifier":"deep","span_schemas":{"llm":${payload}}}}`],
            ["agent name", "/api/v1/agent", `{"details":{"name":${payload}}}`],
            ["whole body", `/api/v1/agent_spans/${x.a.span}/finish`, payload]
          ]
          for (const [label, path, text] of cases) {
            const answer = await B.send(x.server.url, { method: "POST", path, token: x.server.secret, body: text })
            expectError(`${depth}-deep ${kind}s in the ${label}`, answer, 400, "bad_request")
          }
        }
      }
    })
  })

  it("refuses deep JSON whatever the spelling of the JSON content type, or without one", async () => {
    const x = w()
    await unchanged(x, async () => {
      for (const depth of [100_000, 1_000, 300]) {
        const text = spanWith(x, nested(depth, "array"))
        const types: ReadonlyArray<readonly [string, string | null]> = [
          ["APPLICATION/JSON; charset=utf-8", "APPLICATION/JSON; charset=utf-8"],
          ["no content-type", null],
          ["an empty content-type", ""]
        ]
        for (const [label, type] of types) {
          const headers: Array<readonly [string, string]> = [["authorization", `Bearer ${x.server.secret}`], ["content-length", String(Buffer.byteLength(text))], ["connection", "close"]]
          if (type !== null) headers.push(["content-type", type])
          const answer = await B.sendRaw(x.server.url, B.rawRequest("POST", "/api/v1/agent_spans", headers, text), { timeoutMs: 15_000 })
          expectError(`${depth}-deep arrays with ${label}`, answer, 400, ["bad_request", "validation_errors"])
        }
      }
    })
  })

  it("does not count brackets inside strings (a shallow payload full of brackets is recorded)", async () => {
    const x = w()
    const text = `{"details":{"agent_instance_id":"${x.a.instance}","schema_name":"llm","status":"active","payload":{"text":${JSON.stringify(`${"[{".repeat(5_000)}\\"`)}}}}`
    const answer = await B.send(x.server.url, { method: "POST", path: "/api/v1/agent_spans", token: x.server.secret, body: text })
    expect(answer.status, B.summary(answer)).toBe(201)
    expect(DomainJson.depth(answer.body)).toBeLessThan(10)
  })
})

// =============================================================================================

describe("wrong content types", () => {
  const w = world()

  /** A fresh agent with a started run, so that a request wrongly accepted changes only these. */
  const fresh = async (x: World, label: string) => {
    const agent = B.textAt((await request(x, "POST", "/api/v1/agent", { details: { name: `content-type ${label}` } })).body, "details", "id")
    const run = B.textAt((await request(x, "POST", "/api/v1/agent_instance/register", { agent_id: agent, environment_id: x.a.environment })).body, "details", "id")
    await request(x, "POST", `/api/v1/agent_instance/${run}/start`, {})
    return { agent, run }
  }

  const form = (fields: Readonly<Record<string, string>>): string => new URLSearchParams(fields).toString()

  interface Typed {
    readonly label: string
    readonly method: string
    readonly path: (fresh: { readonly agent: string; readonly run: string }) => string
    readonly type: string | null
    readonly body: (x: World, fresh: { readonly agent: string; readonly run: string }) => string | FormData
  }

  const multipart = (fields: Readonly<Record<string, string>>): FormData => {
    const data = new FormData()
    for (const [name, value] of Object.entries(fields)) data.set(name, value)
    return data
  }

  const cases: ReadonlyArray<Typed> = [
    { label: "create agent as text/plain", method: "POST", path: () => "/api/v1/agent", type: "text/plain", body: () => JSON.stringify({ details: { name: "as text" } }) },
    { label: "create agent as form", method: "POST", path: () => "/api/v1/agent", type: "application/x-www-form-urlencoded", body: () => form({ "details[name]": "as form" }) },
    { label: "create agent as XML", method: "POST", path: () => "/api/v1/agent", type: "application/xml", body: () => "<details><name>as xml</name></details>" },
    { label: "create agent as octet-stream", method: "POST", path: () => "/api/v1/agent", type: "application/octet-stream", body: () => JSON.stringify({ details: { name: "as bytes" } }) },
    { label: "register as form", method: "POST", path: () => "/api/v1/agent_instance/register", type: "application/x-www-form-urlencoded", body: (x, f) => form({ agent_id: f.agent, environment_id: x.a.environment }) },
    { label: "register as multipart/form-data", method: "POST", path: () => "/api/v1/agent_instance/register", type: null, body: (x, f) => multipart({ agent_id: f.agent, environment_id: x.a.environment }) },
    { label: "retire as form", method: "POST", path: (f) => `/api/v1/agent/${f.agent}/retire`, type: "application/x-www-form-urlencoded", body: () => form({ because: "form" }) },
    { label: "retire as octet-stream", method: "POST", path: (f) => `/api/v1/agent/${f.agent}/retire`, type: "application/octet-stream", body: () => "{}" },
    { label: "retire as text/plain", method: "POST", path: (f) => `/api/v1/agent/${f.agent}/retire`, type: "text/plain", body: () => "{}" },
    { label: "terminate as form", method: "POST", path: (f) => `/api/v1/agent_instance/${f.run}/terminate`, type: "application/x-www-form-urlencoded", body: () => form({ reason: "form" }) },
    { label: "terminate as multipart/form-data", method: "POST", path: (f) => `/api/v1/agent_instance/${f.run}/terminate`, type: null, body: () => multipart({ reason: "multipart" }) },
    { label: "finish as text/plain", method: "POST", path: (f) => `/api/v1/agent_instance/${f.run}/finish`, type: "text/plain", body: () => JSON.stringify({ status: "failed" }) },
    { label: "finish as octet-stream", method: "POST", path: (f) => `/api/v1/agent_instance/${f.run}/finish`, type: "application/octet-stream", body: () => JSON.stringify({ status: "failed" }) },
    { label: "environment update as form", method: "PUT", path: () => "/api/v1/environment/{environment}", type: "application/x-www-form-urlencoded", body: () => form({ details: "renamed" }) }
  ]

  for (const typed of cases) {
    it(`refuses ${typed.label} with a 4xx envelope, and runs nothing`, async () => {
      const x = w()
      const f = await fresh(x, typed.label)
      const path = typed.path(f).replace("{environment}", x.a.environment)
      await unchanged(x, async () => {
        const answer = await B.send(x.server.url, { method: typed.method, path, token: x.server.secret, body: typed.body(x, f), headers: typed.type === null ? {} : { "content-type": typed.type } })
        expectError(`${typed.label}: ${typed.method} ${path}`, answer, [400, 415], ["validation_errors", "bad_request", "unsupported_media_type"])
      })
    })
  }
})

// =============================================================================================

describe("tokens", () => {
  const w = world()

  /** A new account token and its secret, moved through `actions` (suspend, revoke, …) first. */
  const tokenAfter = async (x: World, ...actions: ReadonlyArray<string>) => {
    const created = await request(x, "POST", "/api/v1/api_token", { details: { token_scope: "account" } })
    const id = B.textAt(created.body, "details", "id")
    for (const action of actions) {
      const path = action === "delete" ? `/api/v1/api_token/${id}` : `/api/v1/api_token/${id}/${action}`
      const done = await request(x, action === "delete" ? "DELETE" : "POST", path, action === "delete" ? undefined : {})
      assert(done.status === 200, `${action}: ${B.summary(done)}`)
    }
    return { id, secret: B.textAt(created.body, "token") }
  }

  /** Calls that would change or reveal data with a token that must not work. */
  const probes = (x: World): ReadonlyArray<readonly [string, string, Json | undefined]> => [
    ["GET", "/api/v1/ping", undefined],
    ["GET", "/api/v1/agent", undefined],
    ["POST", "/api/v1/agent", { details: { name: "by a bad token" } }],
    ["POST", "/api/v1/api_token", { details: { token_scope: "account" } }],
    ["POST", "/api/v1/agent_instance/register", { agent_id: x.a.agent, environment_id: x.a.environment }],
    ["POST", "/api/v1/agent_spans", { details: { agent_instance_id: x.a.instance, schema_name: "llm", status: "active" } }],
    ["DELETE", `/api/v1/environment/${x.a.environment}`, undefined],
    ["POST", "/api/v1/bulk", { items: [{ _type: "agents/create", idempotency_key: "bad-token-bulk", details: { name: "bulk by a bad token" } }] }]
  ]

  const refused = async (x: World, label: string, headers: Readonly<Record<string, string>>) => {
    for (const [method, path, body] of probes(x)) {
      const answer = await B.send(x.server.url, { method, path, token: null, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) })
      expectError(`${label}: ${method} ${path}`, answer, 401, "unauthorized")
    }
  }

  it("answers missing and bad tokens with 401 unauthorized", async () => {
    const x = w()
    // The hash a store keeps for a real token (no answer shows it any more; it is worked out here).
    const hash = ApiToken.hashSecret(x.a.tokenSecret)
    await unchanged(x, async () => {
      await refused(x, "no Authorization", {})
      await refused(x, "empty bearer", { authorization: "Bearer " })
      await refused(x, "Basic scheme", { authorization: `Basic ${x.server.secret}` })
      await refused(x, "Token scheme", { authorization: `Token ${x.server.secret}` })
      await refused(x, "the secret alone", { authorization: x.server.secret })
      await refused(x, "unknown pf_ secret", { authorization: `Bearer pf_${"A".repeat(43)}` })
      await refused(x, "garbage", { authorization: "Bearer not-a-token" })
      await refused(x, "10,000 characters", { authorization: `Bearer ${"x".repeat(10_000)}` })
      await refused(x, "the stored hash", { authorization: `Bearer ${hash}` })
      await refused(x, "the secret cut short", { authorization: `Bearer ${x.server.secret.slice(0, -1)}` })
      await refused(x, "the operator token", { authorization: `Bearer ${x.server.operatorToken}` })
    })
  })

  it("answers revoked, suspended, expired and deleted tokens with 401 unauthorized", async () => {
    const x = w()
    const revoked = await tokenAfter(x, "revoke")
    const suspended = await tokenAfter(x, "suspend")
    const expired = await tokenAfter(x, "expire")
    const deleted = await tokenAfter(x, "revoke", "delete")
    const suspendedThenRevoked = await tokenAfter(x, "suspend", "revoke")
    await unchanged(x, async () => {
      for (const [label, token] of [["revoked", revoked], ["suspended", suspended], ["expired", expired], ["deleted", deleted], ["suspended then revoked", suspendedThenRevoked]] as const) {
        await refused(x, label, { authorization: `Bearer ${token.secret}` })
      }
    })
    // Control: reactivated, the suspended token works again (so the 401s above came from its status).
    await request(x, "POST", `/api/v1/api_token/${suspended.id}/activate`, {})
    const ping = await request(x, "GET", "/api/v1/ping", undefined, suspended.secret)
    expect(ping.status, B.summary(ping)).toBe(200)
    // A revoked token cannot be brought back.
    expectError("activate a revoked token", await request(x, "POST", `/api/v1/api_token/${revoked.id}/activate`, {}), 409, "invalid_action")
    expectError("revoked token after an attempted activation", await request(x, "GET", "/api/v1/ping", undefined, revoked.secret), 401, "unauthorized")
  })

  it("answers a deployment-scoped token on every management route with 403 not_permitted", async () => {
    const x = w()
    const token = x.a.deploymentTokenSecret
    const collections: ReadonlyArray<readonly [string, string, Json | undefined]> = [
      ["POST", "/api/v1/api_token", { details: { token_scope: "account" } }],
      ["GET", "/api/v1/api_token", undefined],
      ["POST", "/api/v1/environment", { details: { name: "by a deployment token" } }],
      ["GET", "/api/v1/environment", undefined],
      ["POST", "/api/v1/agent", { details: { name: "by a deployment token" } }],
      ["GET", "/api/v1/agent", undefined],
      ["GET", "/api/v1/agent/show?external_identifier=ext-one", undefined],
      ["GET", `/api/v1/agent_version?agent_id=${x.a.agent}`, undefined],
      ["GET", `/api/v1/agent_schema_version?agent_id=${x.a.agent}`, undefined],
      ["POST", "/api/v1/agent_deployment", { details: { agent_id: x.a.agent, environment_id: x.a.environment } }],
      ["GET", "/api/v1/agent_deployment", undefined],
      ["POST", "/api/v1/risk_profile", { details: { name: "by a deployment token", thresholds } }],
      ["GET", "/api/v1/risk_profile", undefined],
      ["GET", "/api/v1/agent_instance", undefined]
    ]
    await unchanged(x, async () => {
      for (const [method, path, body] of collections) {
        expectError(`${method} ${path}`, await request(x, method, path, body, token), 403, "not_permitted")
      }
      for (const route of idRoutes.filter((r) => r.management)) {
        const id = x.a[kindOf(route.path)]
        expectError(`${route.method} ${withId(route.path, id)}`, await sendIdRoute(x, route, id, token), 403, "not_permitted")
      }
    })
    // Control: the same token reaches its run.
    const own = await request(x, "GET", `/api/v1/agent_instance/${x.a.instance}`, undefined, token)
    expect(own.status, B.summary(own)).toBe(200)
  })

  it("answers the operator API with anything but the operator token with 401 unauthorized", async () => {
    const x = w()
    await unchanged(x, async () => {
      for (const [label, token] of [
        ["the account token", x.server.secret],
        ["the second account's token", x.secretB],
        ["a deployment token", x.a.deploymentTokenSecret],
        ["no token", null],
        ["the operator token with a suffix", `${x.server.operatorToken}x`],
        ["the operator token cut short", x.server.operatorToken.slice(0, -1)]
      ] as const) {
        expectError(`POST /api/v1/admin/account with ${label}`, await request(x, "POST", "/api/v1/admin/account", { details: { name: `opened with ${label}` } }, token), 401, "unauthorized")
      }
    })
  })
})

// =============================================================================================

describe("property: arbitrary requests to every route", () => {
  const w = world()
  const runs = deep ? 300 : 20

  it(`never answers 5xx, and answers every non-2xx with an error envelope (${runs} runs per route)`, async () => {
    const x = w()
    const { routes, fields } = await contractRoutes(x.server.url)
    expect(routes.length).toBeGreaterThan(40)

    const pfid = fc.tuple(fc.constantFrom(..."01234567"), fc.array(fc.constantFrom(...Ids.alphabet), { minLength: 31, maxLength: 31 }))
      .map(([first, rest]) => first + rest.join(""))
    const garbage = fc.oneof(
      fc.string({ maxLength: 40 }).map(encodeURIComponent),
      fc.string({ unit: "grapheme", maxLength: 20 }).map(encodeURIComponent),
      fc.constantFrom("%", "%zz", "%c0%af", "%ff", "..", "%2e%2e", "a%2Fb", "%00", "%20", "null", "-1", "0".repeat(32), "8".repeat(32))
    )
    const realIds = (kind: Kind) => fc.constantFrom(x.a[kind], x.b[kind])
    const anyRealId = fc.constantFrom(...(["environment", "agent", "version", "schemaVersion", "deployment", "riskProfile", "instance", "span"] as const).flatMap((kind) => [x.a[kind], x.b[kind]]))
    const leaf: fc.Arbitrary<Json> = fc.oneof(
      fc.jsonValue({ maxDepth: 2 }).map((value): Json => toJson(value)),
      pfid,
      anyRealId,
      fc.constantFrom<Json>("active", "complete", "failed", "cancelled", "account", "agent_deployment", "llm", "production", null, true, 0, -1, "", "2026-01-01T00:00:00.000Z")
    )
    const shaped: fc.Arbitrary<Json> = fc.dictionary(fc.constantFrom(...fields), fc.oneof(leaf, fc.array(fc.dictionary(fc.constantFrom(...fields), leaf, { maxKeys: 4 }), { maxLength: 2 })), { maxKeys: 6 })
    const body: fc.Arbitrary<string | undefined> = fc.oneof(
      fc.jsonValue().map((value) => JSON.stringify(value)),
      fc.record({ details: fc.jsonValue() }).map((value) => JSON.stringify(value)),
      shaped.map((details) => JSON.stringify({ details })),
      shaped.map((value) => JSON.stringify(value)),
      fc.string({ maxLength: 30 }),
      fc.constant(undefined)
    )
    const token = fc.constantFrom(x.server.secret, x.server.secret, x.server.secret, x.a.deploymentTokenSecret, x.server.operatorToken)

    const failures: Array<string> = []
    const byPath = new Map<string, Array<Route>>()
    for (const route of routes) byPath.set(route.path, [...(byPath.get(route.path) ?? []), route])
    for (const [path, methods] of byPath) {
      const segment = path.includes("{id}") ? fc.oneof(pfid, garbage, realIds(kindOf(path))) : fc.constant("")
      const names = [...new Set(methods.flatMap((m) => m.query))]
      const query = fc.dictionary(
        names.length === 0 ? fc.string({ maxLength: 8 }) : fc.oneof(fc.constantFrom(...names), fc.string({ maxLength: 8 })),
        fc.oneof(fc.string({ maxLength: 12 }), pfid, anyRealId, fc.integer().map(String), fc.constantFrom("true", "asc", "desc", "-name", "1e400", "2026-01-01T00:00:00Z")),
        { maxKeys: 4 }
      ).map((params) => new URLSearchParams(params).toString())
      const property = fc.asyncProperty(fc.constantFrom(...methods.map((m) => m.method)), segment, body, query, token, async (method, id, text, params, bearer) => {
        const target = `${withId(path, id)}${params === "" ? "" : `?${params}`}`
        const withBody = method !== "GET" && text !== undefined
        const answer = await B.send(x.server.url, { method, path: target, token: bearer, ...(withBody ? { body: text } : {}) })
        const label = `${method} ${target} ${withBody ? text.slice(0, 300) : "(no body)"} → ${B.summary(answer)}`
        if (answer.status >= 500) throw new Error(`5xx: ${label}`)
        if (answer.status >= 200 && answer.status < 300) {
          if (B.at(answer.body, "status") !== "success") throw new Error(`2xx without a success envelope: ${label}`)
        } else if (!B.isErrorEnvelope(answer.body) || !(answer.contentType ?? "").includes("application/json")) {
          throw new Error(`non-2xx without an error envelope: ${label}`)
        }
      })
      const result = await fc.check(property, { numRuns: runs, interruptAfterTimeLimit: deep ? 120_000 : 15_000 })
      if (result.failed) failures.push(`${path}: ${result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance)} (seed ${result.seed}, path ${result.counterexamplePath ?? ""})`)
    }
    expect(failures).toEqual([])
  }, deep ? 1_800_000 : 60_000)
})

/** fast-check's JSON value as the test's Json type. */
const toJson = (value: unknown): Json => {
  if (value === null || typeof value === "boolean" || typeof value === "number" || typeof value === "string") return value
  if (Array.isArray(value)) return value.map(toJson)
  if (B.isRecord(value)) {
    const out: { [key: string]: Json } = {}
    for (const [key, item] of Object.entries(value)) out[key] = toJson(item)
    return out
  }
  return null
}
