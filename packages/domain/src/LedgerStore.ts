/**
 * The store port: what the use cases need from persistence, and nothing that decides.
 *
 * A unit of work runs in one account (`transact`): all its writes land or none does, and two
 * units that lock the same record (`agents.lock`, `instances.lock`) run one after the other, so
 * a use case that reads, decides and writes under a lock is serializable for what it touched.
 * Reads outside a unit of work (`read`) see committed data only. Uniqueness rules are enforced
 * by the store too (a `UniqueViolation` names the rule); an adapter never reports a violation
 * for "someone else inserted the same row first" where the port promises insert-if-absent.
 *
 * Infrastructure failures are defects: the port's error channel carries only what the domain
 * can act on.
 */
import type { DateTime, Effect, Option } from "effect"
import { Context, Schema } from "effect"
import type { Account } from "./Account.js"
import type { Agent } from "./Agent.js"
import type { AgentVersion } from "./AgentVersion.js"
import type { ApiToken } from "./ApiToken.js"
import type { AuditEvent, AuditFilter, ChainHead } from "./Audit.js"
import type { Deployment, DeploymentHistoryEntry } from "./Deployment.js"
import type { Environment } from "./Environment.js"
import type { ErasureSection, RetentionSection } from "./ErasureStore.js"
import type { RetentionPolicy } from "./Retention.js"
import type {
  AccountId,
  AgentId,
  AgentVersionId,
  ApiTokenId,
  DeploymentId,
  EnvironmentId,
  InstanceId,
  RiskProfileId,
  RiskProfileRevisionId,
  SchemaVersionId,
  SpanId
} from "./Ids.js"
import type { ActivityCell, ActivityFilter } from "./Activity.js"
import type { Instance } from "./Instance.js"
import type { MaskingPolicy } from "./MaskingPolicy.js"
import type { InstanceFilter } from "./InstanceQuery.js"
import type { OverviewRow } from "./Overview.js"
import type { Sorting } from "./Page.js"
import type { RiskProfile, RiskProfileRevision } from "./RiskProfile.js"
import type { SchemaVersion } from "./SchemaVersion.js"
import type { SpanTally } from "./Risk.js"
import type { Span } from "./Span.js"
import type { OutlineFilter, OutlineSortField, SpanOutline } from "./SpanOutline.js"
import type { TimelineSpan } from "./Timeline.js"
import type { AgentTally, IdentifierTally, SchemaDeployment, StatusTally } from "./Usage.js"

/** A uniqueness rule of the store refused a write. */
export class UniqueViolation extends Schema.TaggedError<UniqueViolation>()("UniqueViolation", {
  constraint: Schema.String
}) {}

/** A page of a list: the window and the order. */
export interface ListQuery<F extends string> {
  readonly offset: number
  readonly limit: number
  readonly sort: Sorting<F>
}

export interface Listed<A> {
  readonly items: ReadonlyArray<A>
  readonly total: number
}

/** The fields each list may be sorted by (every list also breaks ties by id). */
export const sortFields = {
  environment: ["id", "name", "inserted_at"],
  api_token: ["id", "status", "inserted_at"],
  agent: ["id", "name", "status", "external_identifier", "inserted_at", "updated_at"],
  agent_version: ["id", "sequence", "inserted_at"],
  agent_schema_version: ["id", "sequence", "inserted_at"],
  agent_deployment: ["id", "inserted_at", "updated_at"],
  agent_instance: ["id", "status", "started_at", "finished_at", "inserted_at"],
  agent_span: ["id", "started_at", "finished_at", "status", "inserted_at"],
  risk_profile: ["id", "name", "inserted_at"],
  audit_event: ["id", "sequence", "occurred_at"]
} as const

export type SortField<K extends keyof typeof sortFields> = (typeof sortFields)[K][number]

export interface EnvironmentUsage {
  readonly deployments: number
  readonly instances: number
}

export interface AgentFilter {
  readonly risk_profile_id?: RiskProfileId | undefined
  readonly status?: Agent["status"] | undefined
}

export interface SpanFilter {
  readonly agent_instance_id?: InstanceId | undefined
  readonly agent_id?: AgentId | undefined
  /** Spans that started at or after this time (epoch milliseconds). */
  readonly start_time?: number | undefined
  /** Spans that started before this time (epoch milliseconds). */
  readonly end_time?: number | undefined
}

/** An agent's external identifier, as a version or schema version carries it. */
export interface IdentifierPair {
  readonly agent_id: AgentId
  readonly external_identifier: string | null
}

export interface TokenFilter {
  readonly agent_deployment_id?: DeploymentId | undefined
}

export interface DeploymentFilter {
  readonly agent_id?: AgentId | undefined
  readonly environment_id?: EnvironmentId | undefined
}

/**
 * What an idempotency key recorded the first time: whose key it is, the request's fingerprint,
 * the answer, and when. A key is one principal's: the same text from another principal is
 * another key.
 */
export interface IdempotencyRecord {
  /** The token id that used the key (or `Idempotency.operatorPrincipal`). */
  readonly principal: string
  readonly key: string
  readonly operation: string
  readonly request_fingerprint: string
  /** The first answer, as JSON text. */
  readonly response: string
  /** When the key was claimed, epoch milliseconds. */
  readonly recorded_at: number
  /** The runs the answer is about: erasing one of them drops the record (`StoreTx.erasure`). */
  readonly runs: ReadonlyArray<InstanceId>
}

/** A claim of a principal's key at `at`; a record written before `expiredBefore` is as if absent. */
export interface IdempotencyClaim {
  readonly principal: string
  readonly key: string
  readonly at: number
  readonly expiredBefore: number
}

/** One account's records, inside a unit of work or a read. */
export interface StoreTx {
  readonly account_id: AccountId

  /**
   * Makes this unit of work take turns with every other unit that names `name`, in any account
   * and in any process on the store: held from here until the unit ends. For the decisions no
   * record's lock covers because they span accounts — whether the store holds an account yet,
   * whether an operator's key already opened one — each then decided again under the turn.
   * Only in `transact`: elsewhere a store may refuse it (a defect).
   */
  readonly exclusive: (name: string) => Effect.Effect<void>

  readonly accounts: {
    readonly insert: (account: Account) => Effect.Effect<void, UniqueViolation>
  }

  readonly environments: {
    readonly get: (id: EnvironmentId) => Effect.Effect<Option.Option<Environment>>
    /** By trimmed, lower-cased name (`Environment.environmentNameKey`). */
    readonly byNameKey: (key: string) => Effect.Effect<Option.Option<Environment>>
    readonly insert: (environment: Environment) => Effect.Effect<void, UniqueViolation>
    readonly update: (environment: Environment) => Effect.Effect<void, UniqueViolation>
    readonly remove: (id: EnvironmentId) => Effect.Effect<void>
    readonly list: (query: ListQuery<SortField<"environment">>) => Effect.Effect<Listed<Environment>>
    readonly usage: (id: EnvironmentId) => Effect.Effect<EnvironmentUsage>
  }

  readonly tokens: {
    /** A token of the account, deleted ones too (`ApiToken.isShown` says which the API shows). */
    readonly get: (id: ApiTokenId) => Effect.Effect<Option.Option<ApiToken>>
    readonly insert: (token: ApiToken) => Effect.Effect<void, UniqueViolation>
    readonly update: (token: ApiToken) => Effect.Effect<void>
    /** The tokens `ApiToken.isShown` keeps (no deleted one), a page of them. */
    readonly list: (filter: TokenFilter, query: ListQuery<SortField<"api_token">>) => Effect.Effect<Listed<ApiToken>>
    /**
     * Writes `at` as the token's `last_used_at` when it has none or has one before `staleBefore`,
     * and touches nothing else of it: a use, recorded beside whatever else changes the token.
     */
    readonly touch: (id: ApiTokenId, at: DateTime.Utc, staleBefore: DateTime.Utc) => Effect.Effect<void>
  }

  readonly agents: {
    readonly get: (id: AgentId) => Effect.Effect<Option.Option<Agent>>
    /** Reads the agent and holds it until the unit of work ends (register, deploy). */
    readonly lock: (id: AgentId) => Effect.Effect<Option.Option<Agent>>
    readonly byExternalIdentifier: (externalIdentifier: string) => Effect.Effect<Option.Option<Agent>>
    readonly insert: (agent: Agent) => Effect.Effect<void, UniqueViolation>
    readonly update: (agent: Agent) => Effect.Effect<void>
    /**
     * Removes the agent with its versions and schema versions (an agent whose runs were all
     * erased still has them); the use case decides it may (`Agent.checkDeletable`).
     */
    readonly remove: (id: AgentId) => Effect.Effect<void>
    readonly list: (filter: AgentFilter, query: ListQuery<SortField<"agent">>) => Effect.Effect<Listed<Agent>>
    readonly instanceCount: (id: AgentId) => Effect.Effect<number>
    /** Runs of these agents by (agent, status): one aggregate for a page of agents. */
    readonly instanceTallies: (ids: ReadonlyArray<AgentId>) => Effect.Effect<ReadonlyArray<StatusTally>>
    /** Deployments of these agents by agent: one aggregate for a page of agents. */
    readonly deploymentTallies: (ids: ReadonlyArray<AgentId>) => Effect.Effect<ReadonlyArray<AgentTally>>
    /**
     * Every agent of the account (only `runs.agent_id`'s when the filter names one), each with
     * the runs `runs` keeps counted by (status, risk level, flagged): one aggregate, however many
     * agents; an agent none of whose runs is kept has one row without a cell.
     */
    readonly overview: (runs: InstanceFilter) => Effect.Effect<ReadonlyArray<OverviewRow>>
  }

  readonly schemaVersions: {
    readonly get: (id: SchemaVersionId) => Effect.Effect<Option.Option<SchemaVersion>>
    readonly byFingerprint: (agent: AgentId, fingerprint: string) => Effect.Effect<Option.Option<SchemaVersion>>
    /** The highest sequence of the agent's schema versions, 0 when none. */
    readonly lastSequence: (agent: AgentId) => Effect.Effect<number>
    readonly insert: (version: SchemaVersion) => Effect.Effect<void, UniqueViolation>
    readonly list: (agent: AgentId, query: ListQuery<SortField<"agent_schema_version">>) => Effect.Effect<Listed<SchemaVersion>>
    /** How many schema versions carry each of these (agent, external identifier) pairs; null is an identifier too. */
    readonly identifierTallies: (pairs: ReadonlyArray<IdentifierPair>) => Effect.Effect<ReadonlyArray<IdentifierTally>>
  }

  readonly versions: {
    readonly get: (id: AgentVersionId) => Effect.Effect<Option.Option<AgentVersion>>
    readonly byFingerprint: (agent: AgentId, fingerprint: string) => Effect.Effect<Option.Option<AgentVersion>>
    readonly lastSequence: (agent: AgentId) => Effect.Effect<number>
    readonly insert: (version: AgentVersion) => Effect.Effect<void, UniqueViolation>
    readonly list: (agent: AgentId, query: ListQuery<SortField<"agent_version">>) => Effect.Effect<Listed<AgentVersion>>
    /** How many versions carry each of these (agent, external identifier) pairs; null is an identifier too. */
    readonly identifierTallies: (pairs: ReadonlyArray<IdentifierPair>) => Effect.Effect<ReadonlyArray<IdentifierTally>>
  }

  readonly deployments: {
    readonly get: (id: DeploymentId) => Effect.Effect<Option.Option<Deployment>>
    readonly for: (agent: AgentId, environment: EnvironmentId) => Effect.Effect<Option.Option<Deployment>>
    readonly insert: (deployment: Deployment) => Effect.Effect<void, UniqueViolation>
    readonly update: (deployment: Deployment) => Effect.Effect<void>
    readonly remove: (id: DeploymentId) => Effect.Effect<void>
    readonly list: (filter: DeploymentFilter, query: ListQuery<SortField<"agent_deployment">>) => Effect.Effect<Listed<Deployment>>
    readonly appendHistory: (entry: DeploymentHistoryEntry) => Effect.Effect<void>
    /** Oldest first. */
    readonly history: (id: DeploymentId) => Effect.Effect<ReadonlyArray<DeploymentHistoryEntry>>
    /** Deployments whose pointer names one of these versions. */
    readonly pointingAt: (versions: ReadonlyArray<AgentVersionId>) => Effect.Effect<ReadonlyArray<Deployment>>
    /** Deployments whose current version belongs to one of these schema versions, with that schema version. */
    readonly pointingAtSchemas: (schemaVersions: ReadonlyArray<SchemaVersionId>) => Effect.Effect<ReadonlyArray<SchemaDeployment>>
  }

  readonly instances: {
    readonly get: (id: InstanceId) => Effect.Effect<Option.Option<Instance>>
    /** Reads the instance and holds it until the unit of work ends (every run transition, every span). */
    readonly lock: (id: InstanceId) => Effect.Effect<Option.Option<Instance>>
    readonly insert: (instance: Instance) => Effect.Effect<void, UniqueViolation>
    /** Writes the run's progress (not its quality payloads, nor its redaction: see below and `erasure`). */
    readonly update: (instance: Instance) => Effect.Effect<void>
    /**
     * Writes the run's quality payloads and `updated_at`: only this writes them, so no write of the
     * run's progress (a span's, from an older read) carries them back.
     */
    readonly writeQuality: (instance: Instance) => Effect.Effect<void>
    /**
     * The runs `InstanceQuery.matches` keeps, a page of them. Sorted by `started_at`, runs are
     * ordered by `InstanceQuery.runStart` (a run never started by its registration).
     */
    readonly list: (filter: InstanceFilter, query: ListQuery<SortField<"agent_instance">>) => Effect.Effect<Listed<Instance>>
  }

  readonly spans: {
    readonly get: (id: SpanId) => Effect.Effect<Option.Option<Span>>
    /**
     * New spans and the new state of their (locked) instances, written as one step: ingest's
     * write (without instances, the spans alone). A store sends it as one statement where it
     * can, since a batch's cost on a database is mostly its round trips.
     */
    readonly record: (spans: ReadonlyArray<Span>, instances: ReadonlyArray<Instance>) => Effect.Effect<void, UniqueViolation>
    readonly update: (spans: ReadonlyArray<Span>) => Effect.Effect<void>
    /** The instance's pending and active spans. */
    readonly open: (instance: InstanceId) => Effect.Effect<ReadonlyArray<Span>>
    /** Every span of the instance, in creation order. */
    readonly ofInstance: (instance: InstanceId) => Effect.Effect<ReadonlyArray<Span>>
    readonly list: (filter: SpanFilter, query: ListQuery<SortField<"agent_span">>) => Effect.Effect<Listed<Span>>
    /**
     * A page of the instance's spans that `SpanOutline.matches` keeps, without their payloads (nor
     * summaries, nor conformance errors).
     */
    readonly outlines: (instance: InstanceId, filter: OutlineFilter, query: ListQuery<OutlineSortField>) => Effect.Effect<Listed<SpanOutline>>
    /**
     * Where a page of the instance's spans stands in its timeline (id, parent, start, sequence):
     * the spans after sequence `after` (0 for the first page) in creation order, at most `limit`.
     * A keyset page — each page is found by the index on the run's sequence, however deep — and
     * no payload is read: an export orders a run of any length by these before it reads a byte
     * of payload.
     */
    readonly places: (instance: InstanceId, after: number, limit: number) => Effect.Effect<ReadonlyArray<TimelineSpan>>
    /** The instance's spans with these sequences (those that exist), whole, in creation order. */
    readonly withSequences: (instance: InstanceId, sequences: ReadonlyArray<number>) => Effect.Effect<ReadonlyArray<Span>>
    /** The instance's spans counted and their points summed by (type, status): the risk report's read. */
    readonly tallies: (instance: InstanceId) => Effect.Effect<ReadonlyArray<SpanTally>>
    /**
     * The spans the filter keeps (started in its window; of its agent, of its run) counted by
     * (bucket, status), the bucket as `Activity.bucketOf` places a span: one aggregate over the
     * spans' start times, however many spans.
     */
    readonly activity: (filter: ActivityFilter) => Effect.Effect<ReadonlyArray<ActivityCell>>
  }

  readonly riskProfiles: {
    readonly get: (id: RiskProfileId) => Effect.Effect<Option.Option<RiskProfile>>
    readonly insert: (profile: RiskProfile) => Effect.Effect<void, UniqueViolation>
    readonly update: (profile: RiskProfile) => Effect.Effect<void>
    readonly list: (query: ListQuery<SortField<"risk_profile">>) => Effect.Effect<Listed<RiskProfile>>
    readonly getRevision: (id: RiskProfileRevisionId) => Effect.Effect<Option.Option<RiskProfileRevision>>
    readonly insertRevision: (revision: RiskProfileRevision) => Effect.Effect<void, UniqueViolation>
    /** Oldest first. */
    readonly revisions: (id: RiskProfileId) => Effect.Effect<ReadonlyArray<RiskProfileRevision>>
  }

  /**
   * The account's audit log (`Audit`): appended to, never changed. `head` serializes the
   * account's appends, so it is the LAST lock a unit of work takes — every other lock is taken
   * before it, and nothing waits on a lock while holding it but the commit — which keeps two
   * units from ever waiting on each other.
   */
  readonly audit: {
    /**
     * The account's last event's sequence and hash (none before the first event), held until the
     * unit of work ends inside `transact`; in `read`, as last committed.
     */
    readonly head: Effect.Effect<Option.Option<ChainHead>>
    /** Appends the event that `Audit.link` made from `head`: it becomes the head. */
    readonly append: (event: AuditEvent) => Effect.Effect<void>
    /** The events the filter keeps (`Audit.matches`), a page of them. */
    readonly list: (filter: AuditFilter, query: ListQuery<SortField<"audit_event">>) => Effect.Effect<Listed<AuditEvent>>
    /** At most `limit` events with a sequence above `after`, in sequence order: verification's read. */
    readonly batch: (after: number, limit: number) => Effect.Effect<ReadonlyArray<AuditEvent>>
  }

  /** The account's masking policy: one record per account, replaced whole. */
  readonly maskingPolicy: {
    /** None while the account never set one. */
    readonly get: () => Effect.Effect<Option.Option<MaskingPolicy>>
    readonly put: (policy: MaskingPolicy) => Effect.Effect<void>
  }

  readonly idempotency: {
    /**
     * Claims a principal's key for this unit of work, or returns what an earlier, committed unit
     * recorded under it. A concurrent claim of the same key waits for the first unit to end. A
     * record older than `expiredBefore` is not returned: the claim takes its place.
     */
    readonly claim: (claim: IdempotencyClaim) => Effect.Effect<Option.Option<IdempotencyRecord>>
    readonly record: (record: IdempotencyRecord) => Effect.Effect<void>
  }

  readonly erasure: ErasureSection
  readonly retention: RetentionSection
}

export class LedgerStore extends Context.Tag("@agentledger/domain/LedgerStore")<LedgerStore, {
  /** Runs `work` as one unit of work in the account: all or nothing. */
  readonly transact: <A, E, R>(account: AccountId, work: (tx: StoreTx) => Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  /**
   * Runs span ingest: a unit of work whose only write is `spans.record`. A store may run it
   * optimistically — `instances.lock` then reads without locking, and `spans.record` writes only
   * if each instance is still as it was read; when another writer came first it writes nothing,
   * and the work's outcome is set aside and the work runs again — because ingest is the hot path
   * and a lock costs round trips. All or nothing either way.
   */
  readonly append: <A, E, R>(account: AccountId, work: (tx: StoreTx) => Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  /** Runs reads of committed data in the account. */
  readonly read: <A, E, R>(account: AccountId, work: (tx: StoreTx) => Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  /** The token whose secret hashes to this, in any account: the one lookup that precedes tenancy. */
  readonly tokenBySecretHash: (hash: string) => Effect.Effect<Option.Option<ApiToken>>
  /**
   * The account holding a live record of this principal's key, in any account: how a retried
   * account creation (the operator's key) finds the account it created.
   */
  readonly idempotentAccount: (principal: string, key: string, expiredBefore: number) => Effect.Effect<Option.Option<AccountId>>
  /** Whether the store holds no account yet (a server bootstraps one then). */
  readonly isEmpty: Effect.Effect<boolean>
  /**
   * The retention policies set, of every account, by account id: at most `limit` after the
   * account `after` (from the first with null). The retention job's one look across accounts.
   */
  readonly retentionPolicies: (after: AccountId | null, limit: number) => Effect.Effect<ReadonlyArray<RetentionPolicy>>
}>() {}
