/**
 * Reading an SDK run: which exchange is which request, what a 0.2.9-compatible server may answer
 * (docs/http.md), the short wire shape of a run, and the stored spans and times compared with
 * what the SDK sent.
 */
import { expect } from "vitest"
import { isObject } from "../json.js"
import type { Span } from "../resources.js"
import { describeExchanges, detailString, type Exchange } from "./proxy.js"
import type { SdkRun } from "./run.js"

/** Which request an exchange is: a span create, a span finish, a register. */
export const isSpanCreate = (e: Exchange) => e.method === "POST" && e.path === "/api/v1/agent_spans"
export const isSpanFinish = (e: Exchange) => e.method === "POST" && /^\/api\/v1\/agent_spans\/[^/]+\/finish$/.test(e.path)
export const isRegister = (e: Exchange) => e.method === "POST" && e.path === "/api/v1/agent_instance/register"
/** The `code` of an error envelope. */
export const errorCode = (body: unknown): string | undefined => (isObject(body) && typeof body["code"] === "string" ? body["code"] : undefined)

/**
 * What the SDK met on the wire must be what the SDK's wire protocol allows a 0.2.9-compatible server to answer: 2xx,
 * or 409 `invalid_action` on the repeated finish of an agent span. Anything else is listed.
 */
export const expectCleanWire = (run: SdkRun) => {
  const refused = run.exchanges
    .filter((e) => !e.injected)
    .filter((e) => !(e.status >= 200 && e.status < 300) && !(isSpanFinish(e) && e.status === 409 && errorCode(e.responseBody) === "invalid_action"))
    .map((e) => `${e.method} ${e.path} -> ${e.status} ${JSON.stringify(e.responseBody)} for ${JSON.stringify(e.requestBody).slice(0, 600)}`)
  expect(refused, describeExchanges(run.exchanges)).toEqual([])
  expect(run.logs, "the SDK logged errors").toEqual([])
}

/** The short wire shape of a run: `register`, `start`, `create <schema_name>/<status>`, `finish-span`, `finish`. */
export const wireSteps = (exchanges: ReadonlyArray<Exchange>): ReadonlyArray<string> =>
  exchanges.map((e) => {
    if (isRegister(e)) return `register ${e.status}`
    if (isSpanCreate(e)) {
      return `create ${detailString(e.requestBody, "schema_name") ?? "?"}/${detailString(e.requestBody, "status") ?? "?"} ${e.status}`
    }
    if (isSpanFinish(e)) return `finish-span ${e.status}`
    if (e.path.endsWith("/start")) return `start ${e.status}`
    if (e.path.endsWith("/finish")) return `finish ${e.status}`
    return `${e.method} ${e.path} ${e.status}`
  })

/** Two ISO timestamps name the same millisecond (both must be present). */
export const sameInstant = (a: string | null | undefined, b: string | null | undefined): boolean =>
  typeof a === "string" && typeof b === "string" && !Number.isNaN(Date.parse(a)) && Date.parse(a) === Date.parse(b)

/** `details.conformance` of a span answer. */
export const conformanceOf = (body: unknown): unknown => {
  const details = isObject(body) ? body["details"] : undefined
  return isObject(details) ? details["conformance"] : undefined
}

/** The span of a timeline whose SDK payload carries `name` (the SDK's span name). */
export const spanNamed = (spans: ReadonlyArray<{ readonly span: Span; readonly depth: number }>, name: string): Span => {
  const found = spans.find((entry) => entry.span.payload["name"] === name)
  if (found === undefined) throw new Error(`no span named ${name} among ${spans.map((s) => String(s.span.payload["name"])).join(", ")}`)
  return found.span
}
