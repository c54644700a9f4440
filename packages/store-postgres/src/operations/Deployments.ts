/** `StoreTx.deployments` on PostgreSQL: deployments, their history, and which point at what. */
import type { StoreTx } from "@agentledger/domain"
import { Effect } from "effect"
import * as Aggregates from "../tables/Aggregates.js"
import * as DeploymentHistory from "../tables/DeploymentHistory.js"
import * as Deployments from "../tables/Deployments.js"
import { insert, list, many, one, type Scope, unguarded, update } from "./Statements.js"

export const deployments = (scope: Scope): StoreTx["deployments"] => {
  const { account, byId, mine, optional, sql } = scope
  return {
    get: (id) => one(sql`SELECT * FROM agent_deployments WHERE ${byId(id)}`, Deployments.fromRow),
    for: (agent, environment) =>
      one(sql`SELECT * FROM agent_deployments WHERE ${mine} AND agent_id = ${agent} AND environment_id = ${environment}`, Deployments.fromRow),
    insert: (row) => insert(scope, Deployments, row),
    update: (row) => unguarded(update(scope, Deployments.table, row.id, Deployments.changes(row))),
    remove: (id) => unguarded(sql`DELETE FROM agent_deployments WHERE ${byId(id)}`),
    list: (filter, query) =>
      list(
        scope,
        Deployments.table,
        sql.and([mine, ...optional("agent_id", filter.agent_id), ...optional("environment_id", filter.environment_id)]),
        query,
        Deployments.fromRow
      ),
    appendHistory: (entry) => {
      const row = DeploymentHistory.toRow(entry)
      // The entry's position follows the deployment's last (its history's primary key orders it).
      return unguarded(
        sql`INSERT INTO deployment_history (account_id, agent_deployment_id, position, from_version_id, to_version_id, cause, changed_at,
                                            actor_type, actor_id, actor_scope, agent_instance_id)
            SELECT ${row.account_id}, ${row.agent_deployment_id}, coalesce(max(position), 0) + 1,
                   ${row.from_version_id}, ${row.to_version_id}, ${row.cause}, ${row.changed_at},
                   ${row.actor_type}, ${row.actor_id}, ${row.actor_scope}, ${row.agent_instance_id}
            FROM deployment_history WHERE account_id = ${row.account_id} AND agent_deployment_id = ${row.agent_deployment_id}`
      )
    },
    history: (id) =>
      many(sql`SELECT * FROM deployment_history WHERE ${mine} AND agent_deployment_id = ${id} ORDER BY position`, DeploymentHistory.fromRow),
    pointingAt: (versions) =>
      versions.length === 0
        ? Effect.succeed([])
        // Narrowed to the versions' agents (a version's deployments are its agent's), so the
        // (account_id, agent_id, …) index serves it and the account's other deployments are not read.
        : many(
          sql`SELECT * FROM agent_deployments WHERE ${mine} AND agent_id IN (
                SELECT agent_id FROM agent_versions WHERE ${mine} AND ${sql.in("id", versions)}
              ) AND ${sql.in("current_version_id", versions)}`,
          Deployments.fromRow
        ),
    pointingAtSchemas: (schemaVersions) =>
      schemaVersions.length === 0
        ? Effect.succeed([])
        : many(
          sql`SELECT d.*, v.agent_schema_version_id AS schema_version_of
              FROM agent_deployments d JOIN agent_versions v ON v.account_id = d.account_id AND v.id = d.current_version_id
              WHERE d.account_id = ${account} AND d.agent_id IN (
                SELECT s.agent_id FROM agent_schema_versions s WHERE s.account_id = ${account} AND ${sql.in("s.id", schemaVersions)}
              ) AND ${sql.in("v.agent_schema_version_id", schemaVersions)}`,
          Aggregates.schemaDeployment
        )
  }
}
