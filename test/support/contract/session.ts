/**
 * The contract test's session: one server for the whole test (started before it, closed after),
 * calls to it by the route names of docs/http.md, and what the calls leave behind — every answer
 * (the coverage test checks that each non-2xx one is an error envelope), the routes called with a
 * valid request and with one that must fail, and the records earlier steps created, by name. The
 * sections of test/prefactor-contract/ share one session, in order: later steps use what earlier
 * ones created.
 */
import type { Schema } from "effect"
import { afterAll, beforeAll, expect } from "vitest"
import { field, type Json } from "../json.js"
import { type RunningServer, startServer } from "../server.js"
import { decode } from "./decode.js"
import { type ErrorCode, ErrorEnvelope } from "./envelopes.js"

export interface Request {
  readonly id?: string
  readonly query?: string
  readonly body?: Json
  /** Sent as is, instead of `body`. */
  readonly rawBody?: string
  /** The bearer token (default: the account token); `null` sends no Authorization header. */
  readonly token?: string | null
  /** Headers sent besides those every call sends (`X-Prefactor-SDK`, …). */
  readonly headers?: Readonly<Record<string, string>>
}

export interface Answer {
  /** The route as docs/http.md names it, e.g. `GET agent/{id}`. */
  readonly route: string
  readonly status: number
  readonly body: unknown
  readonly raw: string
}

export interface ContractSession {
  /** The running server (from `beforeAll` on). */
  readonly server: () => RunningServer
  /** Calls a route as docs/http.md names it, e.g. `GET agent/{id}`, and records the answer. */
  readonly call: (route: string, request?: Request) => Promise<Answer>
  /** A 2xx answer whose body decodes with `schema`. */
  readonly ok: <A, I>(answer: Answer, schema: Schema.Schema<A, I>) => A
  /** An error answer with this status and code, in the error envelope. */
  readonly refusedWith: (answer: Answer, status: number, code: ErrorCode) => typeof ErrorEnvelope.Type
  /** A string somewhere in an answer, read leniently so a later step can go on after a shape mismatch. */
  readonly text: (answer: Answer, ...path: ReadonlyArray<string | number>) => string
  /** Keeps what a step created under a name; answers the value. */
  readonly keep: (name: string, value: string) => string
  /** What an earlier step created under `name` (an error names the step that failed to). */
  readonly the: (name: string) => string
  /** Every answer so far. */
  readonly answers: ReadonlyArray<Answer>
  /** The routes called with a valid request so far. */
  readonly succeeded: ReadonlySet<string>
  /** The routes called with a request that must fail so far. */
  readonly refused: ReadonlySet<string>
}

/** Starts the server for the calling test file and answers the session over it. */
export const contractSession = (): ContractSession => {
  let running: RunningServer | undefined
  beforeAll(async () => {
    running = await startServer()
  })
  afterAll(() => running?.close())
  const server = (): RunningServer => {
    if (running === undefined) throw new Error("the server is used before it was started")
    return running
  }

  /** Every answer of the file, to check that each non-2xx one is an error envelope. */
  const answers: Array<Answer> = []
  /** The routes called with a valid request, and with a request that must fail. */
  const succeeded = new Set<string>()
  const refused = new Set<string>()

  const call = async (route: string, request: Request = {}): Promise<Answer> => {
    const [method, template] = route.split(" ")
    if (method === undefined || template === undefined) throw new Error(`not a route: ${route}`)
    if (template.includes("{id}") && request.id === undefined) throw new Error(`${route} needs an id`)
    const path = template.replace("{id}", request.id ?? "")
    const headers: Record<string, string> = { ...request.headers, "content-type": "application/json" }
    const token = request.token === undefined ? server().secret : request.token
    if (token !== null) headers["authorization"] = `Bearer ${token}`
    const body = request.rawBody ?? (request.body === undefined ? undefined : JSON.stringify(request.body))
    const response = await fetch(`${server().url}/api/v1/${path}${request.query === undefined ? "" : `?${request.query}`}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body })
    })
    const raw = await response.text()
    let parsed: unknown = raw
    try {
      parsed = JSON.parse(raw)
    } catch {
      // not JSON: kept as text, which no envelope accepts
    }
    const answer = { route, status: response.status, body: parsed, raw }
    answers.push(answer)
    return answer
  }

  /** A 2xx answer whose body decodes with `schema`. */
  const ok = <A, I>(answer: Answer, schema: Schema.Schema<A, I>): A => {
    succeeded.add(answer.route)
    expect(answer.status, `${answer.route} answered ${answer.status}: ${answer.raw.slice(0, 1500)}`).toBeGreaterThanOrEqual(200)
    expect(answer.status, `${answer.route} answered ${answer.status}: ${answer.raw.slice(0, 1500)}`).toBeLessThan(300)
    return decode(schema, answer.body, answer.route)
  }

  /** An error answer with this status and code, in the error envelope. */
  const refusedWith = (answer: Answer, status: number, code: ErrorCode) => {
    refused.add(answer.route)
    expect({ status: answer.status, code: field(answer.body, "code") }, `${answer.route}: ${answer.raw.slice(0, 1500)}`).toEqual({ status, code })
    const envelope = decode(ErrorEnvelope, answer.body, `${answer.route} (${status})`)
    if (code === "validation_errors") {
      expect(Object.keys(envelope.errors ?? {}).length, `${answer.route}: validation_errors carries field errors in \`errors\``).toBeGreaterThan(0)
    }
    return envelope
  }

  /** A string somewhere in an answer, read leniently so a later step can go on after a shape mismatch. */
  const text = (answer: Answer, ...path: ReadonlyArray<string | number>): string => {
    const found = field(answer.body, ...path)
    if (typeof found !== "string") throw new Error(`${answer.route} (${answer.status}): no string at ${path.join(".")} in ${answer.raw.slice(0, 800)}`)
    return found
  }

  /** What earlier steps created, by name. */
  const created = new Map<string, string>()
  const keep = (name: string, value: string): string => {
    created.set(name, value)
    return value
  }
  const the = (name: string): string => {
    const value = created.get(name)
    if (value === undefined) throw new Error(`${name} is missing: the step that creates it failed`)
    return value
  }

  return { server, call, ok, refusedWith, text, keep, the, answers, succeeded, refused }
}
