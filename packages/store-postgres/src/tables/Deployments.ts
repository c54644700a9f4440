/** The `agent_deployments` table: a deployment as a row and back. */
import { Deployment, Ids } from "@agentledger/domain"
import * as Columns from "./Columns.js"

export const table = "agent_deployments"

export const columns = ["account_id", "id", "agent_id", "environment_id", "current_version_id", "inserted_at", "updated_at"] as const

export const toRow = (deployment: Deployment.Deployment): Columns.RowOf<(typeof columns)[number]> => ({
  account_id: deployment.account_id,
  id: deployment.id,
  agent_id: deployment.agent_id,
  environment_id: deployment.environment_id,
  current_version_id: deployment.current_version_id,
  inserted_at: Columns.toTimestamp(deployment.inserted_at),
  updated_at: Columns.toTimestamp(deployment.updated_at)
})

/** The columns an update writes: a deployment only moves its pointer. */
export const changes = (deployment: Deployment.Deployment) => ({
  current_version_id: deployment.current_version_id,
  updated_at: Columns.toTimestamp(deployment.updated_at)
})

export const fromRow = (row: Columns.Row): Deployment.Deployment =>
  new Deployment.Deployment({
    id: Columns.id(Ids.DeploymentId)(row, "id"),
    account_id: Columns.id(Ids.AccountId)(row, "account_id"),
    agent_id: Columns.id(Ids.AgentId)(row, "agent_id"),
    environment_id: Columns.id(Ids.EnvironmentId)(row, "environment_id"),
    current_version_id: Columns.idOrNull(Ids.AgentVersionId)(row, "current_version_id"),
    inserted_at: Columns.time(row, "inserted_at"),
    updated_at: Columns.time(row, "updated_at")
  }, true)
