/**
 * The aggregate reads of the store port, over the in-memory rows: what PostgreSQL answers with
 * GROUP BY and joins limited to a page's ids (or, for the overview, to a window of runs), counted
 * here by one pass over the rows.
 */
import {
  type Agent,
  type Deployment,
  type Ids,
  type IdentifierPair,
  type Instance,
  InstanceQuery,
  type Overview,
  type Risk,
  type Span,
  type Status,
  type Usage
} from "@agentledger/domain"

const pairKey = (agent: string, identifier: string | null) => JSON.stringify([agent, identifier])

/** Runs of these agents by (agent, status). */
export const instanceTallies = (
  rows: Iterable<{ readonly agent_id: Ids.AgentId; readonly status: Status.Status }>,
  agents: ReadonlyArray<Ids.AgentId>
): ReadonlyArray<Usage.StatusTally> => {
  const wanted = new Set<string>(agents)
  const counts = new Map<string, Usage.StatusTally>()
  for (const row of rows) {
    if (!wanted.has(row.agent_id)) continue
    const key = pairKey(row.agent_id, row.status)
    counts.set(key, { agent_id: row.agent_id, status: row.status, count: (counts.get(key)?.count ?? 0) + 1 })
  }
  return [...counts.values()]
}

/** Records of these agents by agent. */
export const agentTallies = (
  rows: Iterable<{ readonly agent_id: Ids.AgentId }>,
  agents: ReadonlyArray<Ids.AgentId>
): ReadonlyArray<Usage.AgentTally> => {
  const wanted = new Set<string>(agents)
  const counts = new Map<Ids.AgentId, number>()
  for (const row of rows) if (wanted.has(row.agent_id)) counts.set(row.agent_id, (counts.get(row.agent_id) ?? 0) + 1)
  return [...counts].map(([agent_id, count]) => ({ agent_id, count }))
}

/** Records carrying each of these (agent, external identifier) pairs. */
export const identifierTallies = (
  rows: Iterable<{ readonly agent_id: Ids.AgentId; readonly external_identifier: string | null }>,
  pairs: ReadonlyArray<IdentifierPair>
): ReadonlyArray<Usage.IdentifierTally> => {
  const counts = new Map<string, Usage.IdentifierTally>()
  for (const pair of pairs) counts.set(pairKey(pair.agent_id, pair.external_identifier), { ...pair, count: 0 })
  for (const row of rows) {
    const key = pairKey(row.agent_id, row.external_identifier)
    const tally = counts.get(key)
    if (tally !== undefined) counts.set(key, { ...tally, count: tally.count + 1 })
  }
  return [...counts.values()].filter((tally) => tally.count > 0)
}

/** Deployments whose current version belongs to one of these schema versions. */
export const pointingAtSchemas = (
  deployments: Iterable<Deployment.Deployment>,
  schemaOf: (version: Ids.AgentVersionId) => Ids.SchemaVersionId | undefined,
  schemaVersions: ReadonlyArray<Ids.SchemaVersionId>
): ReadonlyArray<Usage.SchemaDeployment> => {
  const wanted = new Set<string>(schemaVersions)
  const out: Array<Usage.SchemaDeployment> = []
  for (const deployment of deployments) {
    if (deployment.current_version_id === null) continue
    const schema = schemaOf(deployment.current_version_id)
    if (schema !== undefined && wanted.has(schema)) out.push({ deployment, agent_schema_version_id: schema })
  }
  return out
}

/** A run's spans by (type, status), with their points. */
export const spanTallies = (spans: Iterable<Span.Span>): ReadonlyArray<Risk.SpanTally> => {
  const counts = new Map<string, Risk.SpanTally>()
  for (const span of spans) {
    const key = pairKey(span.schema_name, span.status)
    const tally = counts.get(key)
    counts.set(key, {
      schema_name: span.schema_name,
      status: span.status,
      span_count: (tally?.span_count ?? 0) + 1,
      points: (tally?.points ?? 0) + span.risk_points
    })
  }
  return [...counts.values()]
}

/** Every agent (the filter's one, when it names one) with the runs it keeps by (status, level, flagged). */
export const overviewRows = (
  agents: Iterable<Agent.Agent>,
  runs: Iterable<Instance.Instance>,
  filter: InstanceQuery.InstanceFilter
): ReadonlyArray<Overview.OverviewRow> => {
  const keeps = InstanceQuery.matches(filter)
  const cells = new Map<Ids.AgentId, Map<string, Overview.RunCell>>()
  for (const run of runs) {
    if (!keeps(run)) continue
    const cell = { status: run.status, risk_level: run.risk?.level ?? null, flagged: InstanceQuery.isFlagged(run) }
    const key = JSON.stringify(cell)
    const ofAgent = cells.get(run.agent_id) ?? new Map<string, Overview.RunCell>()
    ofAgent.set(key, { ...cell, count: (ofAgent.get(key)?.count ?? 0) + 1 })
    cells.set(run.agent_id, ofAgent)
  }
  const out: Array<Overview.OverviewRow> = []
  for (const agent of agents) {
    if (filter.agent_id !== undefined && agent.id !== filter.agent_id) continue
    const row = { agent_id: agent.id, name: agent.name, status: agent.status, last_run_at: agent.last_run_at }
    const ofAgent = [...(cells.get(agent.id)?.values() ?? [])]
    if (ofAgent.length === 0) out.push({ ...row, cell: null })
    for (const cell of ofAgent) out.push({ ...row, cell })
  }
  return out
}
