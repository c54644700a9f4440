/**
 * The whole in-memory store: the accounts, one account's tables, and the two global indexes
 * (tokens by secret hash, held across accounts as PostgreSQL's unique index is; the named turns
 * of `StoreTx.exclusive`).
 */
import {
  type Account,
  type Audit,
  type Agent,
  type AgentVersion,
  type ApiToken,
  type Deployment,
  Environment,
  type IdempotencyRecord,
  type Ids,
  type Instance,
  type Retention,
  type MaskingPolicy,
  type RiskProfile,
  type SchemaVersion,
  type Span,
  type StoreTx
} from "@agentledger/domain"
import { Mutex } from "./Mutex.js"
import { type Journal, Table } from "./Table.js"

/** One account's tables, and the state of the unit of work that holds it. */
export interface AccountData {
  readonly lock: Mutex
  readonly environments: Table<Ids.EnvironmentId, Environment.Environment>
  readonly tokens: Table<Ids.ApiTokenId, ApiToken.ApiToken>
  readonly agents: Table<Ids.AgentId, Agent.Agent>
  readonly schemaVersions: Table<Ids.SchemaVersionId, SchemaVersion.SchemaVersion>
  readonly versions: Table<Ids.AgentVersionId, AgentVersion.AgentVersion>
  readonly deployments: Table<Ids.DeploymentId, Deployment.Deployment>
  readonly history: Map<Ids.DeploymentId, Array<Deployment.DeploymentHistoryEntry>>
  readonly instances: Table<Ids.InstanceId, Instance.Instance>
  readonly spans: Table<Ids.SpanId, Span.Span>
  /** Span ids per instance, in creation order: the timeline's source. */
  readonly spansOf: Map<Ids.InstanceId, Array<Ids.SpanId>>
  readonly profiles: Table<Ids.RiskProfileId, RiskProfile.RiskProfile>
  readonly revisions: Table<Ids.RiskProfileRevisionId, RiskProfile.RiskProfileRevision>
  /** The audit log, in sequence order (event n at index n - 1). */
  readonly audit: Array<Audit.AuditEvent>
  /** Records by `idempotencyName`, in the order they were written. */
  readonly idempotency: Map<string, IdempotencyRecord>
  /** The account's retention policy, once it set one. */
  retention: Retention.RetentionPolicy | null
  /** The account's masking policy; null until it sets one. */
  maskingPolicy: MaskingPolicy.MaskingPolicy | null
  /** The undo log of the unit of work holding the lock; null during a read. */
  undo: Array<() => void> | null
  /** Releases of the named turns (`StoreTx.exclusive`) the unit of work holding the lock took. */
  readonly turns: Array<() => void>
  /** The account's StoreTx, built once: units of work only swap the undo log. */
  tx: StoreTx | undefined
}

/** A schema version's or a version's unique keys: one per (agent, fingerprint) and per (agent, sequence). */
const versionKeys = (row: { readonly agent_id: string; readonly fingerprint: string; readonly sequence: number }) => [
  `fingerprint:${row.agent_id}:${row.fingerprint}`,
  `sequence:${row.agent_id}:${row.sequence}`
]

const newAccountData = (): AccountData => ({
  lock: new Mutex(),
  environments: new Table("environment", (row) => [`name:${Environment.environmentNameKey(row.name)}`]),
  tokens: new Table("api_token"),
  agents: new Table("agent", (row) => (row.external_identifier === null ? [] : [`external_identifier:${row.external_identifier}`])),
  schemaVersions: new Table<Ids.SchemaVersionId, SchemaVersion.SchemaVersion>("agent_schema_version", versionKeys),
  versions: new Table<Ids.AgentVersionId, AgentVersion.AgentVersion>("agent_version", versionKeys),
  deployments: new Table("agent_deployment", (row) => [`agent_environment:${row.agent_id}:${row.environment_id}`]),
  history: new Map(),
  instances: new Table("agent_instance"),
  spans: new Table("agent_span"),
  spansOf: new Map(),
  profiles: new Table("risk_profile"),
  revisions: new Table("risk_profile_revision", (row) => [`revision:${row.risk_profile_id}:${row.revision}`]),
  audit: [],
  idempotency: new Map(),
  retention: null,
  maskingPolicy: null,
  undo: null,
  turns: [],
  tx: undefined
})

/** The whole store: every account's data, and the two global indexes. */
export interface MemoryState {
  readonly accounts: Map<Ids.AccountId, Account.Account>
  readonly tokensByHash: Map<string, ApiToken.ApiToken>
  readonly data: Map<Ids.AccountId, AccountData>
  /** The named turns of `StoreTx.exclusive` someone holds or awaits. */
  readonly turns: Map<string, Mutex>
}

export const makeState = (): MemoryState => ({ accounts: new Map(), tokensByHash: new Map(), data: new Map(), turns: new Map() })

/** The account's data, created empty on first use. */
export const dataOf = (state: MemoryState, account: Ids.AccountId): AccountData => {
  const existing = state.data.get(account)
  if (existing !== undefined) return existing
  const created = newAccountData()
  state.data.set(account, created)
  return created
}

/** A key is its principal's: the map is keyed by both (JSON, so no text of one can pose as the other). */
export const idempotencyName = (principal: string, key: string): string => JSON.stringify([principal, key])

/** One account as a unit of work sees it: its data, and the journal its writes go to. */
export interface Scope {
  readonly state: MemoryState
  readonly account: Ids.AccountId
  readonly data: AccountData
  readonly journal: Journal
}
