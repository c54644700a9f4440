/**
 * Every failure in words a person understands: what happened, and what to do about it. The API's
 * own message follows where it says more (which field, which status).
 */
import type { Failure } from "./Client.js"

export interface Words {
  /** One sentence: what went wrong. */
  readonly summary: string
  /** What the server said, field by field, when it said more. */
  readonly details: ReadonlyArray<string>
}

const said = (failure: Failure): ReadonlyArray<string> => {
  const fields = failure.fields.map(([field, messages]) => `${field}: ${messages.join("; ")}`)
  return fields.length > 0 ? fields : failure.message === "" ? [] : [failure.message]
}

/** The words of a failure. */
export const wordsOf = (failure: Failure): Words => {
  switch (failure.code) {
    case "unreachable":
      return { summary: "The server could not be reached. Check that agentledger is running and this page's address is right, then try again.", details: [] }
    case "not_json":
      return { summary: `The server answered with something other than JSON (HTTP ${failure.status}). A proxy in between may have answered instead.`, details: [] }
    case "unreadable":
      return {
        summary: "The server answered in a shape this console does not understand: the console and the server may be of different versions. Reload the page to get the server's console.",
        details: [failure.message]
      }
  }
  switch (failure.status) {
    case 400:
      return { summary: "Some of what was sent was not accepted.", details: said(failure) }
    case 401:
      return { summary: "The token was not accepted: it may be mistyped, suspended, revoked or expired. Sign in with another token.", details: [] }
    case 403:
      return { summary: "This token may not do that. An account token can; a deployment token reaches only its own agent's runs.", details: said(failure) }
    case 404:
      return { summary: "Not found: it does not exist, or this token may not see it.", details: said(failure) }
    case 409:
      return failure.code === "invalid_action"
        ? { summary: "That cannot be done in the record's current status (someone may have changed it meanwhile). Reload to see it now.", details: said(failure) }
        : { summary: "That conflicts with what is already recorded.", details: said(failure) }
    case 413:
      return { summary: "What was sent is larger than the server accepts.", details: said(failure) }
    case 429:
    case 503:
      return { summary: "The server is busy right now. Try again in a moment.", details: [] }
  }
  if (failure.status >= 500) {
    return { summary: `The server failed while answering (HTTP ${failure.status}). Its log says why; try again, and report it if it persists.`, details: [] }
  }
  return { summary: `The server refused the request (HTTP ${failure.status}, ${failure.code}).`, details: said(failure) }
}
