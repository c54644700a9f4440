/**
 * Support for sending bad input to a real agentledger server: requests through `fetch`, through
 * `node:http` (chunked bodies, no content type) and through a raw `node:net` socket (bytes
 * exactly as given: a lying content-length, an empty content type); the error envelope as a
 * Schema; a snapshot of everything an account holds, read through the `Ledger` behind the
 * server; and the seeding of an account with one record of every kind, through HTTP.
 */
import { Ids, type Ledger, type LedgerSession, type Paged } from "@agentledger/domain"
import { Effect, Schema } from "effect"
import * as http from "node:http"
import * as net from "node:net"
import { field as at, isObject as isRecord, type Json, textAt } from "./json.js"

// ---------------------------------------------------------------------------------------------
// JSON

/** JSON, shared with the other HTTP tests. */
export { at, isRecord, type Json, textAt }

const parseJson = (text: string): { readonly json: true; readonly value: unknown } | { readonly json: false } => {
  try {
    const value: unknown = JSON.parse(text)
    return { json: true, value }
  } catch {
    return { json: false }
  }
}

// ---------------------------------------------------------------------------------------------
// The error envelope

export const ErrorEnvelope = Schema.Struct({
  status: Schema.Literal("error"),
  code: Schema.String,
  message: Schema.String,
  errors: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Array(Schema.String) }))
})
export type ErrorEnvelope = typeof ErrorEnvelope.Type
export const isErrorEnvelope = Schema.is(ErrorEnvelope)

// ---------------------------------------------------------------------------------------------
// Answers

export interface Answer {
  readonly status: number
  readonly contentType: string | undefined
  /** The body as text. */
  readonly text: string
  /** The body parsed as JSON; undefined when it is not JSON (or empty). */
  readonly body: unknown
}

const answer = (status: number, contentType: string | undefined, text: string): Answer => {
  const parsed = parseJson(text)
  return { status, contentType, text, body: parsed.json ? parsed.value : undefined }
}

/** A one-line description of an answer, for failure messages and the bug report. */
export const summary = (a: Answer | null): string =>
  a === null ? "no answer (connection closed or timed out)" : `HTTP ${a.status} ${a.contentType ?? "(no content-type)"} ${JSON.stringify(a.text.slice(0, 400))}`

export interface Request {
  readonly method: string
  readonly path: string
  /** The body, sent as is (form data as multipart/form-data). */
  readonly body?: string | Uint8Array<ArrayBuffer> | FormData
  /** The bearer token; null sends no Authorization header. */
  readonly token: string | null
  /** Extra headers; `content-type` defaults to application/json when there is a body. */
  readonly headers?: Readonly<Record<string, string>>
}

/** One request through `fetch`. */
export const send = async (base: string, request: Request): Promise<Answer> => {
  const headers: Record<string, string> = {}
  if (request.token !== null) headers["authorization"] = `Bearer ${request.token}`
  if (request.body !== undefined && !(request.body instanceof FormData)) headers["content-type"] = "application/json"
  Object.assign(headers, request.headers ?? {})
  const response = await fetch(`${base}${request.path}`, {
    method: request.method,
    headers,
    ...(request.body === undefined ? {} : { body: request.body })
  })
  return answer(response.status, response.headers.get("content-type") ?? undefined, await response.text())
}

/** A JSON call with a token: `send` with `JSON.stringify(body)`. */
export const call = (base: string, token: string | null, method: string, path: string, body?: Json): Promise<Answer> =>
  send(base, { method, path, token, ...(body === undefined ? {} : { body: JSON.stringify(body) }) })

/**
 * One request through `node:http` with a chunked body (no content-length): each chunk is written
 * separately. The answer may come before the whole body is sent; writing stops then. Null when
 * the server closes the connection without answering.
 */
export const sendChunked = (
  base: string,
  request: { readonly method: string; readonly path: string; readonly token: string; readonly headers?: Readonly<Record<string, string>> },
  chunks: ReadonlyArray<Buffer>
): Promise<Answer | null> =>
  new Promise((resolve, reject) => {
    const target = new URL(request.path, base)
    const outgoing = http.request(target, {
      method: request.method,
      headers: {
        authorization: `Bearer ${request.token}`,
        "content-type": "application/json",
        "transfer-encoding": "chunked",
        ...request.headers
      }
    })
    let answered = false
    outgoing.on("response", (response) => {
      answered = true
      const parts: Array<Buffer> = []
      response.on("data", (part: Buffer) => parts.push(part))
      response.on("end", () => resolve(answer(response.statusCode ?? 0, response.headers["content-type"], Buffer.concat(parts).toString("utf8"))))
      response.on("error", reject)
    })
    // The server may close the connection while the body is still being written, after answering
    // (then the answer is read) or without answering (then there is no answer).
    outgoing.on("error", () => {
      if (!answered) resolve(null)
    })
    const write = async () => {
      for (const chunk of chunks) {
        if (answered || outgoing.destroyed) return
        if (!outgoing.write(chunk)) await new Promise<void>((done) => outgoing.once("drain", () => done()))
      }
      outgoing.end()
    }
    write().catch(reject)
  })

/**
 * Raw bytes over a socket to the server, and the first HTTP response read back; `halfClose`
 * ends the writing side after the bytes (the server sees the end of the request stream).
 * Resolves with null when the server closes the connection without answering or nothing comes
 * within `timeoutMs`.
 */
export const sendRaw = (
  base: string,
  bytes: Buffer,
  options: { readonly halfClose?: boolean; readonly timeoutMs?: number } = {}
): Promise<Answer | null> =>
  new Promise((resolve, reject) => {
    const target = new URL(base)
    const socket = net.connect({ host: target.hostname, port: Number(target.port) })
    let received = Buffer.alloc(0)
    let settled = false
    const finish = (result: Answer | null) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      socket.destroy()
      resolve(result)
    }
    const timer = setTimeout(() => finish(null), options.timeoutMs ?? 5_000)
    const tryParse = (closed: boolean) => {
      const end = received.indexOf("\r\n\r\n")
      if (end < 0) {
        if (closed) finish(null)
        return
      }
      const head = received.subarray(0, end).toString("latin1").split("\r\n")
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head[0] ?? "")?.[1] ?? "0")
      const headers = new Map<string, string>()
      for (const line of head.slice(1)) {
        const colon = line.indexOf(":")
        if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim())
      }
      const rest = received.subarray(end + 4)
      const length = headers.get("content-length")
      if (length !== undefined) {
        if (rest.length >= Number(length)) finish(answer(status, headers.get("content-type"), rest.subarray(0, Number(length)).toString("utf8")))
        else if (closed) finish(answer(status, headers.get("content-type"), rest.toString("utf8")))
        return
      }
      if (headers.get("transfer-encoding")?.toLowerCase() === "chunked") {
        const parts: Array<Buffer> = []
        let offset = 0
        for (;;) {
          const lineEnd = rest.indexOf("\r\n", offset)
          if (lineEnd < 0) break
          const size = parseInt(rest.subarray(offset, lineEnd).toString("latin1"), 16)
          if (Number.isNaN(size)) break
          if (size === 0) return finish(answer(status, headers.get("content-type"), Buffer.concat(parts).toString("utf8")))
          if (rest.length < lineEnd + 2 + size + 2) break
          parts.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size))
          offset = lineEnd + 2 + size + 2
        }
        if (closed) finish(answer(status, headers.get("content-type"), Buffer.concat(parts).toString("utf8")))
        return
      }
      if (closed) finish(answer(status, headers.get("content-type"), rest.toString("utf8")))
    }
    socket.on("data", (data: Buffer) => {
      received = Buffer.concat([received, data])
      tryParse(false)
    })
    socket.on("end", () => tryParse(true))
    socket.on("close", () => tryParse(true))
    socket.on("error", (error) => {
      if (received.length > 0) tryParse(true)
      else if (!settled) {
        settled = true
        clearTimeout(timer)
        reject(error)
      }
    })
    socket.on("connect", () => {
      socket.write(bytes)
      if (options.halfClose === true) socket.end()
    })
  })

/** The bytes of an HTTP/1.1 request: request line, headers as given (in order), body. */
export const rawRequest = (
  method: string,
  path: string,
  headers: ReadonlyArray<readonly [string, string]>,
  body: Buffer | string = ""
): Buffer => {
  const head = [`${method} ${path} HTTP/1.1`, "host: 127.0.0.1", ...headers.map(([name, value]) => `${name}: ${value}`)].join("\r\n")
  return Buffer.concat([Buffer.from(`${head}\r\n\r\n`, "latin1"), typeof body === "string" ? Buffer.from(body, "utf8") : body])
}

// ---------------------------------------------------------------------------------------------
// Snapshots

type LedgerService = Ledger["Type"]

const run = <A, E>(effect: Effect.Effect<A, E>): Promise<A> => Effect.runPromise(effect)

/** Every item of a list, 100 at a time. */
const everything = async <A, E>(list: (page: { readonly offset: number; readonly page_size: number }) => Effect.Effect<Paged<A>, E>): Promise<ReadonlyArray<A>> => {
  const items: Array<A> = []
  for (let offset = 0; ; offset += 100) {
    const page = await run(list({ offset, page_size: 100 }))
    items.push(...page.items)
    if (page.items.length < 100) return items
  }
}

/** Plain JSON of a domain value (dates as ISO text), to compare with `toEqual`. */
const plain = (value: unknown): unknown => {
  const text = JSON.stringify(value)
  const parsed: unknown = JSON.parse(text)
  return parsed
}

/**
 * Everything the account of `secret` holds, read through the `Ledger` (not HTTP): environments,
 * tokens, agents, risk profiles and their revisions, deployments and their history, runs and
 * their timelines, spans, and each agent's versions and schema versions.
 */
export const snapshot = async (ledger: LedgerService, secret: string): Promise<unknown> => {
  const session: LedgerSession = await run(ledger.authenticate(secret))
  const agents = await everything((page) => session.listAgents(page))
  const profiles = await everything((page) => session.listRiskProfiles(page))
  const deployments = await everything((page) => session.listDeployments(page))
  const instances = await everything((page) => session.listInstances(page))
  const perAgent = await Promise.all(agents.map(async (agent) => ({
    agent: agent.id,
    versions: await everything((page) => session.listVersions({ ...page, agent_id: agent.id })),
    schemaVersions: await everything((page) => session.listSchemaVersions({ ...page, agent_id: agent.id }))
  })))
  return plain({
    environments: await everything((page) => session.listEnvironments(page)),
    // A token's last use is written by authenticating with it (at most once a minute), which a
    // refused request with a valid token does too: bookkeeping of the token, not data it changed.
    tokens: (await everything((page) => session.listTokens(page))).map(({ last_used_at: _, ...token }) => token),
    agents,
    perAgent,
    profiles,
    revisions: await Promise.all(profiles.map((profile) => run(session.listRiskProfileRevisions(profile.id)))),
    deployments: await Promise.all(deployments.map((deployment) => run(session.getDeployment(deployment.id)))),
    instances,
    timelines: await Promise.all(instances.map((instance) => run(session.getTimeline(instance.id)))),
    spans: await everything((page) => session.listSpans(page))
  })
}

// ---------------------------------------------------------------------------------------------
// Ids

/** A PFID that no record has: well-formed, in the given partition (default: a random one). */
export const absentId = (partition?: number): string => {
  const randomness = Array.from({ length: 16 }, () => Ids.alphabet[Math.floor(Math.random() * 32)] ?? "0").join("")
  const part = Ids.Partition.make(partition ?? Math.floor(Math.random() * 2 ** 30))
  return Ids.encode(Date.now(), part, randomness)
}

/** The partition of an account's ids. */
export const partitionOf = (id: string): number => Ids.partitionOf(id)

// ---------------------------------------------------------------------------------------------
// Seeding

/** The ids of one record of every kind in an account. */
export interface Seeded {
  readonly account: string
  readonly environment: string
  readonly riskProfile: string
  readonly agent: string
  readonly instance: string
  readonly version: string
  readonly schemaVersion: string
  readonly span: string
  readonly deployment: string
  /** An account-scoped token other than the one the account was opened with. */
  readonly token: string
  readonly tokenSecret: string
  /** A deployment-scoped token of `deployment`. */
  readonly deploymentToken: string
  readonly deploymentTokenSecret: string
}

const expectStatus = (what: string, a: Answer, status: number): unknown => {
  if (a.status !== status) throw new Error(`seeding ${what}: expected ${status}, got ${summary(a)}`)
  return a.body
}

/** One record of every kind in the account of `secret`, created through HTTP. */
export const seed = async (base: string, secret: string, label: string): Promise<Seeded> => {
  const post = (path: string, body: Json) => call(base, secret, "POST", path, body)
  const ping = expectStatus("ping", await call(base, secret, "GET", "/api/v1/ping"), 200)
  const environment = expectStatus("environment", await post("/api/v1/environment", { details: { name: `env-${label}` } }), 201)
  const profile = expectStatus("risk profile", await post("/api/v1/risk_profile", {
    details: { name: `profile-${label}`, thresholds: { medium: 10, high: 20, critical: 30 } }
  }), 201)
  const agent = expectStatus("agent", await post("/api/v1/agent", {
    details: { name: `agent-${label}`, external_identifier: `ext-${label}`, risk_profile_id: textAt(profile, "details", "id") }
  }), 201)
  const instance = expectStatus("run", await post("/api/v1/agent_instance/register", {
    agent_id: textAt(agent, "details", "id"),
    environment_id: textAt(environment, "details", "id"),
    agent_version: { external_identifier: `v-${label}`, name: `Bot ${label}` },
    agent_schema_version: { external_identifier: `schema-${label}`, span_schemas: { llm: { type: "object" } } }
  }), 201)
  const instanceId = textAt(instance, "details", "id")
  expectStatus("start", await post(`/api/v1/agent_instance/${instanceId}/start`, {}), 200)
  const span = expectStatus("span", await post("/api/v1/agent_spans", {
    details: { agent_instance_id: instanceId, schema_name: "llm", status: "active", payload: { prompt: label } }
  }), 201)
  const deployments = expectStatus("deployments", await call(base, secret, "GET", `/api/v1/agent_deployment?agent_id=${textAt(agent, "details", "id")}`), 200)
  const existing = at(deployments, "summaries", 0, "id")
  const deployment = typeof existing === "string"
    ? existing
    : textAt(expectStatus("deployment", await post("/api/v1/agent_deployment", {
      details: { agent_id: textAt(agent, "details", "id"), environment_id: textAt(environment, "details", "id") }
    }), 201), "details", "id")
  const token = expectStatus("token", await post("/api/v1/api_token", { details: { token_scope: "account" } }), 201)
  const deploymentToken = expectStatus("deployment token", await post("/api/v1/api_token", {
    details: { token_scope: "agent_deployment", agent_deployment_id: deployment }
  }), 201)
  return {
    account: textAt(ping, "details", "account_id"),
    environment: textAt(environment, "details", "id"),
    riskProfile: textAt(profile, "details", "id"),
    agent: textAt(agent, "details", "id"),
    instance: instanceId,
    version: textAt(instance, "details", "agent_version_id"),
    schemaVersion: textAt(instance, "details", "agent_schema_version_id"),
    span: textAt(span, "details", "id"),
    deployment,
    token: textAt(token, "details", "id"),
    tokenSecret: textAt(token, "token"),
    deploymentToken: textAt(deploymentToken, "details", "id"),
    deploymentTokenSecret: textAt(deploymentToken, "token")
  }
}

/** Opens a second account through the operator API; its account token's secret. */
export const openAccount = async (base: string, operatorToken: string, name: string): Promise<string> => {
  const opened = await call(base, operatorToken, "POST", "/api/v1/admin/account", { details: { name } })
  return textAt(expectStatus("account", opened, 201), "token")
}
