/** The `retention_policies` table: an account's retention policy as a row and back (one per account). */
import { Ids, Retention } from "@agentledger/domain"
import { Schema } from "effect"
import * as Columns from "./Columns.js"

export const table = "retention_policies"

const Overrides = Schema.Array(Retention.EnvironmentRetention)

/** The columns of a policy; a policy is only ever written whole. */
export const toRow = (policy: Retention.RetentionPolicy) => ({
  account_id: policy.account_id,
  run_days: policy.run_days,
  environments: JSON.stringify(policy.environments),
  updated_at: Columns.toTimestampOrNull(policy.updated_at)
})

export const fromRow = (row: Columns.Row): Retention.RetentionPolicy => ({
  account_id: Columns.id(Ids.AccountId)(row, "account_id"),
  run_days: Columns.integerOrNull(row, "run_days"),
  environments: Columns.json(row, "environments", Overrides),
  updated_at: Columns.timeOrNull(row, "updated_at")
})
