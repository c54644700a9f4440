/** The `agent_schema_versions` table: a schema version as a row and back (never updated). */
import { ActivitySchema, Conformance, Ids, SchemaVersion } from "@agentledger/domain"
import * as Columns from "./Columns.js"

export const table = "agent_schema_versions"

export const columns = [
  "account_id",
  "id",
  "agent_id",
  "sequence",
  "external_identifier",
  "span_type_schemas",
  "definition_checks",
  "fingerprint",
  "inserted_at",
  "updated_at"
] as const

export const toRow = (version: SchemaVersion.SchemaVersion): Columns.RowOf<(typeof columns)[number]> => ({
  account_id: version.account_id,
  id: version.id,
  agent_id: version.agent_id,
  sequence: version.sequence,
  external_identifier: version.external_identifier,
  span_type_schemas: JSON.stringify(version.span_type_schemas),
  definition_checks: JSON.stringify(version.definition_checks),
  fingerprint: version.fingerprint,
  inserted_at: Columns.toTimestamp(version.inserted_at),
  updated_at: Columns.toTimestamp(version.updated_at)
})

export const fromRow = (row: Columns.Row): SchemaVersion.SchemaVersion =>
  new SchemaVersion.SchemaVersion({
    id: Columns.id(Ids.SchemaVersionId)(row, "id"),
    account_id: Columns.id(Ids.AccountId)(row, "account_id"),
    agent_id: Columns.id(Ids.AgentId)(row, "agent_id"),
    sequence: Columns.integer(row, "sequence"),
    external_identifier: Columns.textOrNull(row, "external_identifier"),
    span_type_schemas: Columns.json(row, "span_type_schemas", ActivitySchema.SpanTypeDefinitions),
    definition_checks: Columns.json(row, "definition_checks", Conformance.DefinitionChecks),
    fingerprint: Columns.text(row, "fingerprint"),
    inserted_at: Columns.time(row, "inserted_at"),
    updated_at: Columns.time(row, "updated_at")
  }, true)
