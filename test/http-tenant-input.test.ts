/**
 * Tenant input is untrusted — the data side, through real HTTP on every store (memory, PGlite,
 * a real PostgreSQL server this file starts):
 *
 * - an idempotency key is its token's: another agent's deployment token repeating the key gets
 *   its own answer, not the first token's instance, and no 409 that would tell it the key exists;
 * - the operator's account creation honours its idempotency key;
 * - no token answer (nor the OpenAPI document) carries `secret_hash`;
 * - a key named `__proto__` is a key like any other, in payloads and in bulk outputs;
 * - a span batch has a cap; text a store cannot keep (NUL, lone surrogates) is a 400 naming
 *   the field, never a 500, and anything else round-trips exactly.
 */
import { Commands } from "@agentledger/domain"
import { Api } from "@agentledger/http"
import { MemoryStore } from "@agentledger/store-memory"
import { PgStore } from "@agentledger/store-postgres"
import { type PostgresServer, startPostgres } from "@agentledger/testkit/postgres"
import { OpenApi } from "@effect/platform"
import { FastCheck as fc, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { at, call, seedTenant, startedRun, type Tenant, textAt } from "./support/tenantInput.js"

let postgres: PostgresServer | undefined
afterAll(() => postgres?.stop())

const stores = [
  { name: "memory", layer: async () => MemoryStore.layer },
  { name: "PGlite", layer: async () => PgStore.layerPglite() },
  {
    name: "PostgreSQL",
    layer: async () => {
      postgres ??= await startPostgres()
      return PgStore.layerPg({ url: Redacted.make(postgres.url), maxConnections: 4 })
    }
  }
] as const

const refusedWith = (answer: { readonly status: number; readonly text: string; readonly body: unknown }, status: number, code: string) => {
  expect(answer.status, answer.text.slice(0, 500)).toBe(status)
  expect(answer.body).toMatchObject({ status: "error", code })
}

describe.each(stores)("tenant input on $name, through HTTP", (store) => {
  let t: Tenant
  beforeAll(async () => {
    t = await seedTenant(await store.layer())
  }, 120_000)
  afterAll(() => t.server.close())

  const agent = (index: number) => {
    const found = t.agents[index]
    if (found === undefined) throw new Error(`no agent ${index}`)
    return found
  }

  it("an idempotency key is its token's: another agent's token repeating it gets its own run", async () => {
    const [a1, a2] = [agent(0), agent(1)]
    const key = { "idempotency-key": "shared-key-1" }
    const first = await call(t.server, "POST", "/api/v1/agent_instance/register", { body: {}, secret: a1.secret, headers: key })
    expect(first.status, first.text).toBe(201)
    expect(at(first.body, "details", "agent_id")).toBe(a1.id)

    // A2's token, same key: a fresh key for it — a run of its own agent, not A1's instance.
    const second = await call(t.server, "POST", "/api/v1/agent_instance/register", { body: {}, secret: a2.secret, headers: key })
    expect(second.status, second.text).toBe(201)
    expect(at(second.body, "details", "agent_id")).toBe(a2.id)
    expect(at(second.body, "details", "id")).not.toBe(at(first.body, "details", "id"))
    expect(second.text).not.toContain(a1.id)

    // A different request under A1's key from A2's token is no conflict either: nothing leaks.
    const other = await call(t.server, "POST", "/api/v1/agent_instance/register", {
      body: { purpose: "eval" },
      secret: a2.secret,
      headers: { "idempotency-key": "shared-key-2" }
    })
    await call(t.server, "POST", "/api/v1/agent_instance/register", { body: {}, secret: a1.secret, headers: { "idempotency-key": "shared-key-2" } })
    expect(other.status, other.text).toBe(201)

    // Within one token a key still replays, and still refuses another request.
    const replay = await call(t.server, "POST", "/api/v1/agent_instance/register", { body: {}, secret: a1.secret, headers: key })
    expect(replay.status, replay.text).toBe(201)
    expect(at(replay.body, "details", "id")).toBe(at(first.body, "details", "id"))
    const reused = await call(t.server, "POST", "/api/v1/agent_instance/register", { body: { purpose: "eval" }, secret: a1.secret, headers: key })
    refusedWith(reused, 409, "conflict")

    // The account token's key of the same text is its own as well.
    const byAccount = await call(t.server, "POST", "/api/v1/agent", { body: { details: { name: "keyed" } }, headers: key })
    expect(byAccount.status, byAccount.text).toBe(201)
  })

  it("POST /admin/account honours its idempotency key: a retry answers the same account, its secret null", async () => {
    const operator = t.server.operatorToken
    const open = (name: string, key?: string) =>
      call(t.server, "POST", "/api/v1/admin/account", {
        body: { details: { name } },
        secret: operator,
        ...(key === undefined ? {} : { headers: { "idempotency-key": key } })
      })
    const first = await open("Keyed Co", `open-${store.name}`)
    expect(first.status, first.text).toBe(201)
    const secret = textAt(first.body, "token")
    const retry = await open("Keyed Co", `open-${store.name}`)
    expect(retry.status, retry.text).toBe(201)
    expect(at(retry.body, "details", "id")).toBe(at(first.body, "details", "id"))
    expect(at(retry.body, "api_token", "id")).toBe(at(first.body, "api_token", "id"))
    expect(at(retry.body, "token")).toBeNull()
    refusedWith(await open("Other Co", `open-${store.name}`), 409, "conflict")
    // The body's key counts as the header's does.
    const byBody = await call(t.server, "POST", "/api/v1/admin/account", {
      body: { details: { name: "Keyed Co" }, idempotency_key: `open-${store.name}` },
      secret: operator
    })
    expect(at(byBody.body, "details", "id")).toBe(at(first.body, "details", "id"))
    // The account works with the first answer's secret; without a key, each call opens one.
    expect((await call(t.server, "GET", "/api/v1/ping", { secret })).status).toBe(200)
    const [x, y] = [await open("Unkeyed"), await open("Unkeyed")]
    expect(at(x.body, "details", "id")).not.toBe(at(y.body, "details", "id"))
  })

  it("no token answer carries secret_hash", async () => {
    const created = await call(t.server, "POST", "/api/v1/api_token", { body: { details: { token_scope: "account" } } })
    expect(created.status, created.text).toBe(201)
    const id = textAt(created.body, "details", "id")
    const answers = [
      created,
      await call(t.server, "GET", `/api/v1/api_token/${id}`),
      await call(t.server, "GET", "/api/v1/api_token"),
      await call(t.server, "POST", `/api/v1/api_token/${id}/suspend`),
      await call(t.server, "POST", "/api/v1/admin/account", { body: { details: { name: "Hashless" } }, secret: t.server.operatorToken })
    ]
    for (const answer of answers) {
      expect(answer.status, answer.text).toBeLessThan(300)
      expect(answer.text).not.toContain("secret_hash")
    }
    expect(JSON.stringify(OpenApi.fromApi(Api.LedgerApi))).not.toContain("secret_hash")
  })

  it("a key named __proto__ is kept: in a payload, and as a bulk item's key", async () => {
    const run = await startedRun(t)
    // JSON text, since an object literal's __proto__ would set a prototype rather than a key.
    const bodyText = `{"details":{"agent_instance_id":"${run}","schema_name":"llm","status":"active",` +
      `"payload":{"__proto__":{"polluted":true},"nested":{"__proto__":"text"},"plain":1}}}`
    const created = await call(t.server, "POST", "/api/v1/agent_spans", { bodyText })
    expect(created.status, created.text).toBe(201)
    const id = textAt(created.body, "details", "id")
    const read = await call(t.server, "GET", `/api/v1/agent_spans/${id}`)
    expect(at(read.body, "details", "payload")).toEqual(JSON.parse(`{"__proto__":{"polluted":true},"nested":{"__proto__":"text"},"plain":1}`))
    expect(at(read.body, "details", "payload", "__proto__", "polluted")).toBe(true)
    expect(at(read.body, "details", "payload", "nested", "__proto__")).toBe("text")

    const bulk = await call(t.server, "POST", "/api/v1/bulk", {
      bodyText: `{"items":[{"_type":"agents/create","idempotency_key":"__proto__","details":{"name":"Bulk proto"}}]}`
    })
    expect(bulk.status, bulk.text).toBe(200)
    expect(at(bulk.body, "outputs", "__proto__", "status")).toBe("success")
    expect(at(bulk.body, "outputs", "__proto__", "details", "name")).toBe("Bulk proto")
  })

  it(`a span batch holds at most ${Commands.maxBatchSpans} spans; a full one is recorded`, async () => {
    const run = await startedRun(t)
    const spans = (n: number) => Array.from({ length: n }, (_, i) => ({ agent_instance_id: run, schema_name: "llm", status: "active", payload: { i } }))
    const tooMany = await call(t.server, "POST", "/api/v1/agent_spans/batch", { body: { details: spans(Commands.maxBatchSpans + 1) } })
    refusedWith(tooMany, 400, "validation_errors")
    expect(tooMany.text).toContain(String(Commands.maxBatchSpans))
    // ≈22,000 spans once passed PostgreSQL's parameter limit and answered 500.
    refusedWith(await call(t.server, "POST", "/api/v1/agent_spans/batch", { body: { details: spans(22_000) } }), 400, "validation_errors")
    const listed = await call(t.server, "GET", `/api/v1/agent_spans?agent_instance_id=${run}&pagination[page_size]=1`)
    expect(at(listed.body, "pagination", "item_count")).toBe(0)
    const full = await call(t.server, "POST", "/api/v1/agent_spans/batch", { body: { details: spans(Commands.maxBatchSpans) } })
    expect(full.status, full.text.slice(0, 300)).toBe(201)
    const after = await call(t.server, "GET", `/api/v1/agent_spans?agent_instance_id=${run}&pagination[page_size]=1`)
    expect(at(after.body, "pagination", "item_count")).toBe(Commands.maxBatchSpans)
  }, 120_000)

  it("text a store cannot keep is a 400 naming the field: NUL and lone surrogates, in values, keys, names and keys", async () => {
    const run = await startedRun(t)
    const span = (payload: unknown, extra: Record<string, unknown> = {}) =>
      call(t.server, "POST", "/api/v1/agent_spans", { body: { details: { agent_instance_id: run, schema_name: "llm", status: "active", payload }, ...extra } })
    const cases: ReadonlyArray<readonly [Promise<{ readonly status: number; readonly text: string; readonly body: unknown }>, string]> = [
      [span({ a: "x\u0000y" }), "payload.a"],
      [span({ deep: [{ b: "\ud800" }] }), "payload.deep.0.b"],
      [span({ ["k\u0000"]: 1 }), "payload.\"k\\u0000\""],
      [span({ lone: "\udc00 after" }), "payload.lone"],
      [span({}, { idempotency_key: "key\u0000" }), "idempotency_key"],
      [call(t.server, "POST", "/api/v1/agent", { body: { details: { name: "nul\u0000name" } } }), "name"],
      [call(t.server, "POST", "/api/v1/agent", { body: { details: { name: "ok", description: "\ud83d" } } }), "description"],
      [call(t.server, "POST", "/api/v1/agent_spans", {
        body: { details: { agent_instance_id: run, schema_name: "llm\u0000", status: "active" } }
      }), "schema_name"]
    ]
    for (const [pending, field] of cases) {
      const answer = await pending
      refusedWith(answer, 400, "validation_errors")
      expect(Object.keys(at(answer.body, "errors") ?? {}), answer.text).toContain(field)
    }
    // A lookup by text no agent can hold finds nothing, rather than failing in the store.
    refusedWith(await call(t.server, "GET", "/api/v1/agent/show?external_identifier=%00"), 404, "not_found")
    // Well-formed text of every plane is kept exactly.
    const kept = { emoji: "🙂 \ud83d\ude00", astral: "𝔘𝔫𝔦", bom: "\ufeff", max: "\u{10ffff}", escapes: "\u0001\u001f\"\\" }
    const stored = await span(kept)
    expect(stored.status, stored.text).toBe(201)
    const read = await call(t.server, "GET", `/api/v1/agent_spans/${textAt(stored.body, "details", "id")}`)
    expect(at(read.body, "details", "payload")).toEqual(kept)
  })

  it("property: any string, as a payload key or value, round-trips exactly or is refused with 400", async () => {
    const run = await startedRun(t)
    const text = fc.oneof(fc.string({ unit: "binary" }), fc.string({ unit: "grapheme" }), fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) }))
    await fc.assert(
      fc.asyncProperty(text, text, async (key, value) => {
        const payload = Object.fromEntries([[key, value], ["nested", [value, { [key]: key }]]])
        const answer = await call(t.server, "POST", "/api/v1/agent_spans", {
          body: { details: { agent_instance_id: run, schema_name: "llm", status: "active", payload } }
        })
        if (answer.status === 400) {
          expect(answer.body).toMatchObject({ status: "error", code: "validation_errors" })
          return
        }
        expect(answer.status, answer.text.slice(0, 300)).toBe(201)
        const read = await call(t.server, "GET", `/api/v1/agent_spans/${textAt(answer.body, "details", "id")}`)
        expect(at(read.body, "details", "payload")).toEqual(payload)
      }),
      { numRuns: 40 }
    )
  }, 120_000)
})
