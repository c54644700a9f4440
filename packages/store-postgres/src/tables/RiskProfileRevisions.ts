/** The `risk_profile_revisions` table: a profile's revision as a row and back (never updated), with its author's columns. */
import { Ids, RiskProfile } from "@agentledger/domain"
import * as Actors from "./Actors.js"
import * as Columns from "./Columns.js"

export const table = "risk_profile_revisions"

export const columns = [
  "account_id",
  "id",
  "risk_profile_id",
  "revision",
  "rules",
  "inserted_at",
  "created_by_type",
  "created_by_id",
  "created_by_scope"
] as const

const authorColumns = { type: "created_by_type", id: "created_by_id", scope: "created_by_scope" } as const

export const toRow = (revision: RiskProfile.RiskProfileRevision): Columns.RowOf<(typeof columns)[number]> => {
  const author = Actors.values(revision.created_by)
  return {
    account_id: revision.account_id,
    id: revision.id,
    risk_profile_id: revision.risk_profile_id,
    revision: revision.revision,
    rules: JSON.stringify(revision.rules),
    inserted_at: Columns.toTimestamp(revision.inserted_at),
    created_by_type: author.type,
    created_by_id: author.id,
    created_by_scope: author.scope
  }
}

export const fromRow = (row: Columns.Row): RiskProfile.RiskProfileRevision =>
  new RiskProfile.RiskProfileRevision({
    id: Columns.id(Ids.RiskProfileRevisionId)(row, "id"),
    account_id: Columns.id(Ids.AccountId)(row, "account_id"),
    risk_profile_id: Columns.id(Ids.RiskProfileId)(row, "risk_profile_id"),
    revision: Columns.integer(row, "revision"),
    rules: Columns.json(row, "rules", RiskProfile.RiskRules),
    inserted_at: Columns.time(row, "inserted_at"),
    created_by: Actors.read(row, authorColumns)
  }, true)
