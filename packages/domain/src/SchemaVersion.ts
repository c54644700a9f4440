/**
 * Schema versions: one agent's activity schema, versioned automatically by content. A register
 * call whose normalized schema has a fingerprint not seen for the agent creates the next
 * version; every definition in it is checked once, when it is created (`valid | invalid` with
 * the compiler's message). Schema versions are immutable.
 */
import { type DateTime, Schema } from "effect"
import { SpanTypeDefinitions } from "./ActivitySchema.js"
import type { ActivitySchema } from "./ActivitySchema.js"
import { DefinitionChecks } from "./Conformance.js"
import { AccountId, AgentId, SchemaVersionId } from "./Ids.js"

export class SchemaVersion extends Schema.Class<SchemaVersion>("SchemaVersion")({
  id: SchemaVersionId,
  account_id: AccountId,
  agent_id: AgentId,
  /** 1, 2, 3… per agent, in order of creation. */
  sequence: Schema.Int,
  external_identifier: Schema.NullOr(Schema.String),
  span_type_schemas: SpanTypeDefinitions,
  definition_checks: DefinitionChecks,
  fingerprint: Schema.String,
  inserted_at: Schema.DateTimeUtc,
  updated_at: Schema.DateTimeUtc
}) {}

/** The canonical schema a version holds, as fingerprinted. */
export const activitySchemaOf = (version: SchemaVersion): ActivitySchema => ({
  external_identifier: version.external_identifier,
  span_type_schemas: version.span_type_schemas
})

/** The next schema version of an agent: `sequence` follows the agent's last one. */
export const create = (
  fields: {
    readonly id: SchemaVersionId
    readonly account_id: AccountId
    readonly agent_id: AgentId
    readonly sequence: number
    readonly schema: ActivitySchema
    readonly definition_checks: DefinitionChecks
    readonly fingerprint: string
  },
  now: DateTime.Utc
): SchemaVersion =>
  new SchemaVersion({
    id: fields.id,
    account_id: fields.account_id,
    agent_id: fields.agent_id,
    sequence: fields.sequence,
    external_identifier: fields.schema.external_identifier,
    span_type_schemas: fields.schema.span_type_schemas,
    definition_checks: fields.definition_checks,
    fingerprint: fields.fingerprint,
    inserted_at: now,
    updated_at: now
  }, true)
