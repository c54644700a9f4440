/**
 * The overview a reviewer opens first: every agent with its status and its runs since a time,
 * counted by status, by risk level and flagged; the same counts for the whole account; and the
 * newest runs in that time that need attention (`InstanceQuery.needsAttention`).
 *
 * The counts come from one store aggregate, whatever the number of agents: runs grouped by agent,
 * status, level and flag (`OverviewRow`), every agent present even without a run. `summarize`
 * folds those rows; a deployment token's overview is its own agent's alone (the use case asks
 * the store for that agent's rows only).
 */
import { DateTime, Duration, Schema } from "effect"
import { type Agent, AgentStatus, effectiveStatus } from "./Agent.js"
import { AgentId } from "./Ids.js"
import { Instance } from "./Instance.js"
import type { RiskLevel } from "./Risk.js"
import { CountByStatus, noneByStatus, type Status } from "./Status.js"

/** How far back an overview looks when the caller names no time. */
export const defaultWindow: Duration.Duration = Duration.hours(24)

/** How many runs needing attention an overview shows, newest first. */
export const attentionShown = 10

export const RunsByStatus = CountByStatus.annotations({ identifier: "RunsByStatus" })
export type RunsByStatus = typeof RunsByStatus.Type

/** Runs by their current risk level; `none` counts the runs no profile scores. */
export const RunsByRiskLevel = Schema.Struct({
  low: Schema.Int,
  medium: Schema.Int,
  high: Schema.Int,
  critical: Schema.Int,
  none: Schema.Int
}).annotations({ identifier: "RunsByRiskLevel" })
export type RunsByRiskLevel = typeof RunsByRiskLevel.Type

const counts = {
  runs_by_status: RunsByStatus,
  runs_by_risk_level: RunsByRiskLevel,
  /** Runs with at least one span flagged for review. */
  flagged_runs: Schema.Int
}

export const AgentOverview = Schema.Struct({
  agent_id: AgentId,
  name: Schema.String,
  /** As a reader sees it now (`Agent.effectiveStatus`). */
  status: AgentStatus,
  ...counts
}).annotations({ identifier: "AgentOverview" })
export type AgentOverview = typeof AgentOverview.Type

export const Overview = Schema.Struct({
  /** The runs counted are those that took place at or after this time (`InstanceQuery.runStart`). */
  since: Schema.DateTimeUtc,
  /** By name, then id. */
  agents: Schema.Array(AgentOverview),
  ...counts,
  /** The newest runs since `since` that are flagged or at a high or critical level, at most `attentionShown`. */
  recent_attention: Schema.Array(Instance)
}).annotations({ identifier: "Overview" })
export type Overview = typeof Overview.Type

/** Runs of one agent in one cell of (status, risk level, flagged): a row of the store's GROUP BY. */
export interface RunCell {
  readonly status: Status
  /** Null for the runs no profile scores. */
  readonly risk_level: RiskLevel | null
  readonly flagged: boolean
  readonly count: number
}

/** An agent and one cell of its runs; an agent without runs in the window has one row whose cell is null. */
export interface OverviewRow {
  readonly agent_id: AgentId
  readonly name: string
  /** As stored (`effectiveStatus` is read at `now`). */
  readonly status: Agent["status"]
  readonly last_run_at: DateTime.Utc | null
  readonly cell: RunCell | null
}

const noRunsByStatus: RunsByStatus = noneByStatus
const noRunsByRiskLevel: RunsByRiskLevel = { low: 0, medium: 0, high: 0, critical: 0, none: 0 }

type Counts = Pick<AgentOverview, "runs_by_status" | "runs_by_risk_level" | "flagged_runs">

const nothingCounted: Counts = { runs_by_status: noRunsByStatus, runs_by_risk_level: noRunsByRiskLevel, flagged_runs: 0 }

const added = (counts: Counts, cell: RunCell): Counts => {
  const level = cell.risk_level ?? "none"
  return {
    runs_by_status: { ...counts.runs_by_status, [cell.status]: counts.runs_by_status[cell.status] + cell.count },
    runs_by_risk_level: { ...counts.runs_by_risk_level, [level]: counts.runs_by_risk_level[level] + cell.count },
    flagged_runs: counts.flagged_runs + (cell.flagged ? cell.count : 0)
  }
}

const byNameThenId = (a: AgentOverview, b: AgentOverview): number =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : a.agent_id < b.agent_id ? -1 : a.agent_id > b.agent_id ? 1 : 0

/** The overview from the store's rows and the runs needing attention, as read at `now`. */
export const summarize = (
  rows: Iterable<OverviewRow>,
  attention: ReadonlyArray<Instance>,
  since: DateTime.Utc,
  now: DateTime.Utc
): Overview => {
  const agents = new Map<AgentId, AgentOverview>()
  let total = nothingCounted
  for (const row of rows) {
    const agent = agents.get(row.agent_id) ?? {
      agent_id: row.agent_id,
      name: row.name,
      status: effectiveStatus(row, now),
      ...nothingCounted
    }
    if (row.cell === null) {
      agents.set(row.agent_id, agent)
      continue
    }
    agents.set(row.agent_id, { ...agent, ...added(agent, row.cell) })
    total = added(total, row.cell)
  }
  return {
    since,
    agents: [...agents.values()].sort(byNameThenId),
    ...total,
    recent_attention: attention.slice(0, attentionShown)
  }
}

/** The start of the window an overview request names, or of the default one ending `now`. */
export const sinceOf = (request: { readonly since?: DateTime.Utc | undefined }, now: DateTime.Utc): DateTime.Utc =>
  request.since ?? DateTime.subtractDuration(now, defaultWindow)
