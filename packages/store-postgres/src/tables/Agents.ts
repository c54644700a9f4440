/** The `agents` table: an agent as a row and back. */
import { Agent, Ids } from "@agentledger/domain"
import * as Columns from "./Columns.js"

export const table = "agents"

export const columns = [
  "account_id",
  "id",
  "name",
  "description",
  "external_identifier",
  "status",
  "risk_profile_id",
  "last_run_at",
  "inserted_at",
  "updated_at"
] as const

export const toRow = (agent: Agent.Agent): Columns.RowOf<(typeof columns)[number]> => ({
  account_id: agent.account_id,
  id: agent.id,
  name: agent.name,
  description: agent.description,
  external_identifier: agent.external_identifier,
  status: agent.status,
  risk_profile_id: agent.risk_profile_id,
  last_run_at: Columns.toTimestampOrNull(agent.last_run_at),
  inserted_at: Columns.toTimestamp(agent.inserted_at),
  updated_at: Columns.toTimestamp(agent.updated_at)
})

/** The columns an update writes: an agent's external identifier never changes. */
export const changes = (agent: Agent.Agent) => ({
  name: agent.name,
  description: agent.description,
  status: agent.status,
  risk_profile_id: agent.risk_profile_id,
  last_run_at: Columns.toTimestampOrNull(agent.last_run_at),
  updated_at: Columns.toTimestamp(agent.updated_at)
})

export const fromRow = (row: Columns.Row): Agent.Agent =>
  new Agent.Agent({
    id: Columns.id(Ids.AgentId)(row, "id"),
    account_id: Columns.id(Ids.AccountId)(row, "account_id"),
    name: Columns.text(row, "name"),
    description: Columns.textOrNull(row, "description"),
    external_identifier: Columns.textOrNull(row, "external_identifier"),
    status: Columns.literal(row, "status", Agent.AgentStatus),
    risk_profile_id: Columns.idOrNull(Ids.RiskProfileId)(row, "risk_profile_id"),
    last_run_at: Columns.timeOrNull(row, "last_run_at"),
    inserted_at: Columns.time(row, "inserted_at"),
    updated_at: Columns.time(row, "updated_at")
  }, true)
