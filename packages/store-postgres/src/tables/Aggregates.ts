/**
 * The aggregate reads of the store port on PostgreSQL: their rows' decoders. Each aggregate is
 * one GROUP BY (or join) limited to a page's ids (the overview's, to a window of runs), so a page
 * of agents or versions costs the same number of statements whatever the agent has accumulated.
 */
import { type Activity, Agent, Ids, type Overview, Risk, Status, type Usage } from "@agentledger/domain"
import * as Columns from "./Columns.js"
import * as Deployments from "./Deployments.js"

const agentId = Columns.id(Ids.AgentId)

export const statusTally = (row: Columns.Row): Usage.StatusTally => ({
  agent_id: agentId(row, "agent_id"),
  status: Columns.literal(row, "status", Status.Status),
  count: Columns.integer(row, "count")
})

export const agentTally = (row: Columns.Row): Usage.AgentTally => ({
  agent_id: agentId(row, "agent_id"),
  count: Columns.integer(row, "count")
})

export const identifierTally = (row: Columns.Row): Usage.IdentifierTally => ({
  agent_id: agentId(row, "agent_id"),
  external_identifier: Columns.textOrNull(row, "external_identifier"),
  count: Columns.integer(row, "count")
})

/** A deployment's row with the schema version of its current version (`schema_version_of`). */
export const schemaDeployment = (row: Columns.Row): Usage.SchemaDeployment => ({
  deployment: Deployments.fromRow(row),
  agent_schema_version_id: Columns.id(Ids.SchemaVersionId)(row, "schema_version_of")
})

export const spanTally = (row: Columns.Row): Risk.SpanTally => ({
  schema_name: Columns.text(row, "schema_name"),
  status: Columns.text(row, "status"),
  span_count: Columns.integer(row, "span_count"),
  points: Columns.integer(row, "points")
})

/** An agent beside one (status, risk level, flagged) cell of its runs; `run_status` is null for an agent without runs. */
export const overviewRow = (row: Columns.Row): Overview.OverviewRow => ({
  agent_id: agentId(row, "agent_id"),
  name: Columns.text(row, "name"),
  status: Columns.literal(row, "status", Agent.AgentStatus),
  last_run_at: Columns.timeOrNull(row, "last_run_at"),
  cell: Columns.textOrNull(row, "run_status") === null ? null : {
    status: Columns.literal(row, "run_status", Status.Status),
    risk_level: Columns.textOrNull(row, "risk_level") === null ? null : Columns.literal(row, "risk_level", Risk.RiskLevel),
    flagged: Columns.boolean(row, "flagged"),
    count: Columns.integer(row, "count")
  }
})

/** Spans of one status in one bucket of an activity window (the bucket's index). */
export const activityCell = (row: Columns.Row): Activity.ActivityCell => ({
  bucket: Columns.integer(row, "bucket"),
  status: Columns.literal(row, "status", Status.Status),
  count: Columns.integer(row, "count")
})
