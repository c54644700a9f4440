/**
 * The reference's catalog (the Prefactor platform's API): agents, agent versions, schema versions, deployments
 * (with their history, docs/http.md) and environments.
 * (Reference Schemas: see fields.ts for where they come from and why nothing here is imported
 * from packages/http.)
 */
import { Schema } from "effect"
import { Count, JsonObject, Pfid, Timestamp } from "./fields.js"
import { SpanCounts } from "./runs.js"

/** the Prefactor platform's API. `owner_person_id`, `team_id` and the counts are conditional or SDK-only there. */
export const Agent = Schema.Struct({
  type: Schema.Literal("agent"),
  id: Pfid,
  account_id: Pfid,
  name: Schema.String,
  description: Schema.NullOr(Schema.String),
  external_identifier: Schema.NullOr(Schema.String),
  status: Schema.Literal("pending", "active", "dormant", "retired"),
  risk_profile_id: Schema.NullOr(Pfid),
  available_actions: Schema.Struct({ update: Schema.Boolean, retire: Schema.Boolean, reinstate: Schema.Boolean, delete: Schema.Boolean }),
  owner_person_id: Schema.optional(Schema.NullOr(Pfid)),
  team_id: Schema.optional(Schema.NullOr(Pfid)),
  instance_counts: Schema.optional(SpanCounts),
  current_schema_version_id: Schema.optional(Schema.NullOr(Pfid)),
  inserted_at: Timestamp,
  updated_at: Timestamp
}).annotations({ identifier: "Agent" })

/** the Prefactor platform's API */
export const AgentVersion = Schema.Struct({
  type: Schema.Literal("agent_version"),
  id: Pfid,
  account_id: Pfid,
  agent_id: Pfid,
  external_identifier: Schema.NullOr(Schema.String),
  agent_schema_version_id: Pfid,
  runtime_environment: Schema.Struct({
    prefactor_sdk: Schema.NullOr(Schema.Array(Schema.String)),
    agent_sdk: Schema.NullOr(Schema.Array(Schema.String)),
    runtime: Schema.NullOr(Schema.String),
    os: Schema.NullOr(Schema.String)
  }),
  current_agent_deployment_refs: Schema.Array(Schema.Unknown),
  external_identifier_repeats: Count,
  inserted_at: Timestamp,
  updated_at: Timestamp
}).annotations({ identifier: "AgentVersion" })

/** the Prefactor platform's API: `span_type_schemas` is a map from span type name to its details. */
export const AgentSchemaVersion = Schema.Struct({
  type: Schema.Literal("agent_schema_version"),
  id: Pfid,
  account_id: Pfid,
  agent_id: Pfid,
  external_identifier: Schema.NullOr(Schema.String),
  external_identifier_repeats: Count,
  current_agent_deployment_refs: Schema.Array(Schema.Unknown),
  span_type_schemas: Schema.Record({ key: Schema.String, value: JsonObject }),
  inserted_at: Timestamp,
  updated_at: Timestamp
}).annotations({ identifier: "AgentSchemaVersion" })

/** the Prefactor platform's API */
export const AgentDeployment = Schema.Struct({
  type: Schema.Literal("agent_deployment"),
  id: Pfid,
  account_id: Pfid,
  agent_id: Pfid,
  environment_id: Pfid,
  current_version_id: Schema.NullOr(Pfid),
  inserted_at: Timestamp,
  updated_at: Timestamp
}).annotations({ identifier: "AgentDeployment" })

const HistoryEntry = Schema.Struct({
  from_version_id: Schema.NullOr(Pfid),
  to_version_id: Schema.NullOr(Pfid),
  cause: Schema.String,
  changed_at: Timestamp
}).annotations({ identifier: "HistoryEntry" })

/** docs/http.md: `GET agent_deployment/{id}` carries `history`. */
export const AgentDeploymentWithHistory = Schema.Struct({ ...AgentDeployment.fields, history: Schema.Array(HistoryEntry) }).annotations({
  identifier: "AgentDeploymentWithHistory"
})

/** the Prefactor platform's API (purpose spelled in lowercase). */
export const Environment = Schema.Struct({
  type: Schema.Literal("environment"),
  id: Pfid,
  account_id: Pfid,
  name: Schema.String,
  purpose: Schema.Literal("development", "staging", "testing", "production"),
  description: Schema.NullOr(Schema.String),
  inserted_at: Timestamp,
  updated_at: Timestamp
}).annotations({ identifier: "Environment" })
