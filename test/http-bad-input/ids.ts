/**
 * Bad ids over real HTTP, on every `{id}` route of the contract (support/idRoutes.ts, checked
 * against the OpenAPI document) and in bodies and filters: well-formed but unknown ids, ids of
 * another account (both ways), client-chosen ids outside the account's partition or taken, and
 * malformed ids.
 * Each must get its 4xx with the error envelope and leave both accounts' data as it was
 * (support/badInputWorld.ts); checks inside loops are soft, so one run lists every failing request.
 */
import { expect, it } from "vitest"
import * as B from "../support/badInput.js"
import { request, unchanged, world } from "../support/badInputWorld.js"
import { expectError } from "../support/expectError.js"
import { idRoutes, kindOf, sendIdRoute, withId } from "../support/idRoutes.js"
import type { Json } from "../support/json.js"
import { contractRoutes } from "../support/openApiRoutes.js"

/** The tests of bad ids, in the calling `describe`, on a server of their own. */
export const badIds = (): void => {
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
}
