/**
 * The primary port: every use case of agentledger, as one Effect service.
 *
 * `Ledger` itself holds the operations that precede a tenant (create an account, bootstrap an
 * empty store, authenticate a token). Authenticating gives a `LedgerSession`: the use cases
 * scoped to the caller's account and token. The local implementation (`LedgerLive`) runs them
 * on a `LedgerStore`; the HTTP client adapter implements the same interface remotely, so an
 * embedding service swaps one for the other without changing a line.
 */
import { Context, type Effect, Schema, type Stream } from "effect"
import { Account } from "./Account.js"
import { RunControl } from "./Control.js"
import type { Activity } from "./Activity.js"
import { Agent } from "./Agent.js"
import { AgentVersion } from "./AgentVersion.js"
import { ApiTokenView, TokenScope } from "./ApiToken.js"
import type { AuditEvent, Verification } from "./Audit.js"
import type * as Commands from "./Commands.js"
import { Deployment, DeploymentHistoryEntry } from "./Deployment.js"
import { Environment } from "./Environment.js"
import type * as Erasure from "./Erasure.js"
import type { RunRange } from "./Export.js"
import type { Conflict, InvalidAction, InvalidInput, NotFound, NotPermitted, Unauthenticated } from "./Errors.js"
import {
  AccountId,
  AgentId,
  type AgentVersionId,
  ApiTokenId,
  DeploymentId,
  EnvironmentId,
  type InstanceId,
  RiskProfileRevisionId,
  type RiskProfileId,
  type SchemaVersionId,
  type SpanId
} from "./Ids.js"
import { Instance } from "./Instance.js"
import type { MaskingPolicy, UpdateMaskingPolicy } from "./MaskingPolicy.js"
import type { Overview } from "./Overview.js"
import { Pagination, SortDirection } from "./Page.js"
import { BreakdownEntry, RiskLevel, TheoreticalRisk, Violation } from "./Risk.js"
import type * as Retention from "./Retention.js"
import { RiskProfile, RiskProfileRevision, Thresholds } from "./RiskProfile.js"
import { SchemaVersion } from "./SchemaVersion.js"
import { Span } from "./Span.js"
import type { SpanOutline } from "./SpanOutline.js"
import type { AgentUsage, VersionUsage } from "./Usage.js"

/** Who is calling: the token and what it reaches. */
export const Principal = Schema.Struct({
  account_id: AccountId,
  token_id: ApiTokenId,
  token_scope: TokenScope,
  /** Set for `agent_deployment` tokens: the one agent, environment and deployment they reach. */
  agent_id: Schema.NullOr(AgentId),
  environment_id: Schema.NullOr(EnvironmentId),
  agent_deployment_id: Schema.NullOr(DeploymentId)
}).annotations({ identifier: "Principal" })
export type Principal = typeof Principal.Type

/** A page of a list, as the Prefactor API returns it. */
export const Paged = <A, I, R>(item: Schema.Schema<A, I, R>) =>
  Schema.Struct({
    items: Schema.Array(item),
    pagination: Pagination,
    sorting: Schema.Struct({ field: Schema.String, direction: SortDirection })
  })
export interface Paged<A> {
  readonly items: ReadonlyArray<A>
  readonly pagination: Pagination
  readonly sorting: { readonly field: string; readonly direction: "asc" | "desc" }
}

/** A new token and its secret; the secret exists only in this answer (null when replayed). */
export const CreatedToken = Schema.Struct({ token: ApiTokenView, secret: Schema.NullOr(Schema.String) })
export type CreatedToken = typeof CreatedToken.Type

export const CreatedAccount = Schema.Struct({ account: Account, token: ApiTokenView, secret: Schema.String })
export type CreatedAccount = typeof CreatedAccount.Type

/** An account opened under an idempotency key: a replay answers the same account, without the secret (null). */
export const OpenedAccount = Schema.Struct({ account: Account, token: ApiTokenView, secret: Schema.NullOr(Schema.String) })
export type OpenedAccount = typeof OpenedAccount.Type

export const DeploymentDetails = Schema.Struct({ deployment: Deployment, history: Schema.Array(DeploymentHistoryEntry) })
export type DeploymentDetails = typeof DeploymentDetails.Type

export const RiskProfileDetails = Schema.Struct({ profile: RiskProfile, revision: RiskProfileRevision })
export type RiskProfileDetails = typeof RiskProfileDetails.Type

/** A run with its spans in timeline order (depth-first over the tree, siblings by start time). */
export const Timeline = Schema.Struct({
  instance: Instance,
  spans: Schema.Array(Schema.Struct({ span: Span, depth: Schema.Int }))
})
export type Timeline = typeof Timeline.Type

/** The explanation of a run's risk; amounts in hundredths. */
export const RiskReport = Schema.Struct({
  total: Schema.Int,
  level: RiskLevel,
  peak_level: RiskLevel,
  thresholds: Thresholds,
  profile_revision_id: RiskProfileRevisionId,
  breakdown: Schema.Array(BreakdownEntry)
})
export type RiskReport = typeof RiskReport.Type

export const VersionRisk = Schema.Struct({
  profile_revision_id: RiskProfileRevisionId,
  theoretical: TheoreticalRisk,
  violations: Schema.Array(Violation)
})
export type VersionRisk = typeof VersionRisk.Type

export const RecordedSpans = Schema.Array(Span)

/** A span as its agent is answered: the span, and what its run tells the agent (`Control`; null: go on). */
export const ControlledSpan = Schema.Struct({ span: Span, control: Schema.NullOr(RunControl) }).annotations({ identifier: "ControlledSpan" })
export type ControlledSpan = typeof ControlledSpan.Type

type Mutation = Commands.MutationOptions

/** The use cases of one caller, scoped to its account. */
export interface LedgerSession {
  readonly principal: Principal

  // Environments
  readonly createEnvironment: (input: Commands.CreateEnvironment, options?: Mutation) => Effect.Effect<Environment, InvalidInput | Conflict | NotPermitted>
  readonly getEnvironment: (id: EnvironmentId) => Effect.Effect<Environment, NotFound | NotPermitted>
  readonly listEnvironments: (request: Commands.ListRequest) => Effect.Effect<Paged<Environment>, InvalidInput | NotPermitted>
  readonly updateEnvironment: (id: EnvironmentId, input: Commands.UpdateEnvironment, options?: Mutation) => Effect.Effect<Environment, InvalidInput | NotFound | Conflict | NotPermitted>
  readonly deleteEnvironment: (id: EnvironmentId, options?: Mutation) => Effect.Effect<Environment, NotFound | Conflict | NotPermitted | InvalidInput>

  // API tokens
  readonly createToken: (input: Commands.CreateToken, options?: Mutation) => Effect.Effect<CreatedToken, InvalidInput | NotFound | Conflict | NotPermitted>
  readonly getToken: (id: ApiTokenId) => Effect.Effect<ApiTokenView, NotFound | NotPermitted>
  readonly listTokens: (request: Commands.ListRequest) => Effect.Effect<Paged<ApiTokenView>, InvalidInput | NotPermitted>
  readonly suspendToken: (id: ApiTokenId, options?: Mutation) => Effect.Effect<ApiTokenView, NotFound | InvalidAction | NotPermitted | InvalidInput | Conflict>
  readonly activateToken: (id: ApiTokenId, options?: Mutation) => Effect.Effect<ApiTokenView, NotFound | InvalidAction | NotPermitted | InvalidInput | Conflict>
  readonly revokeToken: (id: ApiTokenId, options?: Mutation) => Effect.Effect<ApiTokenView, NotFound | InvalidAction | NotPermitted | InvalidInput | Conflict>
  /** Ends a token now: it authenticates no more (its `expires_at` becomes now). */
  readonly expireToken: (id: ApiTokenId, options?: Mutation) => Effect.Effect<ApiTokenView, NotFound | InvalidAction | NotPermitted | InvalidInput | Conflict>
  readonly deleteToken: (id: ApiTokenId, options?: Mutation) => Effect.Effect<ApiTokenView, NotFound | InvalidAction | NotPermitted | InvalidInput | Conflict>

  // Agents
  readonly createAgent: (input: Commands.CreateAgent, options?: Mutation) => Effect.Effect<Agent, InvalidInput | NotFound | Conflict | NotPermitted>
  readonly getAgent: (id: AgentId) => Effect.Effect<Agent, NotFound | NotPermitted>
  readonly findAgentByExternalIdentifier: (externalIdentifier: string) => Effect.Effect<Agent, NotFound | NotPermitted>
  readonly listAgents: (request: Commands.ListAgents) => Effect.Effect<Paged<Agent>, InvalidInput | NotPermitted>
  readonly updateAgent: (id: AgentId, input: Commands.UpdateAgent, options?: Mutation) => Effect.Effect<Agent, InvalidInput | NotFound | InvalidAction | NotPermitted | Conflict>
  readonly retireAgent: (id: AgentId, options?: Mutation) => Effect.Effect<Agent, NotFound | InvalidAction | NotPermitted | InvalidInput | Conflict>
  readonly reinstateAgent: (id: AgentId, options?: Mutation) => Effect.Effect<Agent, NotFound | InvalidAction | NotPermitted | InvalidInput | Conflict>
  readonly deleteAgent: (id: AgentId, options?: Mutation) => Effect.Effect<Agent, NotFound | Conflict | NotPermitted | InvalidInput>
  /**
   * What the platform shows beside each of these agents (available actions, runs by status), in
   * their order: a constant number of store reads however many agents and runs.
   */
  readonly agentUsage: (agents: ReadonlyArray<Agent>) => Effect.Effect<ReadonlyArray<AgentUsage>, NotPermitted>

  // Runs and spans (the ingest path; deployment tokens reach these)
  /**
   * `options.reportedBy`: the adapter's protocol and the client's SDK, stamped on the run
   * (`Reporter`); `version: "deployment"` registers the run on its deployment's current version
   * when there is one.
   */
  readonly registerRun: (input: Commands.RegisterRun, options?: Commands.RegisterOptions) => Effect.Effect<Instance, InvalidInput | NotFound | InvalidAction | NotPermitted | Conflict>
  readonly startRun: (id: InstanceId, input: Commands.StartRun, options?: Mutation) => Effect.Effect<Instance, NotFound | InvalidAction | InvalidInput | Conflict>
  readonly finishRun: (id: InstanceId, input: Commands.FinishRun, options?: Mutation) => Effect.Effect<Instance, NotFound | InvalidAction | InvalidInput | Conflict>
  readonly terminateRun: (id: InstanceId, input: Commands.TerminateRun, options?: Mutation) => Effect.Effect<Instance, NotFound | InvalidAction | InvalidInput | NotPermitted | Conflict>
  readonly recordSpan: (input: Commands.CreateSpan, options?: Mutation) => Effect.Effect<Span, InvalidInput | NotFound | InvalidAction | Conflict>
  /** `recordSpan`, with what the run tells its agent (`Control`): what a reporting SDK is answered. */
  readonly recordSpanWithControl: (input: Commands.CreateSpan, options?: Mutation) => Effect.Effect<ControlledSpan, InvalidInput | NotFound | InvalidAction | Conflict>
  /**
   * Several spans in one unit of work, in order; a parent may be earlier in the same batch.
   * `reported: "completed"` records spans reported after they completed (`ReportedSpans`).
   */
  readonly recordSpans: (inputs: ReadonlyArray<Commands.CreateSpan>, options?: Commands.RecordOptions) => Effect.Effect<ReadonlyArray<Span>, InvalidInput | NotFound | InvalidAction | Conflict>
  readonly finishSpan: (id: SpanId, input: Commands.FinishSpan, options?: Mutation) => Effect.Effect<Span, NotFound | InvalidAction | InvalidInput | Conflict>
  /** `finishSpan`, with what the run tells its agent (`Control`). */
  readonly finishSpanWithControl: (id: SpanId, input: Commands.FinishSpan, options?: Mutation) => Effect.Effect<ControlledSpan, NotFound | InvalidAction | InvalidInput | Conflict>
  /**
   * Keeps a quality payload under a name on the run, or removes the name (`Quality`): ingest, like
   * a span (any token that reaches the run; not audited). Answers the run.
   */
  readonly recordQuality: (id: InstanceId, input: Commands.RecordQuality, options?: Mutation) => Effect.Effect<Instance, NotFound | InvalidAction | InvalidInput | Conflict>

  // Reading runs
  readonly getInstance: (id: InstanceId) => Effect.Effect<Instance, NotFound>
  readonly listInstances: (request: Commands.ListInstances) => Effect.Effect<Paged<Instance>, InvalidInput | NotPermitted>
  readonly getTimeline: (id: InstanceId) => Effect.Effect<Timeline, NotFound>
  readonly getSpan: (id: SpanId) => Effect.Effect<Span, NotFound>
  readonly listSpans: (request: Commands.ListSpans) => Effect.Effect<Paged<Span>, InvalidInput | NotFound | NotPermitted>
  /**
   * A page of the run's spans without payloads, in creation order by default: the outline of a
   * run too long to read whole, narrowed by span type and flag. A span's payloads come with `getSpan`.
   */
  readonly listSpanOutlines: (id: InstanceId, request: Commands.ListSpanOutlines) => Effect.Effect<Paged<SpanOutline>, InvalidInput | NotFound>
  /** Null when the run's agent had no profile when it registered. */
  readonly getRiskReport: (id: InstanceId) => Effect.Effect<RiskReport | null, NotFound>
  /**
   * The agents and their runs since a time, counted by status, risk level and flag, and the
   * newest runs needing attention (`Overview`); a deployment token sees its own agent only.
   */
  readonly getOverview: (request: Commands.GetOverview) => Effect.Effect<Overview>
  /**
   * The spans started in a window (default: the last day), counted by status in buckets (default:
   * 5 minutes), every bucket present (`Activity`): the account's, one agent's or one run's; a
   * deployment token counts its own agent's spans only.
   */
  readonly getActivity: (request: Commands.GetActivity) => Effect.Effect<Activity, InvalidInput | NotFound>

  // Erasure and retention (account tokens only)
  /** Deletes a run with its spans; answers the run as it was. */
  readonly deleteRun: (id: InstanceId, options?: Mutation) => Effect.Effect<Instance, NotFound | NotPermitted | InvalidInput | Conflict>
  /** Replaces a finished run's payloads and results by a marker, keeping the rest (`Erasure`). */
  readonly redactRun: (id: InstanceId, options?: Mutation) => Effect.Effect<Instance, NotFound | InvalidAction | NotPermitted | InvalidInput | Conflict>
  /**
   * Deletes or redacts every run of an agent that started in a window, in bounded units of work
   * (each audited); a repeat erases what is left, so it takes no idempotency key.
   */
  readonly eraseRuns: (id: AgentId, input: Erasure.EraseRuns) => Effect.Effect<Erasure.Erased, InvalidInput | NotFound | NotPermitted | Conflict>
  /** The account's retention policy (every run kept until one is set). */
  readonly getRetentionPolicy: () => Effect.Effect<Retention.RetentionPolicy, NotPermitted>
  /** Sets the account's retention policy, replacing the one before. */
  readonly updateRetentionPolicy: (
    input: Retention.RetentionPolicyInput,
    options?: Mutation
  ) => Effect.Effect<Retention.RetentionPolicy, InvalidInput | NotPermitted | Conflict>
  // Evidence export (`Export`, `ExportDocument`)
  /**
   * The run as one evidence document, `{"export": <contents, canonical>, "sha256": <their hash>}`,
   * in pieces of text to send as they come: the spans are read a page at a time, so a run of any
   * length costs the memory of a page. Not found fails before the first piece; the account's
   * audit log records the export (`agent_instance.export`) before the piece that ends it.
   */
  readonly exportRun: (id: InstanceId) => Effect.Effect<Stream.Stream<string, NotFound>, NotFound>
  /**
   * The agent's runs started in the range, oldest first, as NDJSON: one line per run, each line
   * `exportRun`'s document, read and written one run after the other. One audit event records the
   * stream when it ends, however it ends (`Export.runsExported`).
   */
  readonly exportAgentRuns: (id: AgentId, range: RunRange) => Effect.Effect<Stream.Stream<string, NotFound>, InvalidInput | NotFound>

  // Versions
  readonly getVersion: (id: AgentVersionId) => Effect.Effect<AgentVersion, NotFound | NotPermitted>
  readonly listVersions: (request: Commands.ListOfAgent) => Effect.Effect<Paged<AgentVersion>, InvalidInput | NotFound | NotPermitted>
  readonly getSchemaVersion: (id: SchemaVersionId) => Effect.Effect<SchemaVersion, NotFound | NotPermitted>
  readonly listSchemaVersions: (request: Commands.ListOfAgent) => Effect.Effect<Paged<SchemaVersion>, InvalidInput | NotFound | NotPermitted>
  /** The deployments on each of these versions and their identifiers' repeats, in their order. */
  readonly versionUsage: (versions: ReadonlyArray<AgentVersion>) => Effect.Effect<ReadonlyArray<VersionUsage>, NotPermitted>
  /** The deployments whose current version uses each of these schema versions, and the identifiers' repeats. */
  readonly schemaVersionUsage: (schemaVersions: ReadonlyArray<SchemaVersion>) => Effect.Effect<ReadonlyArray<VersionUsage>, NotPermitted>
  /** Theoretical risk and agreed-risk violations of a version under its agent's current profile; null without one. */
  readonly getVersionRisk: (id: AgentVersionId) => Effect.Effect<VersionRisk | null, NotFound | NotPermitted>

  // Deployments
  readonly createDeployment: (input: Commands.CreateDeployment, options?: Mutation) => Effect.Effect<DeploymentDetails, InvalidInput | NotFound | Conflict | NotPermitted>
  readonly getDeployment: (id: DeploymentId) => Effect.Effect<DeploymentDetails, NotFound | NotPermitted>
  readonly listDeployments: (request: Commands.ListDeployments) => Effect.Effect<Paged<Deployment>, InvalidInput | NotPermitted>
  readonly updateDeployment: (id: DeploymentId, input: Commands.UpdateDeployment, options?: Mutation) => Effect.Effect<DeploymentDetails, InvalidInput | NotFound | NotPermitted | Conflict>
  readonly rollbackDeployment: (id: DeploymentId, input: Commands.RollbackDeployment, options?: Mutation) => Effect.Effect<DeploymentDetails, InvalidInput | NotFound | InvalidAction | NotPermitted | Conflict>
  readonly deleteDeployment: (id: DeploymentId, options?: Mutation) => Effect.Effect<Deployment, NotFound | Conflict | NotPermitted | InvalidInput>

  // Risk profiles
  readonly createRiskProfile: (input: Commands.CreateRiskProfile, options?: Mutation) => Effect.Effect<RiskProfileDetails, InvalidInput | NotPermitted | Conflict>
  readonly getRiskProfile: (id: RiskProfileId) => Effect.Effect<RiskProfileDetails, NotFound | NotPermitted>
  readonly listRiskProfiles: (request: Commands.ListRequest) => Effect.Effect<Paged<RiskProfile>, InvalidInput | NotPermitted>
  readonly listRiskProfileRevisions: (id: RiskProfileId) => Effect.Effect<ReadonlyArray<RiskProfileRevision>, NotFound | NotPermitted>
  /** A new revision; instances already scored keep theirs. */
  readonly updateRiskProfile: (id: RiskProfileId, input: Commands.UpdateRiskProfile, options?: Mutation) => Effect.Effect<RiskProfileDetails, InvalidInput | NotFound | InvalidAction | NotPermitted | Conflict>
  /** Scores no new instance; revisions and past scores stay. */
  readonly deleteRiskProfile: (id: RiskProfileId, options?: Mutation) => Effect.Effect<RiskProfileDetails, NotFound | InvalidAction | NotPermitted | InvalidInput | Conflict>

  // The audit log (account tokens only)
  /** A page of the account's audit events, newest first by default. */
  readonly listAuditEvents: (request: Commands.ListAuditEvents) => Effect.Effect<Paged<AuditEvent>, InvalidInput | NotPermitted>
  /** Recomputes the account's hash chain (`Audit.verify`) and names the first event that does not match. */
  readonly verifyAuditChain: () => Effect.Effect<Verification, NotPermitted>

  // Masking (account tokens only)
  /** The account's masking policy: the empty policy (nothing masked) until one is set. */
  readonly getMaskingPolicy: () => Effect.Effect<MaskingPolicy, NotPermitted>
  /**
   * Replaces the account's masking policy; spans recorded from then on are masked by it (in this
   * process at once, in others within `MaskingCache.defaultTtl`). Spans already stored stay as they are.
   */
  readonly updateMaskingPolicy: (input: UpdateMaskingPolicy, options?: Mutation) => Effect.Effect<MaskingPolicy, InvalidInput | NotPermitted | Conflict>
}

export class Ledger extends Context.Tag("@agentledger/domain/Ledger")<Ledger, {
  /** A new account with the default environments and a one-time account token. */
  readonly createAccount: (input: { readonly name: string; readonly secret?: string | undefined }) => Effect.Effect<CreatedAccount, InvalidInput | Conflict>
  /**
   * `createAccount` once per idempotency key of the operator: a retry with the key answers the
   * account the first call opened (its secret null), a retry with another name is a conflict.
   */
  readonly openAccount: (input: { readonly name: string }, options?: Mutation) => Effect.Effect<OpenedAccount, InvalidInput | Conflict>
  /** On an empty store, what `createAccount` does; otherwise nothing. */
  readonly bootstrap: (input: { readonly name: string; readonly secret?: string | undefined }) => Effect.Effect<CreatedAccount | null, InvalidInput | Conflict>
  /** The session of the token with this secret. */
  readonly authenticate: (secret: string) => Effect.Effect<LedgerSession, Unauthenticated>
  /**
   * One pass of the retention job: for each account with a policy, deletes the runs it selects
   * in bounded units of work (`batchRuns` runs each), taking the account's named turn so two
   * servers on one store delete each run once, and records the pass in the audit log.
   */
  readonly sweepRetention: (options?: { readonly batchRuns?: number | undefined }) => Effect.Effect<Retention.RetentionSweep>
}>() {}
