/**
 * JSON over HTTP with a bearer token, for tests that set up and read through the API rather
 * than test it: one call over `fetch` whose body is parsed when it is JSON, and an answer decoded
 * with a Schema, with the answer itself in the error when its status is not the one expected.
 */
import { Schema } from "effect"
import type { Json } from "./json.js"

/** An answer's status and its body (see `parseBody`). */
export interface Answer {
  readonly status: number
  readonly body: unknown
}

/** A body: parsed when it is JSON, `null` when it is empty, else the text itself. */
export const parseBody = (text: string): unknown => {
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
  return { status: response.status, body: parseBody(await response.text()) }
}

/** Decodes an answer that must have the status given, with the answer in the error when not. */
export const expectAnswer = <A, I>(answer: Answer, status: number, schema: Schema.Schema<A, I>, what: string): A => {
  if (answer.status !== status) {
    throw new Error(`${what}: expected HTTP ${status}, got ${answer.status}: ${JSON.stringify(answer.body).slice(0, 1500)}`)
  }
  return Schema.decodeUnknownSync(schema)(answer.body)
}
