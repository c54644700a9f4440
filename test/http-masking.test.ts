/**
 * Masking at ingest over HTTP, on PGlite: the policy's routes (account tokens only, typed 400s
 * for unknown categories and floods of names), the SDK's span bodies with the newer SDKs'
 * `sensitive_encoding` (and the 0.2.9 bodies without it), and the guarantee itself — a masked
 * field's text is in no answer (create, batch, finish, get, list, timeline, outline, a keyed
 * replay) and in no row of the database (spans, idempotency records).
 */
import { LedgerStore } from "@agentledger/domain"
import { PgliteClient, PgStore } from "@agentledger/store-postgres"
import { SqlClient } from "@effect/sql"
import { Context, Effect, Exit, Layer, Scope } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { deployAgent, type Deployed } from "./support/deployAgent.js"
import { field, isObject, type Json, textAt } from "./support/json.js"
import { type Answer, call } from "./support/jsonClient.js"
import { type RunningServer, startServer } from "./support/server.js"

/** The texts masking must keep out of every answer and every row. */
const secrets = ["hunter2", "ada@example.com", "555-12-3456", "sk-live-0042", "Bearer tok-77"] as const

const expectNoSecret = (what: string, value: unknown) => {
  const text = typeof value === "string" ? value : JSON.stringify(value)
  for (const secret of secrets) expect(text, `${what} holds "${secret}"`).not.toContain(secret)
}

const schema = {
  external_identifier: "masking-schema-1",
  span_type_schemas: [
    { name: "agent", params_schema: { type: "object" } },
    {
      name: "crm:lookup",
      params_schema: { type: "object", properties: { customer_id: { type: "string" } }, required: ["customer_id"] },
      result_schema: { type: "object", properties: { email: { type: "string" } }, required: ["email"] },
      data_risk: { action_profile: { read_data: "allowed" }, result_data_categories: { personal_identifiers: "included" } }
    },
    { name: "llm", params_schema: { type: "object" } }
  ]
}

let server: RunningServer
let scope: Scope.CloseableScope
let sql: Context.Context<SqlClient.SqlClient>
let deployed: Deployed
let instance = ""

const account = (method: string, path: string, body?: Json): Promise<Answer> => call(server.url, server.secret, method, `/api/v1/${path}`, body)
const sdk = (method: string, path: string, body?: Json): Promise<Answer> => call(server.url, deployed.token, method, `/api/v1/${path}`, body)

/** Every row of the tables that hold span data, as text. */
const storedRows = () =>
  Effect.runPromise(Effect.flatMap(SqlClient.SqlClient, (client) =>
    Effect.all([
      client`SELECT row_to_json(s)::text AS row FROM agent_spans s`,
      client`SELECT row_to_json(k)::text AS row FROM idempotency_keys k`
    ])).pipe(Effect.provide(sql), Effect.map((tables) => tables.flat().map((row) => String(row["row"])))))

/** The body the 0.2.9 SDK sends to create a span, with `extra` in its details (and `idempotency_key`, when given). */
const spanBody = (schemaName: string, payload: Json, extra: { readonly [key: string]: Json } = {}, key?: string): Json => ({
  ...(key === undefined ? {} : { idempotency_key: key }),
  details: {
    agent_instance_id: instance,
    schema_name: schemaName,
    status: "active",
    payload,
    parent_span_id: null,
    started_at: new Date().toISOString(),
    finished_at: null,
    ...extra
  }
})

beforeAll(async () => {
  scope = Effect.runSync(Scope.make())
  const built = await Effect.runPromise(Layer.buildWithScope(PgStore.layer.pipe(Layer.provideMerge(PgliteClient.layer())), scope))
  sql = Context.make(SqlClient.SqlClient, Context.get(built, SqlClient.SqlClient))
  server = await startServer({ store: Layer.succeed(LedgerStore, Context.get(built, LedgerStore)) })
  deployed = await deployAgent(server.url, server.secret, { name: "Masked bot" })
  const registered = await sdk("POST", "agent_instance/register", {
    agent_version: { external_identifier: "v1", name: "Masked bot", description: "" },
    agent_schema_version: schema
  })
  instance = textAt(registered.body, "details", "id")
}, 120_000)

afterAll(async () => {
  await server.close()
  await Effect.runPromise(Scope.close(scope, Exit.void))
})

describe("the masking policy's routes", () => {
  it("GET answers the empty policy until a PUT replaces it; both refuse a deployment token", async () => {
    const initial = await account("GET", "masking_policy")
    expect(initial.status).toBe(200)
    expect(field(initial.body, "details")).toMatchObject({ type: "masking_policy", categories: [], keys: [], updated_at: null })
    const put = await account("PUT", "masking_policy", {
      details: { categories: ["personal_identifiers", "authentication_and_secrets"], keys: ["password", "SSN"] }
    })
    expect(put.status, JSON.stringify(put.body)).toBe(200)
    expect(field(put.body, "details")).toMatchObject({
      type: "masking_policy",
      categories: ["personal_identifiers", "authentication_and_secrets"],
      keys: ["SSN", "password"]
    })
    expect((await account("GET", "masking_policy")).body).toEqual(put.body)
    for (const [method, body] of [["GET", undefined], ["PUT", { details: { categories: [], keys: [] } }]] as const) {
      const refused = await sdk(method, "masking_policy", body)
      expect(refused.status).toBe(403)
      expect(field(refused.body, "code")).toBe("not_permitted")
    }
  })

  it("refuses bad policies with a typed 400 naming the field, and keeps the policy it had", async () => {
    const before = (await account("GET", "masking_policy")).body
    const cases: ReadonlyArray<readonly [Json, string]> = [
      [{ details: { categories: ["personal_identifiers", "salary"] } }, "categories.1"],
      [{ details: { keys: Array.from({ length: 101 }, (_, i) => `field_${i}`) } }, "keys"],
      [{ details: { keys: Array.from({ length: 5000 }, (_, i) => `field_${i}`) } }, "keys"],
      [{ details: { keys: ["x".repeat(101)] } }, "keys.0"],
      [{ details: { keys: ["__"] } }, "keys.0"]
    ]
    for (const [body, errorField] of cases) {
      const answer = await account("PUT", "masking_policy", body)
      expect(answer.status, JSON.stringify(answer.body).slice(0, 300)).toBe(400)
      expect(field(answer.body, "code")).toBe("validation_errors")
      const errors = field(answer.body, "errors")
      expect(isObject(errors) ? Object.keys(errors) : [], JSON.stringify(answer.body).slice(0, 300)).toContain(errorField)
    }
    // Shapes the contract does not decode: the platform's own 400.
    for (const body of [{ details: { categories: "personal_identifiers" } }, { details: { keys: [42] } }, { categories: [] }]) {
      const answer = await account("PUT", "masking_policy", body)
      expect(answer.status).toBe(400)
      expect(field(answer.body, "code")).toBe("validation_errors")
    }
    expect((await account("GET", "masking_policy")).body).toEqual(before)
  })
})

describe("spans as the SDKs send them", () => {
  it("0.2.9's body (no sensitive_encoding) answers null; a newer SDK's true is kept and masks the secret names", async () => {
    const old = await sdk("POST", "agent_spans", spanBody("llm", { prompt: "hi", token: "kept: not a named key" }))
    expect(old.status, JSON.stringify(old.body)).toBe(201)
    expect(field(old.body, "details", "sensitive_encoding")).toBe(null)
    expect(field(old.body, "details", "payload")).toEqual({ prompt: "hi", token: "kept: not a named key" })

    const newer = await sdk("POST", "agent_spans", spanBody("llm", { prompt: "hi", api_key: "sk-live-0042", headers: { Authorization: "Bearer tok-77" } }, {
      sensitive_encoding: true
    }))
    expect(newer.status, JSON.stringify(newer.body)).toBe(201)
    expect(field(newer.body, "details")).toMatchObject({
      sensitive_encoding: true,
      payload: { prompt: "hi", api_key: "[masked:key]", headers: { Authorization: "[masked:key]" } }
    })
    const refused = await sdk("POST", "agent_spans", spanBody("llm", {}, { sensitive_encoding: "yes" }))
    expect(refused.status).toBe(400)
  })

  it("a masked field's text is in no answer and no stored row: create, batch, keyed replay, finish, get, list, timeline, outline", async () => {
    const answers: Array<readonly [string, Answer]> = []
    const created = await sdk("POST", "agent_spans", spanBody("crm:lookup", { customer_id: "c-1", password: "hunter2", ssn: "555-12-3456" }))
    answers.push(["create", created])
    expect(field(created.body, "details", "payload")).toEqual({ customer_id: "c-1", password: "[masked:key]", ssn: "[masked:key]" })
    // Checked on what was sent: the lookup's params conform.
    expect(field(created.body, "details", "conformance", "payload")).toBe("conforms")
    const id = textAt(created.body, "details", "id")

    const keyed = spanBody("agent", { note: "plain text", password: "hunter2" }, {}, "masked-span-1")
    const first = await sdk("POST", "agent_spans", keyed)
    const replay = await sdk("POST", "agent_spans", keyed)
    answers.push(["keyed create", first], ["keyed replay", replay])
    expect(replay.body).toEqual(first.body)
    // The agent type declares no category: only the named key is masked.
    expect(field(first.body, "details", "payload")).toEqual({ note: "plain text", password: "[masked:key]" })

    const batch = await sdk("POST", "agent_spans/batch", {
      details: [
        { agent_instance_id: instance, schema_name: "llm", status: "complete", payload: { prompt: "p", ssn: "555-12-3456" }, result_payload: { Password: "hunter2" } },
        { agent_instance_id: instance, schema_name: "llm", status: "active", payload: { secret: "sk-live-0042" }, sensitive_encoding: true }
      ]
    })
    answers.push(["batch", batch])
    expect(batch.status, JSON.stringify(batch.body)).toBe(201)
    expect(field(batch.body, "details", 1, "sensitive_encoding")).toBe(true)

    const finished = await sdk("POST", `agent_spans/${id}/finish`, {
      timestamp: new Date().toISOString(),
      status: "complete",
      result_payload: { email: "ada@example.com" },
      sensitive_encoding: true
    })
    answers.push(["finish", finished])
    expect(finished.status, JSON.stringify(finished.body)).toBe(200)
    expect(field(finished.body, "details")).toMatchObject({
      // The lookup's results declare personal identifiers (not secrets): the marker names what was asked and declared.
      result_payload: { email: "[masked:personal_identifiers]" },
      sensitive_encoding: true,
      conformance: { payload: "conforms", result: "conforms" }
    })

    answers.push(
      ["get", await account("GET", `agent_spans/${id}`)],
      ["list", await account("GET", `agent_spans?agent_instance_id=${instance}`)],
      ["timeline", await account("GET", `agent_instance/${instance}/timeline`)],
      ["outline", await account("GET", `agent_instance/${instance}/spans`)]
    )
    // The run's reads hold the previous test's spans too; none of those was sent a secret unmasked either.
    for (const [what, answer] of answers) {
      expect(answer.status, `${what}: ${JSON.stringify(answer.body).slice(0, 300)}`).toBeLessThan(300)
      expectNoSecret(what, answer.body)
    }

    const rows = await storedRows()
    expect(rows.some((row) => row.includes("[masked:key]"))).toBe(true)
    expectNoSecret("the stored rows", rows.join("\n"))
  })
})
