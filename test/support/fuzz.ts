/**
 * The generators of the HTTP fuzz (`test/http-fuzz.test.ts`): malformed requests as fast-check
 * arbitraries, each tagged with the family of hostility it belongs to, so a failure names it.
 */
import { FastCheck as fc } from "effect"

/** A family of generated bodies. */
export type Family =
  | "empty"
  | "not-json"
  | "truncated"
  | "random-json"
  | "wrong-types"
  | "huge-string"
  | "deep"
  | "nul"
  | "lone-surrogate"
  | "proto-keys"
  | "huge-number"
  | "idempotency"
  | "batch"

export interface FuzzRequest {
  readonly family: Family
  readonly method: string
  /** A route template of the OpenAPI document, `{id}` placeholders and all. */
  readonly route: string
  readonly path: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: string | undefined
}

/** The field names the contract documents, so generated objects reach past the first check. */
const fields = [
  "details", "name", "status", "timestamp", "payload", "result_payload", "agent_instance_id", "items", "token_scope",
  "schema_name", "started_at", "finished_at", "idempotency_key", "agent_id", "environment_id", "agent_version",
  "agent_schema_version", "external_identifier", "span_schemas", "thresholds", "reason", "version_id", "parent_span_id",
  "agent_deployment_id", "expires_at", "purpose", "description", "risk_profile_id", "_type", "id"
] as const

const key = fc.oneof(fc.constantFrom(...fields), fc.string({ maxLength: 12 }))

const hugeNumbers = ["1e400", "-1e400", "123456789012345678901234567890", "1.7976931348623157e309", "-0", "9007199254740993", "1e-400", "0.0000000000000000000000001"]

/** JSON text of a value whose leaves come from `leaf`, under documented and random keys. */
const jsonText = (leaf: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc.letrec<{ node: string }>((tie) => ({
    node: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      leaf,
      fc.array(tie("node"), { maxLength: 4 }).map((items) => `[${items.join(",")}]`),
      fc.array(fc.tuple(key, tie("node")), { maxLength: 5 }).map((entries) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(",")}}`)
    )
  })).node

const scalar = fc.oneof(
  fc.constant("null"),
  fc.boolean().map(String),
  fc.integer().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => JSON.stringify(n)),
  fc.string({ maxLength: 20 }).map((s) => JSON.stringify(s)),
  fc.constantFrom('"2026-01-31T09:30:00Z"', '"-1"', '"%00"', '"complete"', '"active"', '"account"', '"llm"')
)

/** A body that wraps `inner` the ways the routes expect: `{details: …}`, top-level fields, `{items: […]}`. */
const wrapped = (inner: fc.Arbitrary<string>) =>
  fc.tuple(fc.constantFrom("details", "top", "items", "bare"), inner, key).map(([shape, value, name]) =>
    shape === "details" ? `{"details":${value}}` : shape === "top" ? `{${JSON.stringify(name)}:${value}}` : shape === "items" ? `{"items":[${value}]}` : value
  )

const loneSurrogate = fc.constantFrom("\\ud800", "\\udfff", "\\ud83d", "\\udc00x", "a\\ud800b")

const bodies: ReadonlyArray<readonly [Family, fc.Arbitrary<string | undefined>]> = [
  ["empty", fc.constantFrom(undefined, "", " ", "null", "{}", "[]")],
  ["not-json", fc.oneof(fc.string({ maxLength: 50 }), fc.constantFrom("{", "}", "{'a':1}", "[1,]", "{\"a\":}", "nul", "\u0000", "\uFEFF{}", "{\"a\":1}{\"b\":2}"))],
  ["truncated", fc.tuple(wrapped(jsonText(scalar)), fc.nat()).map(([text, cut]) => text.slice(0, text.length === 0 ? 0 : cut % text.length))],
  ["random-json", fc.jsonValue({ maxDepth: 5 }).map((value) => JSON.stringify(value) ?? "null")],
  ["wrong-types", wrapped(jsonText(scalar))],
  ["huge-string", fc.tuple(key, fc.integer({ min: 10_000, max: 300_000 }), fc.constantFrom("x", "€", "\\n", "\\\"")).map(([name, length, unit]) =>
    `{"details":{${JSON.stringify(name)}:"${unit.repeat(Math.floor(length / unit.length))}"},"name":"n"}`)],
  ["deep", fc.tuple(fc.integer({ min: 100, max: 3_000 }), fc.constantFrom("[", "{\"a\":"), fc.boolean()).map(([depth, open, closed]) =>
    `{"details":${open.repeat(depth)}1${closed ? (open === "[" ? "]" : "}").repeat(depth) : ""}}`)],
  ["nul", wrapped(jsonText(fc.oneof(scalar, fc.constantFrom('"\\u0000"', '"a\\u0000b"', '"\\u0000\\u0000"'))))
    .map((text) => text.replace(/"([^"\\]{1,8})":/, '"$1\\u0000":'))],
  ["lone-surrogate", wrapped(jsonText(fc.oneof(scalar, loneSurrogate.map((s) => `"${s}"`))))
    .map((text) => text.replace(/"([^"\\]{1,8})":/, '"$1\\udc00":'))],
  ["proto-keys", fc.tuple(wrapped(jsonText(scalar)), fc.constantFrom("__proto__", "constructor", "prototype", "hasOwnProperty", "toString")).map(([text, name]) =>
    text.startsWith("{") && text.length > 2 ? `{${JSON.stringify(name)}:{"details":{"name":"p"}},"details":{${JSON.stringify(name)}:{"polluted":true},"name":"p"},${text.slice(1)}` : `{${JSON.stringify(name)}:${text === "" ? "1" : text}}`)],
  ["huge-number", wrapped(jsonText(fc.oneof(scalar, fc.constantFrom(...hugeNumbers))))],
  ["idempotency", fc.tuple(fc.string({ maxLength: 100 }), fc.integer({ min: 0, max: 5_000 })).map(([text, pad]) =>
    JSON.stringify({ idempotency_key: `${text}${"k".repeat(pad)}`, details: { name: "idem" } }))],
  ["batch", fc.tuple(fc.integer({ min: 900, max: 3_000 }), fc.constantFrom("details", "items")).map(([count, name]) =>
    `{${JSON.stringify(name)}:[${Array.from({ length: count }, (_, i) => `{"schema_name":"llm","status":"complete","_type":"agents/create","idempotency_key":"key-${i}-abcdefgh","details":{"name":"b"}}`).join(",")}]}`)]
]

const methods = fc.oneof(
  { weight: 6, arbitrary: fc.constant("documented") },
  { weight: 2, arbitrary: fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH") },
  { weight: 1, arbitrary: fc.constantFrom("OPTIONS", "HEAD", "TRACE", "PROPFIND") }
)

/** A value for a `{id}`: one of the account's ids, an absent one, or hostile text (already URL-encoded). */
const pathValue = (ids: ReadonlyArray<string>) =>
  fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom(...ids) },
    { weight: 2, arbitrary: fc.constantFrom("", "%00", "%ED%A0%80", "%F0%9F%98%80", "..", "%2E%2E%2F", "__proto__", "constructor", "%25", "null", "0", "-1") },
    { weight: 1, arbitrary: fc.string({ maxLength: 40 }).map((s) => encodeURIComponent(s.replace(/[\ud800-\udfff]/g, "x"))) },
    { weight: 1, arbitrary: fc.integer({ min: 100, max: 6_000 }).map((n) => "a".repeat(n)) }
  )

const queries = fc.oneof(
  { weight: 4, arbitrary: fc.constant("") },
  {
    weight: 3,
    arbitrary: fc.array(
      fc.tuple(
        fc.constantFrom("pagination[offset]", "pagination[page_size]", "sorting", "sorting[field]", "sorting[direction]", "agent_id", "agent_instance_id",
          "environment_id", "status", "start_time", "end_time", "external_identifier", "include_counts", "__proto__", "pagination[__proto__]"),
        fc.constantFrom("1", "-1", "1e309", "99999999999999999999", "%00", "%ED%A0%80", "__proto__", "-id", "asc", "x".repeat(3_000), "", "2026-01-31T09:30:00Z", "-1")
      ),
      { maxLength: 4 }
    ).map((pairs) => (pairs.length === 0 ? "" : `?${pairs.map(([k, v]) => `${encodeURIComponent(k)}=${v}`).join("&")}`))
  }
)

const contentTypes = fc.oneof(
  { weight: 8, arbitrary: fc.constant("application/json") },
  { weight: 1, arbitrary: fc.constantFrom("", "text/plain", "application/json; charset=utf-16", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/jsonp") }
)

/** What the fuzz sends as a bearer token: the account's own tokens mostly, else none or junk. */
const authorizations = (tokens: ReadonlyArray<string>) =>
  fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...tokens).map((token) => `Bearer ${token}`) },
    { weight: 1, arbitrary: fc.constantFrom("", "Bearer", "Bearer ", "Basic Zm9vOmJhcg==", `Bearer ${"x".repeat(5_000)}`, "Bearer pf_unknown-token-0123456789abcdef0123") }
  )

/** The records a valid body names. */
export interface Targets {
  readonly agent: string
  readonly environment: string
  readonly instance: string
  readonly span: string
}

/** Hostile text for a field of an otherwise valid body, by family (JSON string literals). */
const hostileText: ReadonlyArray<readonly [Family, fc.Arbitrary<string>]> = [
  ["nul", fc.constantFrom('"\u0000"', '"a\u0000b"', '"name\u0000"')],
  ["lone-surrogate", loneSurrogate.map((text) => `"${text}"`)],
  ["huge-string", fc.integer({ min: 10_000, max: 200_000 }).map((n) => `"${"y".repeat(n)}"`)],
  ["huge-number", fc.constantFrom(...hugeNumbers)]
]

/**
 * Valid bodies of the routes that write, with `X` where a hostile value goes and `K` where a
 * hostile key goes: these reach the handlers and the store, where a body that fails its schema
 * never arrives.
 */
const templates = (t: Targets): ReadonlyArray<readonly [string, RegExp, string]> => [
  ["POST", /^\/api\/v1\/(agent|environment)$/, `{"details":{"name":X,"description":X,"K":1}}`],
  ["PUT", /^\/api\/v1\/(agent|environment)\/\{id\}$/, `{"details":{"name":X}}`],
  ["POST", /^\/api\/v1\/admin\/account$/, `{"details":{"name":X}}`],
  ["POST", /^\/api\/v1\/agent_spans$/, `{"details":{"agent_instance_id":"${t.instance}","schema_name":X,"status":"complete","payload":{"K":X,"n":X}}}`],
  ["POST", /^\/api\/v1\/agent_spans\/batch$/, `{"details":[{"agent_instance_id":"${t.instance}","schema_name":"llm","status":"active","payload":{"K":X}}]}`],
  ["POST", /^\/api\/v1\/agent_spans\/\{id\}\/finish$/, `{"status":"complete","result_payload":{"K":X}}`],
  ["POST", /^\/api\/v1\/agent_instance\/\{id\}\/(start|finish)$/, `{"timestamp":"2026-01-31T09:30:00Z","idempotency_key":X}`],
  ["POST", /^\/api\/v1\/agent_instance\/\{id\}\/terminate$/, `{"reason":X}`],
  ["POST", /^\/api\/v1\/agent_instance\/register$/, `{"agent_id":"${t.agent}","environment_id":"${t.environment}","agent_version":{"external_identifier":X,"name":X},` +
    `"agent_schema_version":{"external_identifier":X,"span_schemas":{"K":{"type":"object"}}}}`],
  ["POST", /^\/api\/v1\/risk_profile$/, `{"details":{"name":X,"thresholds":{"medium":10,"high":20,"critical":30}}}`],
  ["POST", /^\/api\/v1\/bulk$/, `{"items":[{"_type":"agents/create","idempotency_key":"bulk-key-0001","details":{"name":X,"K":1}}]}`]
]

const hostileKeys = fc.constantFrom("__proto__", "constructor", "prototype", "a\u0000", "\ud800", "toString")

/** A valid body for one of the writing routes, with hostile values and keys in it, sent to that route. */
const templated = (
  routes: ReadonlyArray<readonly [string, string]>,
  targets: Targets,
  families: ReadonlyArray<Family>
): ReadonlyArray<fc.Arbitrary<{ readonly family: Family; readonly route: readonly [string, string]; readonly body: string }>> => {
  const usable = templates(targets).flatMap(([method, path, body]) => {
    const route = routes.find(([m, r]) => m === method && path.test(r))
    return route === undefined ? [] : [{ route, body }]
  })
  if (usable.length === 0) return []
  const values = hostileText.filter(([family]) => families.includes(family)).map(([family, text]) =>
    fc.tuple(fc.constantFrom(...usable), text, hostileKeys).map(([template, value, name]) => ({
      family,
      route: template.route,
      body: template.body.replaceAll("X", value).replace("K", name)
    })))
  const keys = families.includes("proto-keys")
    ? [fc.tuple(fc.constantFrom(...usable), hostileKeys).map(([template, name]) => ({
      family: "proto-keys" as const,
      route: template.route,
      body: template.body.replaceAll("X", '"p"').replace("K", name)
    }))]
    : []
  return [...values, ...keys]
}

/** Requests over `routes` (`[method, template]` from the OpenAPI document) for an account with `ids` and `tokens`. */
export const requests = (
  routes: ReadonlyArray<readonly [string, string]>,
  ids: ReadonlyArray<string>,
  tokens: ReadonlyArray<string>,
  families: ReadonlyArray<Family>,
  targets: Targets
): fc.Arbitrary<FuzzRequest> => {
  const chosen = bodies.filter(([family]) => families.includes(family))
  const valid = templated(routes, targets, families)
  const free = fc.record({
    route: fc.constantFrom(...routes),
    method: methods,
    values: fc.array(pathValue(ids), { minLength: 3, maxLength: 3 }),
    query: queries,
    body: fc.oneof(...chosen.map(([family, body]) => body.map((text) => ({ family, text })))),
    contentType: contentTypes,
    authorization: authorizations(tokens),
    idempotencyKey: fc.option(fc.oneof(fc.string({ maxLength: 70 }).map((s) => s.replace(/[^\x20-\x7e]/g, "k")), fc.constant("k".repeat(2_000))), { freq: 4 })
  }).map(({ authorization, body, contentType, idempotencyKey, method, query, route, values }) => {
    let index = 0
    const path = route[1].replace(/\{[^}]+\}/g, () => values[index++ % values.length] ?? "")
    const headers: Record<string, string> = {}
    if (authorization !== "") headers["authorization"] = authorization
    if (contentType !== "" && body.text !== undefined) headers["content-type"] = contentType
    if (idempotencyKey !== null) headers["idempotency-key"] = idempotencyKey
    return { family: body.family, method: method === "documented" ? route[0] : method, route: route[1], path: `${path}${query}`, headers, body: body.text }
  })
  if (valid.length === 0) return free
  const aimed = fc.record({ chosen: fc.oneof(...valid), id: fc.constantFrom(targets.instance, targets.span, targets.agent, targets.environment), token: fc.constantFrom(...tokens) })
    .map(({ chosen, id, token }): FuzzRequest => ({
      family: chosen.family,
      method: chosen.route[0],
      route: chosen.route[1],
      path: chosen.route[1].replace(/\{[^}]+\}/g, id),
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: chosen.body
    }))
  return fc.oneof({ weight: 3, arbitrary: free }, { weight: 1, arbitrary: aimed })
}
