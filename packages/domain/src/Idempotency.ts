/**
 * Idempotency keys: what a key means, whose it is and how long it lasts. A key belongs to the
 * principal that used it — the API token, or the operator — so another token's key of the same
 * text is simply a fresh key (it neither replays nor conflicts with, nor reveals, the first). A
 * record lasts `defaultTtl` unless the ledger is configured otherwise; an expired record is as
 * if absent, and the store overwrites it when the key is claimed again.
 */
import { Duration } from "effect"

/** How long a key's record replays its answer: long enough for any client's retries. */
export const defaultTtl: Duration.Duration = Duration.hours(24)

/** The principal of the operator API (account creation), which has no token of its own. */
export const operatorPrincipal = "operator"

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
