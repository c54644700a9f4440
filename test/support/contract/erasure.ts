/**
 * The reference's erasure and retention answers (docs/http.md, "Erasure and retention", agentledger
 * extensions): what an erasure of an agent's runs in a window did, and the account's retention
 * policy. (Reference Schemas: see fields.ts for where they come from and why nothing here is
 * imported from packages/http.)
 */
import { Schema } from "effect"
import { Count, Pfid, Timestamp } from "./fields.js"

/** docs/http.md: `POST agent/{id}/erase`'s details. */
export const Erasure = Schema.Struct({
  type: Schema.Literal("agent_instance_erasure"),
  agent_id: Pfid,
  mode: Schema.Literal("delete", "redact"),
  runs: Count,
  spans: Count,
  batches: Count,
  unfinished: Count
}).annotations({ identifier: "AgentInstanceErasure" })

/** Days to keep finished runs: whole, 1–36,500, or null (kept forever). */
const Days = Schema.NullOr(Schema.Int.pipe(Schema.between(1, 36_500)))

/** docs/http.md: `GET`/`PUT retention_policy`'s details. */
export const RetentionPolicy = Schema.Struct({
  type: Schema.Literal("retention_policy"),
  account_id: Pfid,
  run_days: Days,
  environments: Schema.Array(Schema.Struct({ environment_id: Pfid, run_days: Days })),
  updated_at: Schema.NullOr(Timestamp)
}).annotations({ identifier: "RetentionPolicy" })
