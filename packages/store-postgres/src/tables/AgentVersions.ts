/** The `agent_versions` table: a version as a row and back (never updated). */
import { AgentVersion, Ids } from "@agentledger/domain"
import * as Columns from "./Columns.js"

export const table = "agent_versions"

export const columns = [
  "account_id",
  "id",
  "agent_id",
  "sequence",
  "external_identifier",
  "name",
  "description",
  "agent_schema_version_id",
  "runtime_environment",
  "fingerprint",
  "inserted_at",
  "updated_at"
] as const

export const toRow = (version: AgentVersion.AgentVersion): Columns.RowOf<(typeof columns)[number]> => ({
  account_id: version.account_id,
  id: version.id,
  agent_id: version.agent_id,
  sequence: version.sequence,
  external_identifier: version.external_identifier,
  name: version.name,
  description: version.description,
  agent_schema_version_id: version.agent_schema_version_id,
  runtime_environment: JSON.stringify(version.runtime_environment),
  fingerprint: version.fingerprint,
  inserted_at: Columns.toTimestamp(version.inserted_at),
  updated_at: Columns.toTimestamp(version.updated_at)
})

export const fromRow = (row: Columns.Row): AgentVersion.AgentVersion =>
  new AgentVersion.AgentVersion({
    id: Columns.id(Ids.AgentVersionId)(row, "id"),
    account_id: Columns.id(Ids.AccountId)(row, "account_id"),
    agent_id: Columns.id(Ids.AgentId)(row, "agent_id"),
    sequence: Columns.integer(row, "sequence"),
    external_identifier: Columns.textOrNull(row, "external_identifier"),
    name: Columns.textOrNull(row, "name"),
    description: Columns.textOrNull(row, "description"),
    agent_schema_version_id: Columns.id(Ids.SchemaVersionId)(row, "agent_schema_version_id"),
    runtime_environment: Columns.json(row, "runtime_environment", AgentVersion.RuntimeEnvironment),
    fingerprint: Columns.text(row, "fingerprint"),
    inserted_at: Columns.time(row, "inserted_at"),
    updated_at: Columns.time(row, "updated_at")
  }, true)
