/**
 * The reference's masking policy (docs/http.md, an agentledger extension): the data categories and
 * field names masked in span payloads and results before they are stored. (Reference Schemas: see
 * fields.ts for where they come from and why nothing here is imported from packages/http.)
 */
import { Schema } from "effect"
import { Pfid, Timestamp } from "./fields.js"

/** docs/http.md: `GET`/`PUT masking_policy`'s details. */
export const MaskingPolicy = Schema.Struct({
  type: Schema.Literal("masking_policy"),
  account_id: Pfid,
  categories: Schema.Array(Schema.String),
  keys: Schema.Array(Schema.String),
  updated_at: Schema.NullOr(Timestamp)
}).annotations({ identifier: "MaskingPolicy" })
