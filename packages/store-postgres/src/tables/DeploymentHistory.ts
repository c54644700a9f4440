/**
 * The `deployment_history` table: a deployment's pointer moves as rows and back, with who moved
 * it (the actor's columns, and the run whose registration did). The row's `position` (its order
 * within the deployment) is the database's to number, so it is not part of what a caller writes.
 */
import { Deployment, Ids } from "@agentledger/domain"
import * as Actors from "./Actors.js"
import * as Columns from "./Columns.js"

export const table = "deployment_history"

export const columns = [
  "account_id",
  "agent_deployment_id",
  "from_version_id",
  "to_version_id",
  "cause",
  "changed_at",
  "actor_type",
  "actor_id",
  "actor_scope",
  "agent_instance_id"
] as const

const actorColumns = { type: "actor_type", id: "actor_id", scope: "actor_scope" } as const

export const toRow = (entry: Deployment.DeploymentHistoryEntry): Columns.RowOf<(typeof columns)[number]> => {
  const actor = Actors.values(entry.actor)
  return {
    account_id: entry.account_id,
    agent_deployment_id: entry.agent_deployment_id,
    from_version_id: entry.from_version_id,
    to_version_id: entry.to_version_id,
    cause: entry.cause,
    changed_at: Columns.toTimestamp(entry.changed_at),
    actor_type: actor.type,
    actor_id: actor.id,
    actor_scope: actor.scope,
    agent_instance_id: entry.agent_instance_id
  }
}

export const fromRow = (row: Columns.Row): Deployment.DeploymentHistoryEntry =>
  new Deployment.DeploymentHistoryEntry({
    account_id: Columns.id(Ids.AccountId)(row, "account_id"),
    agent_deployment_id: Columns.id(Ids.DeploymentId)(row, "agent_deployment_id"),
    from_version_id: Columns.idOrNull(Ids.AgentVersionId)(row, "from_version_id"),
    to_version_id: Columns.idOrNull(Ids.AgentVersionId)(row, "to_version_id"),
    cause: Columns.literal(row, "cause", Deployment.DeploymentCause),
    changed_at: Columns.time(row, "changed_at"),
    actor: Actors.read(row, actorColumns),
    agent_instance_id: Columns.idOrNull(Ids.InstanceId)(row, "agent_instance_id")
  }, true)
