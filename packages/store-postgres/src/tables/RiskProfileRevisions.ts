/** The `risk_profile_revisions` table: a profile's revision as a row and back (never updated). */
import { Ids, RiskProfile } from "@agentledger/domain"
import * as Columns from "./Columns.js"

export const table = "risk_profile_revisions"

export const columns = ["account_id", "id", "risk_profile_id", "revision", "rules", "inserted_at"] as const

export const toRow = (revision: RiskProfile.RiskProfileRevision): Columns.RowOf<(typeof columns)[number]> => ({
  account_id: revision.account_id,
  id: revision.id,
  risk_profile_id: revision.risk_profile_id,
  revision: revision.revision,
  rules: JSON.stringify(revision.rules),
  inserted_at: Columns.toTimestamp(revision.inserted_at)
})

export const fromRow = (row: Columns.Row): RiskProfile.RiskProfileRevision =>
  new RiskProfile.RiskProfileRevision({
    id: Columns.id(Ids.RiskProfileRevisionId)(row, "id"),
    account_id: Columns.id(Ids.AccountId)(row, "account_id"),
    risk_profile_id: Columns.id(Ids.RiskProfileId)(row, "risk_profile_id"),
    revision: Columns.integer(row, "revision"),
    rules: Columns.json(row, "rules", RiskProfile.RiskRules),
    inserted_at: Columns.time(row, "inserted_at")
  }, true)
