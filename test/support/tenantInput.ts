/**
 * Support for the tenant-input tests: a served ledger on a given store, JSON requests through
 * `fetch` (bodies sent as `JSON.stringify` writes them, so NUL and lone surrogates travel as
 * `\u` escapes, as a client's JSON would carry them), and an account seeded with two agents,
 * each deployed with its own deployment token.
 */
import type { LedgerStore } from "@agentledger/domain"
import type { Layer } from "effect"
import { field as at, textAt } from "./json.js"
import { type RunningServer, startServer } from "./server.js"

export interface Answer {
  readonly status: number
  /** The body as text, to look for what must not be there. */
  readonly text: string
  /** The body parsed as JSON (`JSON.parse` keeps a `__proto__` key as an own key). */
  readonly body: unknown
}

export const call = async (
  server: RunningServer,
  method: string,
  path: string,
  options: { readonly body?: unknown; readonly bodyText?: string; readonly secret?: string; readonly headers?: Readonly<Record<string, string>> } = {}
): Promise<Answer> => {
  const text = options.bodyText ?? (options.body === undefined ? undefined : JSON.stringify(options.body))
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${options.secret ?? server.secret}`,
      ...(text === undefined ? {} : { "content-type": "application/json" }),
      ...options.headers
    },
    ...(text === undefined ? {} : { body: text })
  }).catch((error: unknown) => {
    // fetch says only "fetch failed"; its cause says why (a reset, a refused connection).
    const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : ""
    throw new Error(`${method} ${path} failed${cause}`)
  })
  const answer = await response.text()
  let body: unknown = undefined
  try {
    body = JSON.parse(answer)
  } catch {
    // Left undefined: the status assertion shows the text.
  }
  return { status: response.status, text: answer, body }
}

/** JSON reading: own keys only, so `__proto__` is looked up as a key. */
export { at, textAt }

export interface Tenant {
  readonly server: RunningServer
  readonly environment: string
  /** Two agents, each deployed in `environment`, each with a deployment token. */
  readonly agents: ReadonlyArray<{ readonly id: string; readonly deployment: string; readonly secret: string }>
}

const expectStatus = (answer: Answer, status: number): Answer => {
  if (answer.status !== status) throw new Error(`expected HTTP ${status}, got ${answer.status}: ${answer.text.slice(0, 500)}`)
  return answer
}

export const seedTenant = async (store: Layer.Layer<LedgerStore>): Promise<Tenant> => {
  const server = await startServer({ store })
  const environments = await call(server, "GET", "/api/v1/environment")
  const environment = textAt(environments.body, "summaries", 0, "id")
  const agents: Array<Tenant["agents"][number]> = []
  for (const name of ["A1", "A2"]) {
    const id = textAt(expectStatus(await call(server, "POST", "/api/v1/agent", { body: { details: { name } } }), 201).body, "details", "id")
    const deployment = textAt(
      expectStatus(await call(server, "POST", "/api/v1/agent_deployment", { body: { details: { agent_id: id, environment_id: environment } } }), 201).body,
      "details",
      "id"
    )
    const token = await call(server, "POST", "/api/v1/api_token", {
      body: { details: { token_scope: "agent_deployment", agent_deployment_id: deployment } }
    })
    agents.push({ id, deployment, secret: textAt(expectStatus(token, 201).body, "token") })
  }
  return { server, environment, agents }
}

/** Registers and starts a run of the account's first agent; answers its id. */
export const startedRun = async (tenant: Tenant): Promise<string> => {
  const { server } = tenant
  const agent = tenant.agents[0]
  if (agent === undefined) throw new Error("no agent")
  const registered = await call(server, "POST", "/api/v1/agent_instance/register", {
    body: { agent_id: agent.id, environment_id: tenant.environment }
  })
  const run = textAt(expectStatus(registered, 201).body, "details", "id")
  expectStatus(await call(server, "POST", `/api/v1/agent_instance/${run}/start`, { body: {} }), 200)
  return run
}
