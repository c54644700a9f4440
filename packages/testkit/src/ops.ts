/**
 * A workload: several accounts and a random sequence of operations on them. Operations name the
 * records they act on by *picks* — numbers resolved, when the operation runs, modulo the records
 * of that kind that exist then — so that any sequence is meaningful and shrinking stays
 * meaningful too.
 */
import type { Commands, Status } from "@agentledger/domain"
import type { SchemaSpec, VersionSpec } from "./specs.js"

/** Resolved modulo the candidates that exist when the operation runs. */
export type Pick = number

/**
 * The version a deployment operation names: none (for a rollback: an earlier version of the
 * agent, when there is one), one of the agent's own, or one of another agent of the account.
 */
export type VersionRef =
  | { readonly kind: "none" }
  | { readonly kind: "own"; readonly pick: Pick }
  | { readonly kind: "other"; readonly pick: Pick }

/** The parent a new span names. */
export type ParentRef =
  | { readonly kind: "none" }
  /** An earlier span of the same batch. */
  | { readonly kind: "batch"; readonly pick: Pick }
  /** A recorded span of the same instance. */
  | { readonly kind: "same"; readonly pick: Pick }
  /** A recorded span of another instance of the account (refused). */
  | { readonly kind: "other"; readonly pick: Pick }
  /** The span itself (refused: a span cannot be its own parent). */
  | { readonly kind: "self" }

/** Who chooses a span's id: the ledger, the client (in its partition), or a client naming another account's partition or an existing span. */
export type ClientId = "none" | "own" | "foreign" | "duplicate"

export interface SpanSpec {
  /** Index into the span type names; one past the end is a type no schema declares. */
  readonly type: Pick
  readonly payload: Pick
  readonly status: Status.Status
  /** A result payload (refused unless the status is terminal). */
  readonly result: Pick | null
  readonly parent: ParentRef
  /** Seconds from the workload's start, or the ledger's clock. */
  readonly startedAt: number | null
  /** Sends `finished_at` (refused unless the status is terminal). */
  readonly finishedAt: boolean
  readonly clientId: ClientId
}

export const tokenActions = ["suspend", "activate", "revoke", "expire", "delete"] as const
export type TokenAction = (typeof tokenActions)[number]

/** Cross-account probes: each names a record of another account and must find nothing. */
export const probes = [
  "getAgent",
  "getEnvironment",
  "getInstance",
  "getTimeline",
  "getSpan",
  "getVersion",
  "getSchemaVersion",
  "getDeployment",
  "getRiskProfile",
  "getToken",
  "getRiskReport",
  "listVersions",
  "listInstancesOfAgent",
  "listSpansOfInstance",
  "registerWithForeignAgent",
  "registerWithForeignEnvironment",
  "spanOnForeignInstance",
  "spanWithForeignParent",
  "deployForeignAgent",
  "deployForeignEnvironment",
  "pointAtForeignVersion",
  "assignForeignProfile",
  "tokenForForeignDeployment",
  "finishForeignSpan",
  "startForeignRun",
  "terminateForeignRun",
  "retireForeignAgent",
  "deleteForeignEnvironment",
  "foreignClientId"
] as const
export type Probe = (typeof probes)[number]

interface Base {
  /** The account that acts. */
  readonly account: Pick
  /** Sends an idempotency key (a later `Retry` may repeat the call with it). */
  readonly keyed: boolean
}

export type Op =
  | Base & { readonly _tag: "CreateEnvironment"; readonly input: Commands.CreateEnvironment }
  | Base & { readonly _tag: "UpdateEnvironment"; readonly environment: Pick; readonly input: Commands.UpdateEnvironment }
  | Base & { readonly _tag: "DeleteEnvironment"; readonly environment: Pick }
  | Base & { readonly _tag: "CreateRiskProfile"; readonly input: Commands.CreateRiskProfile; readonly valid: boolean }
  | Base & { readonly _tag: "UpdateRiskProfile"; readonly profile: Pick; readonly input: Commands.UpdateRiskProfile; readonly valid: boolean }
  | Base & { readonly _tag: "DeleteRiskProfile"; readonly profile: Pick }
  | Base & {
    readonly _tag: "CreateAgent"
    readonly name: string
    readonly externalIdentifier: string | null
    /** A profile that is not deleted, or none. */
    readonly profile: Pick | null
  }
  | Base & {
    readonly _tag: "UpdateAgent"
    readonly agent: Pick
    readonly name: string | null
    /** Any profile of the account (a deleted one is refused). */
    readonly profile: "keep" | "clear" | Pick
  }
  | Base & { readonly _tag: "RetireAgent" | "ReinstateAgent" | "DeleteAgent"; readonly agent: Pick }
  | Base & {
    readonly _tag: "RegisterRun"
    /** With an account token: any agent and environment. With a deployment token: a deployment's. */
    readonly via: "account" | "deployment"
    readonly agent: Pick
    readonly environment: Pick
    readonly deployment: Pick
    /** Index into the workload's schemas and versions. */
    readonly schema: Pick
    readonly version: Pick
    /** Seed of the form the content is written in. */
    readonly form: number
    readonly display: { readonly name: string | null; readonly description: string | null }
    readonly updateCurrentVersion: boolean
    readonly purpose: "live" | "smoke_test" | "eval"
    /** The schema lists a type twice (refused). */
    readonly corrupt: boolean
    readonly clientId: "none" | "own" | "foreign"
  }
  | Base & { readonly _tag: "StartRun"; readonly instance: Pick }
  | Base & { readonly _tag: "FinishRun"; readonly instance: Pick; readonly status: "complete" | "failed" | "cancelled" }
  | Base & { readonly _tag: "TerminateRun"; readonly instance: Pick; readonly reason: string }
  | Base & {
    readonly _tag: "RecordSpans"
    readonly instance: Pick
    /** One span through `recordSpan` or several through `recordSpans`. */
    readonly batch: boolean
    readonly spans: ReadonlyArray<SpanSpec>
  }
  | Base & {
    readonly _tag: "FinishSpan"
    readonly span: Pick
    readonly status: "complete" | "failed" | "cancelled"
    readonly result: Pick | null
  }
  | Base & { readonly _tag: "CreateDeployment"; readonly agent: Pick; readonly environment: Pick; readonly version: VersionRef }
  | Base & { readonly _tag: "UpdateDeployment"; readonly deployment: Pick; readonly version: VersionRef }
  | Base & { readonly _tag: "RollbackDeployment"; readonly deployment: Pick; readonly version: VersionRef }
  | Base & { readonly _tag: "DeleteDeployment"; readonly deployment: Pick }
  | Base & { readonly _tag: "CreateToken"; readonly deployment: Pick | null; readonly expires: "never" | "later" | "past" }
  | Base & { readonly _tag: "TokenAction"; readonly token: Pick; readonly action: TokenAction }
  | { readonly _tag: "Authenticate"; readonly account: Pick; readonly token: Pick }
  | { readonly _tag: "CrossAccount"; readonly account: Pick; readonly other: Pick; readonly probe: Probe; readonly pick: Pick }
  /** Repeats an earlier keyed call that succeeded, with its key: the first answer, no second effect. */
  | { readonly _tag: "Retry"; readonly pick: Pick }
  /** Sends another request under a key already used: a conflict, no effect. */
  | { readonly _tag: "ReuseKey"; readonly pick: Pick }

export interface Workload {
  /** How many accounts act (at least 2). */
  readonly accounts: number
  /** The activity schemas runs register; a small pool, so that contents repeat. */
  readonly schemas: ReadonlyArray<SchemaSpec>
  /** The version metadata runs register. */
  readonly versions: ReadonlyArray<VersionSpec>
  readonly steps: ReadonlyArray<Op>
}
