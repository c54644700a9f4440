/**
 * Idempotency keys: what a key means, whose it is and how long it lasts. A key belongs to the
 * principal that used it — the API token, or the operator — so another token's key of the same
 * text is simply a fresh key (it neither replays nor conflicts with, nor reveals, the first). A
 * record lasts `defaultTtl` unless the ledger is configured otherwise; an expired record is as
 * if absent, and the store overwrites it when the key is claimed again.
 */
import { Duration, Either } from "effect"
import { maxIdempotencyKeyLength } from "./Commands.js"
import { Conflict, InvalidInput } from "./Errors.js"
import { unstorableReason } from "./Json.js"

/** How long a key's record replays its answer: long enough for any client's retries. */
export const defaultTtl: Duration.Duration = Duration.hours(24)

/** The principal of the operator API (account creation), which has no token of its own. */
export const operatorPrincipal = "operator"

/** A key is 1–64 characters of storable text. */
export const validateKey = (key: string): Either.Either<string, InvalidInput> => {
  if (key.length === 0 || key.length > maxIdempotencyKeyLength) {
    return Either.left(InvalidInput.field("idempotency_key", `must be 1–${maxIdempotencyKeyLength} characters`))
  }
  const reason = unstorableReason(key)
  return reason === null ? Either.right(key) : Either.left(InvalidInput.field("idempotency_key", reason))
}

/** The answer to a key used for another request, or whose answer the caller may not see. */
export const reused = (key: string): Conflict => new Conflict({ message: `idempotency key ${key} was used for a different request` })

/**
 * What a key's record replays: its answer (JSON text) when the repeat is the same request — the
 * same operation, the same fingerprint — and otherwise a conflict.
 */
export const replay = (
  record: { readonly operation: string; readonly request_fingerprint: string; readonly response: string },
  request: { readonly key: string; readonly operation: string; readonly fingerprint: string }
): Either.Either<string, Conflict> =>
  record.operation === request.operation && record.request_fingerprint === request.fingerprint
    ? Either.right(record.response)
    : Either.left(reused(request.key))

/** The time before which a record has expired, for a call at `at` (epoch milliseconds). */
export const expiredBefore = (at: number, ttl: Duration.DurationInput): number => at - Duration.toMillis(Duration.decode(ttl))

/** Whether a record written at `recordedAt` still replays for a call whose cut-off is `cutoff`. */
export const isLive = (recordedAt: number, cutoff: number): boolean => recordedAt >= cutoff

/**
 * The agents an answer is about: a record's `agent_id`, or each of a list's. A replayed answer
 * is shown to a deployment token only when every agent it names is the token's own.
 */
export const answerAgents = (answer: unknown): ReadonlyArray<string> => {
  const agentOf = (value: unknown): ReadonlyArray<string> => {
    if (typeof value !== "object" || value === null) return []
    const agent: unknown = Reflect.get(value, "agent_id")
    return typeof agent === "string" ? [agent] : []
  }
  return Array.isArray(answer) ? answer.flatMap(agentOf) : agentOf(answer)
}

/** Whether a principal limited to `agent` (null: the whole account) may see the answer. */
export const answerVisibleTo = (agent: string | null, answer: unknown): boolean =>
  agent === null || answerAgents(answer).every((named) => named === agent)
