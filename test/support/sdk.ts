/**
 * Support for driving the real `@prefactor/core@0.2.9` SDK against a running agentledger server:
 * a small JSON client over `fetch` whose answers are decoded with Schema, the setup of an agent
 * with a deployment-scoped token, a recording (and optionally failure-injecting) `node:http`
 * proxy that sits between the SDK and the server, an SDK core built with small retry delays,
 * and a capture of the SDK's console logs.
 */
import { createConfig, createCore, type CoreRuntime } from "@prefactor/core"
import { Schema } from "effect"
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import { isObject, type Json } from "./json.js"

// ---------------------------------------------------------------------------------------------
// JSON over HTTP

export type { Json }

export interface Answer {
  readonly status: number
  readonly body: unknown
}

export { isObject }

const parse = (text: string): unknown => {
  if (text.length === 0) return null
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/** One call with a bearer token; the body is parsed as JSON when it is JSON. */
export const call = async (base: string, token: string, method: string, path: string, body?: Json): Promise<Answer> => {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) })
  })
  return { status: response.status, body: parse(await response.text()) }
}

/** Decodes an answer that must have the status given, with the answer in the error when not. */
export const expectAnswer = <A, I>(answer: Answer, status: number, schema: Schema.Schema<A, I>, what: string): A => {
  if (answer.status !== status) {
    throw new Error(`${what}: expected HTTP ${status}, got ${answer.status}: ${JSON.stringify(answer.body).slice(0, 1500)}`)
  }
  return Schema.decodeUnknownSync(schema)(answer.body)
}

// ---------------------------------------------------------------------------------------------
// The resources read back (only the fields the tests look at; other fields are ignored)

const Id = Schema.String
export const Details = <A, I>(details: Schema.Schema<A, I>) => Schema.Struct({ status: Schema.Literal("success"), details })
export const List = <A, I>(item: Schema.Schema<A, I>) =>
  Schema.Struct({
    status: Schema.Literal("success"),
    summaries: Schema.Array(item),
    pagination: Schema.Struct({ item_count: Schema.Number })
  })

export const Created = Schema.Struct({ id: Id })
export const Environment = Schema.Struct({ id: Id, name: Schema.String })
export const CreatedToken = Schema.Struct({
  status: Schema.Literal("success"),
  details: Schema.Struct({ id: Id, token_scope: Schema.String, agent_deployment_id: Schema.NullOr(Id) }),
  token: Schema.String
})
export const ErrorBody = Schema.Struct({ status: Schema.Literal("error"), code: Schema.String, message: Schema.String })

const Counts = Schema.Struct({
  total: Schema.Number,
  pending: Schema.Number,
  active: Schema.Number,
  complete: Schema.Number,
  failed: Schema.Number,
  cancelled: Schema.Number,
  finished: Schema.Number
})

export const Instance = Schema.Struct({
  type: Schema.Literal("agent_instance"),
  id: Id,
  agent_id: Id,
  agent_version_id: Id,
  agent_schema_version_id: Id,
  environment_id: Id,
  agent_deployment_id: Schema.NullOr(Id),
  status: Schema.String,
  started_at: Schema.NullOr(Schema.String),
  finished_at: Schema.NullOr(Schema.String),
  span_counts: Counts,
  conformance_counts: Schema.Struct({ conforms: Schema.Number, flagged: Schema.Number }),
  risk_score: Schema.NullOr(Schema.Number),
  risk_level: Schema.NullOr(Schema.String)
})
export type Instance = typeof Instance.Type

const JsonObject = Schema.Record({ key: Schema.String, value: Schema.Unknown })

export const Span = Schema.Struct({
  type: Schema.Literal("agent_span"),
  id: Id,
  agent_instance_id: Id,
  parent_span_id: Schema.NullOr(Id),
  schema_name: Schema.String,
  schema_title: Schema.String,
  status: Schema.String,
  payload: JsonObject,
  result_payload: Schema.NullOr(JsonObject),
  started_at: Schema.String,
  finished_at: Schema.NullOr(Schema.String),
  conformance: Schema.Struct({
    payload: Schema.String,
    result: Schema.String,
    errors: Schema.Array(Schema.Struct({ target: Schema.String, instance_path: Schema.String, keyword: Schema.String, message: Schema.String }))
  }),
  risk_score: Schema.Number
})
export type Span = typeof Span.Type

export const Timeline = Schema.Struct({
  instance: Instance,
  spans: Schema.Array(Schema.Struct({ span: Span, depth: Schema.Number }))
})
export type Timeline = typeof Timeline.Type

export const RiskReport = Schema.Struct({
  total: Schema.Number,
  level: Schema.String,
  peak_level: Schema.String,
  thresholds: Schema.Struct({ medium: Schema.Number, high: Schema.Number, critical: Schema.Number }),
  breakdown: Schema.Array(Schema.Struct({ schema_name: Schema.String, span_count: Schema.Number, points: Schema.Number }))
})

export const AgentVersion = Schema.Struct({
  id: Id,
  agent_id: Id,
  external_identifier: Schema.NullOr(Schema.String),
  name: Schema.NullOr(Schema.String),
  agent_schema_version_id: Id
})
export const SchemaVersion = Schema.Struct({ id: Id, agent_id: Id, external_identifier: Schema.NullOr(Schema.String) })
export const Deployment = Schema.Struct({ id: Id, agent_id: Id, environment_id: Id, current_version_id: Schema.NullOr(Id) })

/** The reads a test makes with the account token. */
export const reader = (base: string, token: string) => {
  const get = <A, I>(path: string, schema: Schema.Schema<A, I>): Promise<A> =>
    call(base, token, "GET", path).then((answer) => expectAnswer(answer, 200, schema, `GET ${path}`))
  return {
    instances: (agentId: string) =>
      get(`/api/v1/agent_instance?agent_id=${agentId}&pagination[page_size]=100`, List(Instance)),
    instance: (id: string) => get(`/api/v1/agent_instance/${id}`, Details(Instance)).then((answer) => answer.details),
    timeline: (id: string) => get(`/api/v1/agent_instance/${id}/timeline`, Details(Timeline)).then((answer) => answer.details),
    risk: (id: string) => get(`/api/v1/agent_instance/${id}/risk`, Details(Schema.NullOr(RiskReport))).then((answer) => answer.details),
    versions: (agentId: string) => get(`/api/v1/agent_version?agent_id=${agentId}`, List(AgentVersion)),
    schemaVersions: (agentId: string) => get(`/api/v1/agent_schema_version?agent_id=${agentId}`, List(SchemaVersion)),
    deployment: (id: string) => get(`/api/v1/agent_deployment/${id}`, Details(Deployment)).then((answer) => answer.details)
  }
}

// ---------------------------------------------------------------------------------------------
// Setup through the API with the account token

export interface Deployed {
  readonly agentId: string
  readonly environmentId: string
  readonly deploymentId: string
  readonly tokenId: string
  /** The deployment-scoped token's secret: what the SDK is given. */
  readonly token: string
}

/** An agent (optionally under a risk profile), its production deployment and a deployment-scoped token. */
export const deployAgent = async (
  base: string,
  accountToken: string,
  options: { readonly name: string; readonly riskProfileId?: string }
): Promise<Deployed> => {
  const post = async <A, I>(path: string, body: Json, schema: Schema.Schema<A, I>): Promise<A> =>
    expectAnswer(await call(base, accountToken, "POST", path, body), 201, schema, `POST ${path}`)
  const agent = await post(
    "/api/v1/agent",
    { details: { name: options.name, ...(options.riskProfileId === undefined ? {} : { risk_profile_id: options.riskProfileId }) } },
    Details(Created)
  )
  const environments = expectAnswer(await call(base, accountToken, "GET", "/api/v1/environment"), 200, List(Environment), "GET /api/v1/environment")
  const production = environments.summaries.find((environment) => environment.name === "production")
  if (production === undefined) throw new Error(`no production environment among ${JSON.stringify(environments.summaries)}`)
  const deployment = await post(
    "/api/v1/agent_deployment",
    { details: { agent_id: agent.details.id, environment_id: production.id } },
    Details(Created)
  )
  const token = await post(
    "/api/v1/api_token",
    { details: { token_scope: "agent_deployment", agent_deployment_id: deployment.details.id } },
    CreatedToken
  )
  return {
    agentId: agent.details.id,
    environmentId: production.id,
    deploymentId: deployment.details.id,
    tokenId: token.details.id,
    token: token.token
  }
}

export const createRiskProfile = async (base: string, accountToken: string, details: Json): Promise<string> =>
  expectAnswer(
    await call(base, accountToken, "POST", "/api/v1/risk_profile", { details }),
    201,
    Details(Created),
    "POST /api/v1/risk_profile"
  ).details.id

// ---------------------------------------------------------------------------------------------
// A recording proxy between the SDK and the server

export interface Exchange {
  readonly method: string
  readonly path: string
  readonly requestBody: unknown
  readonly status: number
  readonly responseBody: unknown
  /** True when the proxy answered by itself instead of forwarding. */
  readonly injected: boolean
}

export interface Injection {
  readonly status: number
  readonly body: Json
}

/** Decides whether the proxy answers a request itself; `index` counts requests to the same path. */
export type Injector = (request: { readonly method: string; readonly path: string; readonly body: unknown; readonly index: number }) =>
  | Injection
  | undefined

export interface RecordingProxy {
  /** `http://127.0.0.1:<port>`: give it to the SDK as `apiUrl`. */
  readonly url: string
  /** Every request the SDK made, in the order the answers went back. */
  readonly exchanges: ReadonlyArray<Exchange>
  /** Resolves with the first exchange (answered) that matches. */
  readonly waitFor: (predicate: (exchange: Exchange) => boolean, timeoutMs?: number) => Promise<Exchange>
  readonly close: () => Promise<void>
}

const readBody = (request: http.IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    request.on("error", reject)
  })

/** A `node:http` proxy on a free port that forwards to `target` (unless `inject` answers) and records every exchange. */
export const startProxy = async (target: string, inject: Injector = () => undefined): Promise<RecordingProxy> => {
  const exchanges: Array<Exchange> = []
  const counts = new Map<string, number>()
  const waiters: Array<{ readonly predicate: (exchange: Exchange) => boolean; readonly resolve: (exchange: Exchange) => void }> = []
  const record = (exchange: Exchange) => {
    exchanges.push(exchange)
    for (const waiter of [...waiters]) {
      if (waiter.predicate(exchange)) {
        waiters.splice(waiters.indexOf(waiter), 1)
        waiter.resolve(exchange)
      }
    }
  }
  const server = http.createServer((request, response) => {
    void (async () => {
      const method = request.method ?? "GET"
      const path = request.url ?? "/"
      const text = await readBody(request)
      const body = parse(text)
      const key = `${method} ${path}`
      const index = counts.get(key) ?? 0
      counts.set(key, index + 1)
      const injected = inject({ method, path, body, index })
      if (injected !== undefined) {
        const out = JSON.stringify(injected.body)
        // Recorded before the answer leaves, so a waiter sees it no later than the SDK does.
        record({ method, path, requestBody: body, status: injected.status, responseBody: injected.body, injected: true })
        response.writeHead(injected.status, { "content-type": "application/json" })
        response.end(out)
        return
      }
      const headers: Record<string, string> = {}
      const authorization = request.headers.authorization
      if (authorization !== undefined) headers["authorization"] = authorization
      const contentType = request.headers["content-type"]
      if (contentType !== undefined) headers["content-type"] = contentType
      const upstream = await fetch(`${target}${path}`, { method, headers, ...(text.length === 0 ? {} : { body: text }) })
      const answer = await upstream.text()
      record({ method, path, requestBody: body, status: upstream.status, responseBody: parse(answer), injected: false })
      response.writeHead(upstream.status, { "content-type": upstream.headers.get("content-type") ?? "application/json" })
      response.end(answer)
    })().catch((error: unknown) => {
      response.writeHead(599, { "content-type": "text/plain" })
      response.end(`proxy failure: ${String(error)}`)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const address = server.address()
  if (address === null || typeof address === "string") throw new Error("the proxy has no TCP address")
  const { port }: AddressInfo = address
  return {
    url: `http://127.0.0.1:${port}`,
    exchanges,
    waitFor: (predicate, timeoutMs = 5_000) => {
      const found = exchanges.find(predicate)
      if (found !== undefined) return Promise.resolve(found)
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(new Error(`no matching exchange within ${timeoutMs} ms; seen: ${exchanges.map((e) => `${e.method} ${e.path} ${e.status}`).join(", ")}`))
        }, timeoutMs)
        waiters.push({
          predicate,
          resolve: (exchange) => {
            clearTimeout(timer)
            resolve(exchange)
          }
        })
      })
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error === undefined ? resolve() : reject(error)))
      })
  }
}

/** A short line per exchange, for assertion messages. */
export const describeExchanges = (exchanges: ReadonlyArray<Exchange>): string =>
  exchanges
    .map((e) => `${e.method} ${e.path} -> ${e.status}${e.injected ? " (injected)" : ""} ${e.status >= 300 ? JSON.stringify(e.responseBody).slice(0, 300) : ""}`)
    .join("\n")

/** The `details.*` field of a request or response body, when it is a string. */
export const detailString = (body: unknown, key: string): string | undefined => {
  const details = isObject(body) ? body["details"] : undefined
  const value = isObject(details) ? details[key] : undefined
  return typeof value === "string" ? value : undefined
}

/** A top-level field of a body, when it is a string. */
export const topString = (body: unknown, key: string): string | undefined => {
  const value = isObject(body) ? body[key] : undefined
  return typeof value === "string" ? value : undefined
}

// ---------------------------------------------------------------------------------------------
// The SDK

export interface SdkOptions {
  readonly apiUrl: string
  readonly apiToken: string
  readonly agentSchema: Record<string, unknown>
  readonly agentIdentifier?: string
  readonly agentName?: string
  readonly maxRetries?: number
}

/** A fresh SDK core (which also becomes the SDK's global active tracer) with small retry delays. */
export const sdkCore = (options: SdkOptions): CoreRuntime =>
  createCore(createConfig({
    httpConfig: {
      apiUrl: options.apiUrl,
      apiToken: options.apiToken,
      agentIdentifier: options.agentIdentifier ?? "1.0.0",
      agentName: options.agentName ?? "SDK test agent",
      agentDescription: "driven by test/prefactor-sdk.test.ts",
      agentSchema: options.agentSchema,
      requestTimeout: 5000,
      initialRetryDelay: 10,
      maxRetryDelay: 20,
      ...(options.maxRetries === undefined ? {} : { maxRetries: options.maxRetries })
    }
  }))

// ---------------------------------------------------------------------------------------------
// The SDK's logs

export interface LogCapture {
  /** Lines the SDK wrote through console.error / console.warn, each joined to one string. */
  readonly lines: ReadonlyArray<string>
  readonly restore: () => void
}

const render = (value: unknown): string => {
  if (value instanceof Error) {
    const extra = isObject(value) && "responseBody" in value ? ` ${JSON.stringify(value["responseBody"])}` : ""
    return `${value.name}: ${value.message}${extra}`
  }
  return typeof value === "string" ? value : JSON.stringify(value)
}

/**
 * Captures what the SDK logs as errors or warnings (it reports failed requests only there);
 * other console output passes through.
 */
export const captureSdkLogs = (): LogCapture => {
  const lines: Array<string> = []
  const originalError = console.error
  const originalWarn = console.warn
  const capture = (original: (...args: Array<unknown>) => void) => (...args: Array<unknown>) => {
    const line = args.map(render).join(" ")
    // The logger's lines carry "[prefactor:…]"; the instance manager warns about schemas without it.
    if (line.startsWith("[prefactor") || /schema/i.test(line)) lines.push(line)
    else original(...args)
  }
  console.error = capture(originalError)
  console.warn = capture(originalWarn)
  return {
    lines,
    restore: () => {
      console.error = originalError
      console.warn = originalWarn
    }
  }
}
