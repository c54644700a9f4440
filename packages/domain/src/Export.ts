/**
 * Evidence export: what the document of one run holds — everything an auditor needs to judge the
 * run without asking the ledger again — and the rules of the two exports (one run; an agent's
 * runs in a range of time). How the document is written and verified is `ExportDocument.ts`.
 *
 * The document (`Contents`) holds the run, its agent, its version, its schema version with the
 * span types' definitions, its environment, its deployment with the version its pointer named
 * when the run registered (`DeploymentAtRun`, read off the deployment's history), the risk
 * profile revision the run was scored with and its risk report, the spans as a tree in timeline
 * order (each with its depth), when and by whom it was exported, and where the account's audit
 * chain stood (`ChainPosition`): the event that records the export comes after that position.
 *
 * Records are written as the domain's schemas encode them, so amounts are the ledger's exact
 * integer hundredths (the HTTP API shows them divided by 100, as points).
 */
import { DateTime, Either, Schema } from "effect"
import { Agent } from "./Agent.js"
import { AgentVersion } from "./AgentVersion.js"
import { Actor, ChainHead, genesisHash } from "./Audit.js"
import { Deployment, DeploymentHistoryEntry } from "./Deployment.js"
import { Environment } from "./Environment.js"
import { InvalidInput } from "./Errors.js"
import { AgentId, AgentVersionId } from "./Ids.js"
import { Instance } from "./Instance.js"
import type { InstanceFilter } from "./InstanceQuery.js"
import { RiskReport } from "./Ledger.js"
import { RiskProfileRevision } from "./RiskProfile.js"
import { SchemaVersion } from "./SchemaVersion.js"
import { Span } from "./Span.js"
import { Timestamp } from "./Timestamp.js"

/** The version of the document's shape; a change to what it holds is a new version. */
export const format = "agentledger.evidence/1"

/**
 * How much one read of an export takes: the places of 2,000 spans (four small fields each) to
 * order the run, 200 whole spans to write (the memory an export holds besides the order), the ids
 * of 500 runs of an agent's range.
 */
export const pages = { places: 2000, spans: 200, runs: 500 } as const

/** Where an account's audit chain stood: its last event's sequence and hash (`chainStart` before any). */
export const ChainPosition = ChainHead
export type ChainPosition = ChainHead

/** The chain's position before an account's first event. */
export const chainStart: ChainPosition = { sequence: 0, hash: genesisHash }

/**
 * The run's deployment and what its pointer named when the run registered: the version of the
 * move of the pointer in force then (`moved_by`, see `moveInForce`), null when it had named none
 * yet.
 */
export const DeploymentAtRun = Schema.Struct({
  record: Deployment,
  version_at_registration: Schema.NullOr(AgentVersionId),
  moved_by: Schema.NullOr(DeploymentHistoryEntry)
}).annotations({ identifier: "DeploymentAtRun" })
export type DeploymentAtRun = typeof DeploymentAtRun.Type

/** Everything the document holds but its spans. Every key sorts before `spans`, which is written last. */
export const Head = Schema.Struct({
  agent: Agent,
  agent_version: AgentVersion,
  chain: ChainPosition,
  deployment: Schema.NullOr(DeploymentAtRun),
  environment: Environment,
  exported_at: Schema.DateTimeUtc,
  exported_by: Actor,
  format: Schema.Literal(format),
  risk: Schema.NullOr(RiskReport),
  risk_profile_revision: Schema.NullOr(RiskProfileRevision),
  run: Instance,
  schema_version: SchemaVersion
}).annotations({ identifier: "ExportHead" })
export type Head = typeof Head.Type

/** One span of the tree, in timeline order: its depth (0 for a root) and the span, payloads and conformance errors included. */
export const Entry = Schema.Struct({ depth: Schema.Int, span: Span }).annotations({ identifier: "ExportEntry" })
export type Entry = typeof Entry.Type

/** The document of one run: `export` in `{"export": …, "sha256": …}`. */
export const Contents = Schema.Struct({ ...Head.fields, spans: Schema.Array(Entry) }).annotations({ identifier: "ExportContents" })
export type Contents = typeof Contents.Type

/**
 * The pointer's move in force when the run registered. A run that moved the pointer is named by
 * the history entry of that move, which is then exact. Otherwise it is the last move at or before
 * the registration (`inserted_at`; a history is oldest first): to the millisecond, so a move by
 * another unit of work in the registration's own millisecond counts as before it.
 */
export const moveInForce = (
  history: ReadonlyArray<DeploymentHistoryEntry>,
  run: Pick<Instance, "id" | "inserted_at">
): DeploymentHistoryEntry | null => {
  let found: DeploymentHistoryEntry | null = null
  for (const entry of history) {
    if (entry.agent_instance_id === run.id) return entry
    if (DateTime.lessThanOrEqualTo(entry.changed_at, run.inserted_at)) found = entry
  }
  return found
}

/** The run's deployment as it stood when the run registered. */
export const deploymentAtRun = (
  deployment: Deployment,
  history: ReadonlyArray<DeploymentHistoryEntry>,
  run: Pick<Instance, "id" | "inserted_at">
): DeploymentAtRun => {
  const moved = moveInForce(history, run)
  return { record: deployment, version_at_registration: moved?.to_version_id ?? null, moved_by: moved }
}

/** The runs of an agent's export: those whose start (`InstanceQuery.runStart`) is in `[started_after, started_before)`. */
export const RunRange = Schema.Struct({
  started_after: Schema.optional(Timestamp),
  started_before: Schema.optional(Timestamp)
}).annotations({ identifier: "RunRange" })
export type RunRange = typeof RunRange.Type

/** A range whose end precedes its start is refused, as asked, rather than answered with nothing. */
export const checkRange = (range: RunRange): Either.Either<RunRange, InvalidInput> =>
  range.started_after !== undefined && range.started_before !== undefined &&
    DateTime.lessThan(range.started_before, range.started_after)
    ? Either.left(InvalidInput.field("started_before", "must not precede started_after"))
    : Either.right(range)

/** The runs an agent's export holds, as a run list filters them. */
export const rangeFilter = (agent: AgentId, range: RunRange): InstanceFilter => ({
  agent_id: agent,
  started_after: range.started_after === undefined ? undefined : DateTime.toEpochMillis(range.started_after),
  started_before: range.started_before === undefined ? undefined : DateTime.toEpochMillis(range.started_before)
})

/** The audit action of both exports; `entity` is the run (one run) or null (an agent's runs). */
export const action = "agent_instance.export"

/** The `after` of the audit event of one run's export: the document's hash and the chain position it carries. */
export const runExported = (sha256: string, chain: ChainPosition) => ({
  format,
  kind: "run" as const,
  sha256,
  chain: { sequence: chain.sequence, hash: chain.hash }
})

/**
 * The `after` of the audit event of an agent's export: the range, how many lines (runs) were
 * written, the SHA-256 of those lines exactly as written (newlines included), the chain's head
 * when the stream began (each line carries its own, at or after it), and whether the stream
 * reached its end (`complete`: false when the client went away or a read failed part way).
 */
export const runsExported = (args: {
  readonly agent_id: AgentId
  readonly range: RunRange
  readonly runs: number
  readonly sha256: string
  readonly chain: ChainPosition
  readonly complete: boolean
}) => ({
  format,
  kind: "agent_runs" as const,
  agent_id: args.agent_id,
  started_after: args.range.started_after === undefined ? null : DateTime.formatIso(args.range.started_after),
  started_before: args.range.started_before === undefined ? null : DateTime.formatIso(args.range.started_before),
  runs: args.runs,
  sha256: args.sha256,
  chain: { sequence: args.chain.sequence, hash: args.chain.hash },
  complete: args.complete
})
