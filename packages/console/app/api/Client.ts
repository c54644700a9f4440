/**
 * The console's calls to the API: `fetch` with the bearer token in a header (never in a URL),
 * JSON bodies, and every answer read into the console's types (`Read.ts`) or into a `Failure`
 * that `Words.ts` puts in words. A refused token ends the session (`onRefused`).
 */
import { isRecord, read, type Reader } from "./Read.js"

export const apiBase = "/api/v1"

/** Why a call did not give what was asked, as the API (or the network) said it. */
export interface Failure {
  /** The HTTP status; 0 when no answer came. */
  readonly status: number
  readonly code: string
  readonly message: string
  /** Field errors of a `validation_errors` answer, by field. */
  readonly fields: ReadonlyArray<readonly [string, ReadonlyArray<string>]>
}

export type Answer<A> = { readonly _tag: "Ok"; readonly value: A } | { readonly _tag: "Failed"; readonly failure: Failure }

/** A query: values left undefined or empty are not sent. */
export type Query = Readonly<Record<string, string | number | boolean | undefined>>

export const queryString = (query: Query): string => {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== "") params.set(key, String(value))
  }
  const text = params.toString()
  return text === "" ? "" : `?${text}`
}

const failed = (failure: Failure): Answer<never> => ({ _tag: "Failed", failure })

const fieldErrors = (errors: unknown): ReadonlyArray<readonly [string, ReadonlyArray<string>]> =>
  isRecord(errors)
    ? Object.entries(errors).map(([field, messages]) => [field, Array.isArray(messages) ? messages.map(String) : [String(messages)]] as const)
    : []

/** The failure an error answer describes, or one made from its status when it describes none. */
const failureOf = (status: number, body: unknown): Failure =>
  isRecord(body) && typeof body["code"] === "string"
    ? { status, code: body["code"], message: typeof body["message"] === "string" ? body["message"] : "", fields: fieldErrors(body["errors"]) }
    : { status, code: `http_${status}`, message: "", fields: [] }

/** How many times a read is sent when the server answers that it is at capacity. */
const maxAttempts = 4

/** The wait a `Retry-After` asks for (seconds), within 0.1–3 s. */
const retryAfterMs = (header: string | null): number => {
  const seconds = Number(header ?? "1")
  return Math.min(Math.max(Number.isFinite(seconds) ? seconds * 1000 : 1000, 100), 3000)
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

export interface ClientOptions {
  readonly token: string
  /** Called when the API refuses the token (401): the session is over. */
  readonly onRefused: () => void
  readonly fetch?: typeof fetch
}

/** A client of the API for one token. */
export class Client {
  readonly #token: string
  readonly #onRefused: () => void
  readonly #fetch: typeof fetch

  constructor(options: ClientOptions) {
    this.#token = options.token
    this.#onRefused = options.onRefused
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init))
  }

  async #call<A>(method: string, path: string, body: unknown, reader: (r: Reader) => A, attempt = 1): Promise<Answer<A>> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.#token}`, accept: "application/json" }
    if (body !== undefined) headers["content-type"] = "application/json"
    let response: Response
    try {
      response = await this.#fetch(`${apiBase}${path}`, {
        method,
        headers,
        credentials: "omit",
        cache: "no-store",
        ...(body === undefined ? {} : { body: JSON.stringify(body) })
      })
    } catch (error: unknown) {
      return failed({ status: 0, code: "unreachable", message: error instanceof Error ? error.message : String(error), fields: [] })
    }
    const text = await response.text().catch(() => "")
    let parsed: unknown = null
    try {
      parsed = text === "" ? null : JSON.parse(text)
    } catch {
      return failed({ status: response.status, code: "not_json", message: text.slice(0, 200), fields: [] })
    }
    if (response.status === 503 && method === "GET" && attempt < maxAttempts) {
      // At capacity the server refuses at once and says when to come back (admission control):
      // a read is asked again then, rather than shown as a failure.
      await pause(retryAfterMs(response.headers.get("retry-after")))
      return this.#call(method, path, body, reader, attempt + 1)
    }
    if (!response.ok) {
      if (response.status === 401) this.#onRefused()
      return failed(failureOf(response.status, parsed))
    }
    const decoded = read(parsed, reader)
    return decoded._tag === "Read"
      ? { _tag: "Ok", value: decoded.value }
      : failed({ status: response.status, code: "unreadable", message: `${decoded.path} is not ${decoded.expected}`, fields: [] })
  }

  get<A>(path: string, reader: (r: Reader) => A, query: Query = {}): Promise<Answer<A>> {
    return this.#call("GET", `${path}${queryString(query)}`, undefined, reader)
  }

  post<A>(path: string, body: unknown, reader: (r: Reader) => A): Promise<Answer<A>> {
    return this.#call("POST", path, body, reader)
  }

  put<A>(path: string, body: unknown, reader: (r: Reader) => A): Promise<Answer<A>> {
    return this.#call("PUT", path, body, reader)
  }

  delete<A>(path: string, reader: (r: Reader) => A): Promise<Answer<A>> {
    return this.#call("DELETE", path, undefined, reader)
  }
}
