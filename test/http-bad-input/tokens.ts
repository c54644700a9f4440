/**
 * Tokens over real HTTP: missing and bad tokens; revoked, suspended, expired and deleted
 * tokens; a deployment-scoped token on every management route (its own agent's runs it may
 * list); anything but the operator token on the operator API.
 * Each must get its 4xx with the error envelope and leave both accounts' data as it was
 * (support/badInputWorld.ts); checks inside loops are soft, so one run lists every failing request.
 */
import { ApiToken } from "@agentledger/domain"
import { assert, expect, it } from "vitest"
import * as B from "../support/badInput.js"
import { type World, request, unchanged, world } from "../support/badInputWorld.js"
import { expectError } from "../support/expectError.js"
import { idRoutes, kindOf, sendIdRoute, thresholds, withId } from "../support/idRoutes.js"
import type { Json } from "../support/json.js"

/** The tests of bad tokens, in the calling `describe`, on a server of their own. */
export const badTokens = (): void => {
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
      ["GET", "/api/v1/retention_policy", undefined],
      ["PUT", "/api/v1/retention_policy", { details: { run_days: 1 } }]
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
    // Control: the same token reaches its run, and lists its own agent's runs (a reviewer's list).
    const own = await request(x, "GET", `/api/v1/agent_instance/${x.a.instance}`, undefined, token)
    expect(own.status, B.summary(own)).toBe(200)
    const listed = await request(x, "GET", "/api/v1/agent_instance", undefined, token)
    expect(listed.status, B.summary(listed)).toBe(200)
    expect(listed.text).toContain(x.a.instance)
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
}
