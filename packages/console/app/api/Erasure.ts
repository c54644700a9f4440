/**
 * Erasure and retention as the console reads them: what an erasure of an agent's runs did
 * (`POST /agent/{id}/erase`) and the account's retention policy (`GET`/`PUT /retention_policy`).
 * Field names are the API's; `Contract.ts` checks them against the contract.
 */
import type { Reader } from "./Read.js"

export const eraseModes = ["delete", "redact"] as const
export type EraseMode = (typeof eraseModes)[number]

/** What an erasure of an agent's runs in a window did. */
export interface Erased {
  readonly agent_id: string
  readonly mode: EraseMode
  readonly runs: number
  readonly spans: number
  /** The units of work it took (at most 100 runs each). */
  readonly batches: number
  /** Runs of the window a redaction left as they were, because they had not finished. */
  readonly unfinished: number
}

export const erased = (r: Reader): Erased => ({
  agent_id: r.string("agent_id"),
  mode: r.oneOf("mode", eraseModes),
  runs: r.number("runs"),
  spans: r.number("spans"),
  batches: r.number("batches"),
  unfinished: r.number("unfinished")
})

export const erasedPlaceholder: Erased = { agent_id: "", mode: "delete", runs: 0, spans: 0, batches: 0, unfinished: 0 }

/** One environment's own retention: days, or null to keep its runs forever. */
export interface EnvironmentRetention {
  readonly environment_id: string
  readonly run_days: number | null
}

export interface RetentionPolicy {
  readonly account_id: string
  /** Days after a run finished that it is deleted; null: kept forever. */
  readonly run_days: number | null
  readonly environments: ReadonlyArray<EnvironmentRetention>
  /** Null until a policy is set (every run kept). */
  readonly updated_at: string | null
}

export const retentionPolicy = (r: Reader): RetentionPolicy => ({
  account_id: r.string("account_id"),
  run_days: r.nullableNumber("run_days"),
  environments: r.array("environments", (e) => ({ environment_id: e.string("environment_id"), run_days: e.nullableNumber("run_days") })),
  updated_at: r.nullableString("updated_at")
})

export const retentionPlaceholder: RetentionPolicy = { account_id: "", run_days: null, environments: [], updated_at: null }

/** The days the API accepts for a policy. */
export const maxRunDays = 36_500
