/**
 * What a page of agents or versions shows beside each record, decided from aggregates the store
 * computes for that page only (counts by status, identifier counts, the deployments on the
 * page's versions): a page costs a constant number of statements, however many deployments,
 * versions and runs the agent has.
 *
 * The rules are the ones a view of every record would apply (`Agent.availableActions`,
 * `AgentVersion.identifierRepeats`, `Deployment.currentRefs`); these functions apply them to the
 * aggregates, so both readings give the same answer.
 */
import { Schema } from "effect"
import { type Agent, availableActions, AvailableActions } from "./Agent.js"
import { type Deployment, DeploymentRef } from "./Deployment.js"
import type { AgentId, AgentVersionId, SchemaVersionId } from "./Ids.js"
import { countsOf, type Status, StatusCounts } from "./Status.js"

/** An agent's available actions and its runs by status. */
export const AgentUsage = Schema.Struct({
  available_actions: AvailableActions,
  instance_counts: StatusCounts
}).annotations({ identifier: "AgentUsage" })
export type AgentUsage = typeof AgentUsage.Type

/** A version's (or schema version's) deployments and how often its identifier repeats. */
export const VersionUsage = Schema.Struct({
  current_agent_deployment_refs: Schema.Array(DeploymentRef),
  external_identifier_repeats: Schema.Int
}).annotations({ identifier: "VersionUsage" })
export type VersionUsage = typeof VersionUsage.Type

/** How many runs of an agent are in one status (a store's GROUP BY row). */
export interface StatusTally {
  readonly agent_id: AgentId
  readonly status: Status
  readonly count: number
}

/** How many records of an agent there are (a store's GROUP BY row). */
export interface AgentTally {
  readonly agent_id: AgentId
  readonly count: number
}

/** How many versions of an agent carry one external identifier (null included). */
export interface IdentifierTally {
  readonly agent_id: AgentId
  readonly external_identifier: string | null
  readonly count: number
}

/** A deployment whose current version belongs to a schema version. */
export interface SchemaDeployment {
  readonly deployment: Deployment
  readonly agent_schema_version_id: SchemaVersionId
}

/** Each agent's usage from its runs by status and its deployment count; in the agents' order. */
export const agentUsages = (
  agents: ReadonlyArray<Agent>,
  runs: ReadonlyArray<StatusTally>,
  deployments: ReadonlyArray<AgentTally>
): ReadonlyArray<AgentUsage> => {
  const runsOf = new Map<string, Map<Status, number>>()
  for (const tally of runs) {
    const byStatus = runsOf.get(tally.agent_id) ?? new Map<Status, number>()
    byStatus.set(tally.status, (byStatus.get(tally.status) ?? 0) + tally.count)
    runsOf.set(tally.agent_id, byStatus)
  }
  const deploymentsOf = new Map<string, number>()
  for (const tally of deployments) deploymentsOf.set(tally.agent_id, (deploymentsOf.get(tally.agent_id) ?? 0) + tally.count)
  return agents.map((agent) => {
    const byStatus = runsOf.get(agent.id)
    const instance_counts = countsOf((status) => byStatus?.get(status) ?? 0)
    return {
      available_actions: availableActions(agent, { instances: instance_counts.total, deployments: deploymentsOf.get(agent.id) ?? 0 }),
      instance_counts
    }
  })
}

const identifierKey = (agent: string, identifier: string | null) => JSON.stringify([agent, identifier])

/** The repeats of each record's identifier, from the tallies of the identifiers on the page. */
const repeatsOf = (tallies: ReadonlyArray<IdentifierTally>) => {
  const counts = new Map<string, number>()
  for (const tally of tallies) counts.set(identifierKey(tally.agent_id, tally.external_identifier), tally.count)
  return (record: { readonly agent_id: AgentId; readonly external_identifier: string | null }) =>
    counts.get(identifierKey(record.agent_id, record.external_identifier)) ?? 0
}

/** The (agent, identifier) pairs a page needs tallied, each once. */
export const identifiersOf = (
  records: ReadonlyArray<{ readonly agent_id: AgentId; readonly external_identifier: string | null }>
): ReadonlyArray<{ readonly agent_id: AgentId; readonly external_identifier: string | null }> => {
  const seen = new Map<string, { readonly agent_id: AgentId; readonly external_identifier: string | null }>()
  for (const record of records) {
    seen.set(identifierKey(record.agent_id, record.external_identifier), { agent_id: record.agent_id, external_identifier: record.external_identifier })
  }
  return [...seen.values()]
}

const refOf = (deployment: Deployment): DeploymentRef => ({ agent_deployment_id: deployment.id, environment_id: deployment.environment_id })

/** Refs are listed as the deployment list lists them: newest id first. */
const newestFirst = <A>(items: ReadonlyArray<A>, idOf: (item: A) => string): ReadonlyArray<A> =>
  [...items].sort((a, b) => (idOf(a) < idOf(b) ? 1 : idOf(a) > idOf(b) ? -1 : 0))

/** Each version's usage from the deployments on the page's versions; in the versions' order. */
export const versionUsages = (
  versions: ReadonlyArray<{ readonly id: AgentVersionId; readonly agent_id: AgentId; readonly external_identifier: string | null }>,
  deployments: ReadonlyArray<Deployment>,
  identifiers: ReadonlyArray<IdentifierTally>
): ReadonlyArray<VersionUsage> => {
  const repeats = repeatsOf(identifiers)
  const ordered = newestFirst(deployments, (d) => d.id)
  return versions.map((version) => ({
    current_agent_deployment_refs: ordered.filter((d) => d.current_version_id === version.id).map(refOf),
    external_identifier_repeats: repeats(version)
  }))
}

/** Each schema version's usage from the deployments whose current version uses one of the page's. */
export const schemaVersionUsages = (
  schemaVersions: ReadonlyArray<{ readonly id: SchemaVersionId; readonly agent_id: AgentId; readonly external_identifier: string | null }>,
  deployments: ReadonlyArray<SchemaDeployment>,
  identifiers: ReadonlyArray<IdentifierTally>
): ReadonlyArray<VersionUsage> => {
  const repeats = repeatsOf(identifiers)
  const ordered = newestFirst(deployments, (d) => d.deployment.id)
  return schemaVersions.map((schemaVersion) => ({
    current_agent_deployment_refs: ordered
      .filter((d) => d.agent_schema_version_id === schemaVersion.id && d.deployment.current_version_id !== null)
      .map((d) => refOf(d.deployment)),
    external_identifier_repeats: repeats(schemaVersion)
  }))
}
