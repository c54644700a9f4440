/**
 * Bad request bodies over real HTTP: malformed JSON on every body route, wrong types, missing
 * fields, bad query parameters, and unknown routes and methods.
 * Each must get its 4xx with the error envelope and leave both accounts' data as it was
 * (support/badInputWorld.ts); checks inside loops are soft, so one run lists every failing request.
 */
import { expect, it } from "vitest"
import * as B from "../support/badInput.js"
import { type World, request, unchanged, world } from "../support/badInputWorld.js"
import { expectError } from "../support/expectError.js"
import type { Json } from "../support/json.js"

/** The tests of bad bodies, query parameters and routes, in the calling `describe`, on a server of their own. */
export const badRequestBodies = (): void => {
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
    { label: "run risk level unknown", method: "GET", path: () => "/api/v1/agent_instance?risk_level=severe", field: "risk_level" },
    { label: "run peak level unknown", method: "GET", path: () => "/api/v1/agent_instance?peak_risk_level=HIGH", field: "peak_risk_level" },
    { label: "run flagged not a boolean", method: "GET", path: () => "/api/v1/agent_instance?flagged=yes", field: "flagged" },
    { label: "run purpose unknown", method: "GET", path: () => "/api/v1/agent_instance?purpose=fun", field: "purpose" },
    { label: "run started_after not a date", method: "GET", path: () => "/api/v1/agent_instance?started_after=yesterday", field: "started_after" },
    { label: "run started_before without a zone", method: "GET", path: () => "/api/v1/agent_instance?started_before=2026-01-01T00:00:00", field: "started_before" },
    { label: "run sort by an unknown field", method: "GET", path: () => "/api/v1/agent_instance?sort=status", field: "sort" },
    { label: "run sort and sorting both", method: "GET", path: () => "/api/v1/agent_instance?sort=started_at&sorting=id", field: "sort" },
    { label: "overview since not a date", method: "GET", path: () => "/api/v1/overview?since=yesterday", field: "since" },
    { label: "outline flagged not a boolean", method: "GET", path: (x) => `/api/v1/agent_instance/${x.a.instance}/spans?flagged=1`, field: "flagged" },
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
}
