/**
 * The reference model: what the ledger of each account must hold after a sequence of
 * operations, kept by the workload runner beside the adapter under test, and the report of
 * where the two disagree.
 */
import type { Ids, Ledger, LedgerSession, Status } from "@agentledger/domain"
import { Cause, type Context, Effect, Exit, Option } from "effect"
import { seededRandom } from "./random.js"
import type { DeclaredTypes, Level, ReferenceRules } from "./reference.js"

// ---------------------------------------------------------------------------------------------
// Invariants and the report
// ---------------------------------------------------------------------------------------------

/** docs/domain.md, "The invariants", one name per invariant, and `behaviour` for any other disagreement with the model. */
export const invariants = {
  tenancy: 1,
  deployments: 2,
  fingerprints: 3,
  instances: 4,
  spans: 5,
  conformance: 6,
  risk: 7,
  idempotency: 8,
  behaviour: 0
} as const
export type Invariant = keyof typeof invariants

export interface Violation {
  readonly invariant: Invariant
  /** 0 for the set-up, then 1, 2, … for the workload's operations. */
  readonly step: number
  readonly operation: string
  readonly message: string
}

export interface Report {
  /** Operations in the workload. */
  readonly steps: number
  /** Operations that ran (the others found nothing to act on). */
  readonly executed: number
  /** How many calls succeeded and failed, by operation (`RegisterRun ok`, `RegisterRun InvalidAction`, …). */
  readonly outcomes: Readonly<Record<string, number>>
  /** Empty when the adapter agreed with the model and every invariant held after every step. */
  readonly violations: ReadonlyArray<Violation>
}

/** A report as text, for assertion messages. */
export const formatReport = (report: Report): string =>
  report.violations.length === 0
    ? `no violations in ${report.executed}/${report.steps} operations`
    : report.violations
      .map((v) => `invariant ${invariants[v.invariant]} (${v.invariant}) at step ${v.step} [${v.operation}]: ${v.message}`)
      .join("\n")

// ---------------------------------------------------------------------------------------------
// Model records
// ---------------------------------------------------------------------------------------------

export interface MEnvironment {
  readonly id: Ids.EnvironmentId
  name: string
}

export interface MProfile {
  readonly id: Ids.RiskProfileId
  revision: number
  currentRevision: Ids.RiskProfileRevisionId
  rules: ReferenceRules
  deleted: boolean
  readonly revisions: Array<Ids.RiskProfileRevisionId>
}

export interface MVersion {
  readonly id: Ids.AgentVersionId
  readonly sequence: number
  readonly schemaVersion: Ids.SchemaVersionId
}

export interface MAgent {
  readonly id: Ids.AgentId
  name: string
  readonly externalIdentifier: string | null
  status: "pending" | "active" | "retired"
  ran: boolean
  profile: Ids.RiskProfileId | null
  /** By schema content key. */
  readonly schemaVersions: Map<string, { readonly id: Ids.SchemaVersionId; readonly sequence: number }>
  /** By version content key. */
  readonly versions: Map<string, MVersion>
}

export interface MHistoryEntry {
  readonly from_version_id: Ids.AgentVersionId | null
  readonly to_version_id: Ids.AgentVersionId | null
  readonly cause: "run" | "api" | "rollback"
}

export interface MDeployment {
  readonly id: Ids.DeploymentId
  readonly agent: Ids.AgentId
  readonly environment: Ids.EnvironmentId
  current: Ids.AgentVersionId | null
  readonly history: Array<MHistoryEntry>
}

export interface MSpan {
  readonly id: Ids.SpanId
  readonly instance: Ids.InstanceId
  readonly parent: Ids.SpanId | null
  readonly type: string
  status: Status.Status
  readonly payload: unknown
  result: unknown
  readonly startedAt: number
  /** 1, 2, … in creation order within the instance. */
  readonly order: number
  points: number
  conformance: { payload: string; result: string }
}

export interface MInstance {
  readonly id: Ids.InstanceId
  readonly agent: Ids.AgentId
  readonly version: Ids.AgentVersionId
  readonly schemaVersion: Ids.SchemaVersionId
  readonly environment: Ids.EnvironmentId
  readonly deployment: Ids.DeploymentId | null
  readonly purpose: string
  status: Status.Status
  readonly revision: Ids.RiskProfileRevisionId | null
  readonly thresholds: ReferenceRules["thresholds"] | null
  readonly declared: DeclaredTypes
  /** Points per span of each declared type under the instance's revision. */
  readonly scores: ReadonlyMap<string, number>
  readonly spans: Array<MSpan>
  total: number
  peak: Level
  /** Points left the total since the last sweep (a span was cancelled). */
  lowered: boolean
}

export interface MToken {
  readonly id: Ids.ApiTokenId
  readonly secret: string
  readonly scope: "account" | "agent_deployment"
  readonly deployment: Ids.DeploymentId | null
  status: "active" | "suspended" | "revoked"
  expired: boolean
  /** The account's own token from `createAccount`: the workload never disables it. */
  readonly main: boolean
}

/** A keyed call that succeeded: what a retry must answer. */
export interface MKey {
  readonly key: string
  readonly account: MAccount
  readonly label: string
  /** The same call again, with the same key. */
  readonly call: () => Effect.Effect<unknown, Tagged>
  /** Null when a replayed answer is the first answer, else how it differs. */
  readonly check: (again: unknown) => string | null
}

export interface MAccount {
  readonly index: number
  readonly id: Ids.AccountId
  readonly session: LedgerSession
  readonly environments: Array<MEnvironment>
  readonly profiles: Array<MProfile>
  readonly agents: Array<MAgent>
  readonly deployments: Array<MDeployment>
  readonly instances: Array<MInstance>
  readonly tokens: Array<MToken>
  /** Secrets of deleted tokens: unknown from then on. */
  readonly deletedSecrets: Array<string>
  /** Sessions of deployment tokens, by deployment. */
  readonly deploymentSessions: Map<string, { readonly token: Ids.ApiTokenId; readonly session: LedgerSession }>
  /** The last risk seen per instance, for monotonicity. */
  readonly lastRisk: Map<string, { readonly total: number; readonly peak: Level }>
}

export const spansOf = (account: MAccount): ReadonlyArray<MSpan> => account.instances.flatMap((instance) => instance.spans)

/** The item at `pick` modulo the length, if any. */
export const at = <T>(items: ReadonlyArray<T>, pick: number): T | undefined =>
  items.length === 0 ? undefined : items[pick % items.length]

export const isTerminal = (status: Status.Status): boolean =>
  status === "complete" || status === "failed" || status === "cancelled" || status === "terminated"

// ---------------------------------------------------------------------------------------------
// The runner's context: the model, the first reads, the violations
// ---------------------------------------------------------------------------------------------

export type LedgerService = Context.Tag.Service<Ledger>

export interface Tagged {
  readonly _tag: string
}

export class RunState {
  readonly accounts: Array<MAccount> = []
  readonly keys: Array<MKey> = []
  readonly violations: Array<Violation> = []
  readonly outcomes: Record<string, number> = {}
  /** Canonical text of each immutable record (and each instance's stamps) at its first read. */
  readonly firstSeen = new Map<string, string>()
  step = 0
  operation = "set-up"
  /** Epoch milliseconds when the workload started: client timestamps are offsets from it. */
  readonly base: number
  /** Deterministic randomness for client-chosen ids. */
  readonly random: () => number

  constructor(readonly ledger: LedgerService, seed: number) {
    this.base = Date.now()
    this.random = seededRandom(seed)
  }

  violate(invariant: Invariant, message: string): void {
    this.violations.push({ invariant, step: this.step, operation: this.operation, message })
  }

  count(outcome: string): void {
    this.outcomes[outcome] = (this.outcomes[outcome] ?? 0) + 1
  }
}

export type Expect = { readonly ok: true } | { readonly ok: false; readonly tags: ReadonlyArray<string> }
export const ok: Expect = { ok: true }
export const failsWith = (tags: Iterable<string>): Expect => ({ ok: false, tags: [...new Set(tags)] })
/** Success when no error applies, else a failure with one of them. */
export const expectFrom = (errors: ReadonlySet<string> | ReadonlyArray<string>): Expect => {
  const tags = [...errors]
  return tags.length === 0 ? ok : failsWith(tags)
}

export const describeError = (error: unknown): string => {
  if (typeof error === "object" && error !== null && "_tag" in error) {
    const message = "message" in error && typeof error.message === "string" ? `: ${error.message}` : ""
    return `${String(error._tag)}${message}`
  }
  return String(error)
}

/**
 * Runs one call of the adapter and compares its outcome with the model's expectation. Gives the
 * answer when both agree on success; records a violation when they disagree, or when the call
 * dies (a defect is never an acceptable answer).
 */
export const attempt = <A, E extends Tagged>(
  ctx: RunState,
  invariant: Invariant,
  label: string,
  expect: Expect,
  effect: Effect.Effect<A, E>
): Effect.Effect<Option.Option<A>> =>
  Effect.map(Effect.exit(effect), (exit) => {
    if (Exit.isSuccess(exit)) {
      ctx.count(`${label} ok`)
      if (expect.ok) return Option.some(exit.value)
      ctx.violate(invariant, `${label} succeeded, but the reference model expects ${expect.tags.join(" or ")}`)
      return Option.none()
    }
    const failure = Cause.failureOption(exit.cause)
    if (Option.isNone(failure)) {
      ctx.count(`${label} died`)
      ctx.violate(invariant, `${label} died: ${Cause.pretty(exit.cause).slice(0, 2000)}`)
      return Option.none()
    }
    const error = failure.value
    ctx.count(`${label} ${error._tag}`)
    if (expect.ok) {
      ctx.violate(invariant, `${label} failed with ${describeError(error)}, but the reference model expects success`)
    } else if (!expect.tags.includes(error._tag)) {
      ctx.violate(invariant, `${label} failed with ${describeError(error)}, but the reference model expects ${expect.tags.join(" or ")}`)
    }
    return Option.none()
  })

/** Runs a read the model expects to succeed; a failure is a violation. */
export const read = <A, E extends Tagged>(
  ctx: RunState,
  invariant: Invariant,
  label: string,
  effect: Effect.Effect<A, E>
): Effect.Effect<Option.Option<A>> =>
  Effect.map(Effect.exit(effect), (exit) => {
    if (Exit.isSuccess(exit)) return Option.some(exit.value)
    const failure = Cause.failureOption(exit.cause)
    ctx.violate(
      invariant,
      `${label} ${Option.isSome(failure) ? `failed with ${describeError(failure.value)}` : `died: ${Cause.pretty(exit.cause).slice(0, 2000)}`}`
    )
    return Option.none()
  })
