/**
 * Our documented extension (docs/http.md and docs/domain.md, "Evidence export"): a run's evidence
 * document, `{"export": E, "sha256": H}`. (Reference Schemas: see fields.ts for where they come
 * from and why nothing here is imported from packages/http.)
 */
import { Schema } from "effect"
import { Count, JsonObject, Pfid, RunStatus, Timestamp } from "./fields.js"

const Sha256 = Schema.String.pipe(Schema.pattern(/^[0-9a-f]{64}$/))

/** docs/domain.md: a record of the export, as the domain encodes it (the fields the auditor reads first). */
const Record = Schema.Struct({ id: Pfid, account_id: Pfid })

/** docs/domain.md: one span of the tree, with its depth. */
const Entry = Schema.Struct({
  depth: Count,
  span: Schema.Struct({
    id: Pfid,
    agent_instance_id: Pfid,
    parent_span_id: Schema.NullOr(Pfid),
    schema_name: Schema.String,
    status: RunStatus,
    payload: JsonObject,
    result_payload: Schema.NullOr(JsonObject),
    started_at: Timestamp,
    finished_at: Schema.NullOr(Timestamp),
    conformance: Schema.Struct({ payload: Schema.String, result: Schema.String, errors: Schema.Array(JsonObject) }),
    risk_points: Schema.Int,
    sequence: Count
  })
})

/** docs/domain.md: what the document holds. */
export const ExportContents = Schema.Struct({
  format: Schema.Literal("agentledger.evidence/1"),
  run: Schema.Struct({ id: Pfid, account_id: Pfid, agent_id: Pfid, status: RunStatus }),
  agent: Record,
  agent_version: Record,
  schema_version: Schema.Struct({ id: Pfid, span_type_schemas: JsonObject, definition_checks: JsonObject }),
  environment: Record,
  deployment: Schema.NullOr(Schema.Struct({
    record: Record,
    version_at_registration: Schema.NullOr(Pfid),
    moved_by: Schema.NullOr(JsonObject)
  })),
  risk_profile_revision: Schema.NullOr(Record),
  risk: Schema.NullOr(Schema.Struct({ total: Schema.Int, level: Schema.String, breakdown: Schema.Array(JsonObject) })),
  spans: Schema.Array(Entry),
  exported_at: Timestamp,
  exported_by: Schema.Struct({ type: Schema.Literal("api_token"), id: Pfid, scope: Schema.Literal("account", "agent_deployment") }),
  chain: Schema.Struct({ sequence: Count, hash: Sha256 })
}).annotations({ identifier: "ExportContents" })

/** docs/http.md: the body of `GET agent_instance/{id}/export` (no envelope). */
export const ExportDocument = Schema.Struct({ export: ExportContents, sha256: Sha256 }).annotations({ identifier: "ExportDocument" })
