/**
 * Span type definitions are untrusted code: through real HTTP, with the server's worker-thread
 * checker, no definition and payload ends the process, holds its event loop, or reaches another
 * account — on memory and on PGlite (whose one connection every tenant shares).
 *
 * Each finding below failed before the fix: an `$async` definition ended the process after the
 * span's 201; a doubly recursive definition held the loop for seconds on a 146-byte payload; a
 * nested `$id` of one account made another account's definition invalid.
 */
import { WorkerChecker } from "@agentledger/checker-worker"
import type { Json } from "@agentledger/domain"
import { PgStore } from "@agentledger/store-postgres"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { FastCheck as fc, type Layer } from "effect"
import type { LedgerStore } from "@agentledger/domain"
import { MemoryStore } from "@agentledger/store-memory"
import { call, openAccount, textAt } from "./support/badInput.js"
import { type RunningServer, startServer } from "./support/server.js"
import { deep, stallMonitor } from "@agentledger/testkit"

const doubleRef: Json.Json = { allOf: [{ additionalProperties: { $ref: "#" } }, { additionalProperties: { $ref: "#" } }] }
const nested = (levels: number): Json.Json => {
  let value: Json.Json = { leaf: "x" }
  for (let level = 0; level < levels; level++) value = { a: value }
  return value
}

/** What the loop may be held for at once in these tests: the budget is 50 ms, a loaded CI machine is slower. */
const stallLimitMs = 250

const stores: ReadonlyArray<readonly [string, () => Layer.Layer<LedgerStore>]> = [
  ["memory", () => MemoryStore.layer],
  ["PGlite", () => PgStore.layerPglite()]
]

for (const [label, store] of stores) {
  describe(`hostile span schemas through HTTP (${label})`, () => {
    let server: RunningServer
    const rejections: Array<unknown> = []
    const onRejection = (reason: unknown) => rejections.push(reason)
    const monitor = stallMonitor()

    beforeAll(async () => {
      process.on("unhandledRejection", onRejection)
      server = await startServer({ store: store(), checker: WorkerChecker.layer({ threads: 1, checkTimeoutMs: 200, maxWaitMs: 20_000 }) })
    })
    afterAll(async () => {
      monitor.stop()
      process.off("unhandledRejection", onRejection)
      await server.close()
    })

    const post = (secret: string, path: string, body: Json.Json) => call(server.url, secret, "POST", path, body)

    /** A started run of a new agent whose one span type `t` has `definition` as its params schema. */
    const runWith = async (secret: string, definition: Json.Json, name: string): Promise<string> => {
      const agent = await post(secret, "/api/v1/agent", { details: { name } })
      const environments = await call(server.url, secret, "GET", "/api/v1/environment")
      const environment = textAt(environments.body, "summaries", 0, "id")
      const run = await post(secret, "/api/v1/agent_instance/register", {
        agent_id: textAt(agent.body, "details", "id"),
        environment_id: environment,
        agent_schema_version: { external_identifier: name, span_schemas: { t: definition } }
      })
      expect(run.status).toBe(201)
      const id = textAt(run.body, "details", "id")
      expect((await post(secret, `/api/v1/agent_instance/${id}/start`, {})).status).toBe(200)
      return id
    }

    const span = (secret: string, run: string, payload: Json.Json) =>
      post(secret, "/api/v1/agent_spans", { details: { agent_instance_id: run, schema_name: "t", status: "active", payload } })

    it("an $async definition is invalid: the span is kept and flagged, the process lives", async () => {
      const run = await runWith(server.secret, { $async: true, required: ["x"] }, "async")
      const created = await span(server.secret, run, { y: 1 })
      expect(created.status).toBe(201)
      expect(textAt(created.body, "details", "conformance", "payload")).toBe("invalid_definition")
      await new Promise((resolve) => setTimeout(resolve, 100))
      expect((await call(server.url, server.secret, "GET", "/api/v1/ping")).status).toBe(200)
      expect(rejections).toEqual([])
    })

    it("a check that would take seconds is recorded unchecked, and the loop never stalls", async () => {
      const run = await runWith(server.secret, doubleRef, "double-ref")
      monitor.reset()
      const started = performance.now()
      const created = await span(server.secret, run, nested(24))
      expect(created.status).toBe(201)
      expect(textAt(created.body, "details", "conformance", "payload")).toBe("unchecked")
      expect(performance.now() - started).toBeLessThan(10_000)
      expect(monitor.worst()).toBeLessThan(stallLimitMs)
      // The span is kept, and counted as flagged on its run.
      const id = textAt(created.body, "details", "id")
      expect((await call(server.url, server.secret, "GET", `/api/v1/agent_spans/${id}`)).status).toBe(200)
      const instance = await call(server.url, server.secret, "GET", `/api/v1/agent_instance/${run}`)
      expect(JSON.stringify(instance.body)).toContain("flagged")
    })

    it("a shallow payload against the same definition is checked in place, exactly", async () => {
      const run = await runWith(server.secret, doubleRef, "double-ref-shallow")
      const created = await span(server.secret, run, { a: { b: {} } })
      expect(textAt(created.body, "details", "conformance", "payload")).toBe("conforms")
    })

    it("one account's nested $id does not change another account's definitions", async () => {
      const other = await openAccount(server.url, server.operatorToken, `other ${label}`)
      const id = "https://example.test/shared-id"
      await runWith(server.secret, { type: "object", properties: { inner: { $id: id, type: "string" } } }, "nested-id")
      const run = await runWith(other, { $id: id, type: "object", required: ["y"] }, "top-level-id")
      expect(textAt((await span(other, run, { y: 1 })).body, "details", "conformance", "payload")).toBe("conforms")
      expect(textAt((await span(other, run, {})).body, "details", "conformance", "payload")).toBe("mismatch")
    })

    it("generated hostile definitions and payloads: every request answers, every span is kept, the loop keeps turning", async () => {
      const definition = fc.letrec<{ schema: Json.Json }>((tie) => ({
        schema: fc.oneof(
          { depthSize: "small", withCrossShrink: true },
          fc.constantFrom<Json.Json>({ $ref: "#" }, { type: "object" }, { uniqueItems: true }, { $async: true }, true, {}),
          // References to the root applied more than once at a level: exponential in the depth.
          fc.array(fc.constantFrom<Json.Json>({ additionalProperties: { $ref: "#" } }, { properties: { a: { $ref: "#" } } }), { minLength: 2, maxLength: 3 })
            .map((branches): Json.Json => ({ allOf: branches })),
          fc.record({ allOf: fc.array(tie("schema"), { minLength: 1, maxLength: 3 }) }),
          fc.record({ anyOf: fc.array(tie("schema"), { minLength: 1, maxLength: 3 }) }),
          fc.record({ oneOf: fc.array(tie("schema"), { minLength: 1, maxLength: 3 }) }),
          fc.record({ additionalProperties: tie("schema") }),
          fc.record({ items: tie("schema"), uniqueItems: fc.boolean() }),
          fc.record({ patternProperties: fc.dictionary(fc.constantFrom("^a", "(a+)+$", "^.*$"), tie("schema"), { maxKeys: 2 }) }),
          fc.record({ $id: fc.constantFrom("https://example.test/a", "https://example.test/b"), properties: fc.dictionary(fc.constantFrom("a", "b"), tie("schema"), { maxKeys: 2 }) }),
          fc.record({ enum: fc.array(fc.oneof(fc.integer(), fc.string()), { maxLength: 2000 }) })
        )
      })).schema
      const payload = fc.oneof(
        fc.integer({ min: 16, max: 60 }).map((levels) => nested(levels)),
        fc.array(fc.oneof(fc.integer({ min: 0, max: 50 }), fc.constant({ a: 1 })), { maxLength: 3000 }).map((items): Json.Json => ({ a: items })),
        fc.string({ maxLength: 2000 }).map((text): Json.Json => ({ a: text.repeat(10) }))
      )
      let index = 0
      await fc.assert(
        fc.asyncProperty(definition, fc.array(payload, { minLength: 1, maxLength: 3 }), async (hostile, payloads) => {
          const run = await runWith(server.secret, hostile, `generated-${index++}`)
          monitor.reset()
          for (const value of payloads) {
            const created = await span(server.secret, run, value)
            expect(created.status).toBe(201)
            const id = textAt(created.body, "details", "id")
            expect((await call(server.url, server.secret, "GET", `/api/v1/agent_spans/${id}`)).status).toBe(200)
          }
          expect(monitor.worst()).toBeLessThan(stallLimitMs)
        }),
        { numRuns: deep ? 60 : 12, seed: 7 }
      )
      expect((await call(server.url, server.secret, "GET", "/api/v1/ping")).status).toBe(200)
      expect(rejections).toEqual([])
    })
  })
}
