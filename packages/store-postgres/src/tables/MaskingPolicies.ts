/** The `masking_policies` table: an account's one masking policy as a row and back. */
import { DataRisk, Ids, type MaskingPolicy } from "@agentledger/domain"
import { Schema } from "effect"
import * as Columns from "./Columns.js"

export const table = "masking_policies"

export const columns = ["account_id", "categories", "keys", "updated_at"] as const

export const toRow = (policy: MaskingPolicy.MaskingPolicy): Columns.RowOf<(typeof columns)[number]> => ({
  account_id: policy.account_id,
  categories: JSON.stringify(policy.categories),
  keys: JSON.stringify(policy.keys),
  updated_at: Columns.toTimestampOrNull(policy.updated_at)
})

const Categories = Schema.Array(DataRisk.Category)
const Keys = Schema.Array(Schema.String)

export const fromRow = (row: Columns.Row): MaskingPolicy.MaskingPolicy => ({
  account_id: Columns.id(Ids.AccountId)(row, "account_id"),
  categories: Columns.json(row, "categories", Categories),
  keys: Columns.json(row, "keys", Keys),
  updated_at: Columns.timeOrNull(row, "updated_at")
})
