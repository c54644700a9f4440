/**
 * Span ingest against a served process, as the tests that kill servers drive it: a run to write
 * to, clients that send spans as fast as they are answered and keep the ids of those answered
 * 201 (acknowledged), and every span id the run holds, read back page by page.
 */
import { expect } from "vitest"
import { at, textAt } from "./badInput.js"

export interface Answer {
  readonly status: number
  readonly body: unknown
}

export type Api = (method: string, path: string, body?: unknown) => Promise<Answer>

/**
 * How long a call may wait for its answer. A killed server can leave a connection that nobody
 * will ever answer (a connection the cluster's primary was handing to the worker as it died):
 * that call fails, as a client's timeout makes it fail, and its span counts as never acknowledged.
 */
export const callTimeoutMs = 15_000

/** Calls under `/api/v1` of the server at `url` with `token`. */
export const apiOf = (url: string, token: string): Api => async (method, path, body) => {
  const response = await fetch(`${url}/api/v1${path}`, {
    method,
    signal: AbortSignal.timeout(callTimeoutMs),
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) })
  })
  return { status: response.status, body: await response.json() }
}

/** A new agent's run in the account's first environment. */
export const registeredRun = async (api: Api, agentName: string): Promise<string> => {
  const agent = textAt((await api("POST", "/agent", { details: { name: agentName } })).body, "details", "id")
  const environment = textAt((await api("GET", "/environment")).body, "summaries", 0, "id")
  return textAt((await api("POST", "/agent_instance/register", { agent_id: agent, environment_id: environment })).body, "details", "id")
}

/** Every span id of a run, read page by page through the outline. */
export const storedSpans = async (api: Api, run: string): Promise<ReadonlySet<string>> => {
  const ids = new Set<string>()
  for (let offset = 0; ; offset += 100) {
    const answer = await api("GET", `/agent_instance/${run}/spans?pagination[offset]=${offset}&pagination[page_size]=100`)
    expect(answer.status).toBe(200)
    const summaries = at(answer.body, "summaries")
    if (!Array.isArray(summaries) || summaries.length === 0) return ids
    for (let index = 0; index < summaries.length; index++) ids.add(textAt(summaries, index, "id"))
  }
}

export interface Ingest {
  /** Ids of the spans answered 201, in the order answered. */
  readonly acknowledged: ReadonlyArray<string>
  /** Requests that failed on the wire or were answered otherwise. */
  readonly failures: () => number
  /** Stops the clients after their requests in flight. */
  readonly stop: () => Promise<void>
}

/** `clients` loops, each sending its next span to `run` when the last one is answered. */
export const ingest = (api: Api, run: string, clients: number): Ingest => {
  const acknowledged: Array<string> = []
  let failures = 0
  let stopped = false
  const client = async () => {
    while (!stopped) {
      try {
        const answer = await api("POST", "/agent_spans", {
          details: { agent_instance_id: run, schema_name: "step", status: "complete", payload: { n: acknowledged.length } }
        })
        if (answer.status === 201) acknowledged.push(textAt(answer.body, "details", "id"))
        else failures++
      } catch {
        // The server died under this request: it was never acknowledged.
        failures++
      }
    }
  }
  const running = Array.from({ length: clients }, client)
  return {
    acknowledged,
    failures: () => failures,
    stop: async () => {
      stopped = true
      await Promise.all(running)
    }
  }
}
