/**
 * A property over real HTTP: arbitrary bodies, ids and query parameters to every route of the
 * server's OpenAPI document never get a 5xx, every 2xx is a success envelope and every non-2xx
 * answer is an error envelope in JSON. `AGENTLEDGER_DEEP=1` runs it many more times.
 */
import { Ids } from "@agentledger/domain"
import { FastCheck as fc } from "effect"
import { expect, it } from "vitest"
import * as B from "../support/badInput.js"
import { world } from "../support/badInputWorld.js"
import { type Kind, kindOf, withId } from "../support/idRoutes.js"
import type { Json } from "../support/json.js"
import { contractRoutes, type Route } from "../support/openApiRoutes.js"

const deep = (process.env["AGENTLEDGER_DEEP"] ?? "") !== ""

/** The property, in the calling `describe`, on a server of its own. */
export const arbitraryRequests = (): void => {
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
          // An evidence export answers the document itself (or NDJSON of documents), not an envelope.
          if (path.endsWith("/export")) {
            if (!/application\/(json|x-ndjson)/.test(answer.contentType ?? "")) throw new Error(`an export without its document: ${label}`)
          } else if (B.at(answer.body, "status") !== "success") throw new Error(`2xx without a success envelope: ${label}`)
        } else if (!B.isErrorEnvelope(answer.body) || !(answer.contentType ?? "").includes("application/json")) {
          throw new Error(`non-2xx without an error envelope: ${label}`)
        }
      })
      const result = await fc.check(property, { numRuns: runs, interruptAfterTimeLimit: deep ? 120_000 : 15_000 })
      if (result.failed) failures.push(`${path}: ${result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance)} (seed ${result.seed}, path ${result.counterexamplePath ?? ""})`)
    }
    expect(failures).toEqual([])
  }, deep ? 1_800_000 : 60_000)
}

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
