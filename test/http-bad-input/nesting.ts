/**
 * Deep nesting over real HTTP: 100,000-deep and 1,000-deep JSON on every body route tried,
 * whatever the spelling of the JSON content type, while brackets inside strings are not counted.
 * Each must get its 4xx with the error envelope and leave both accounts' data as it was
 * (support/badInputWorld.ts); checks inside loops are soft, so one run lists every failing request.
 */
import { Json as DomainJson } from "@agentledger/domain"
import { expect, it } from "vitest"
import * as B from "../support/badInput.js"
import { type World, unchanged, world } from "../support/badInputWorld.js"
import { expectError } from "../support/expectError.js"

/** The tests of deep nesting, in the calling `describe`, on a server of their own. */
export const deepNesting = (): void => {
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
}
