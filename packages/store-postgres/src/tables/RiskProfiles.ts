/** The `risk_profiles` table: a profile as a row and back (its rules live in its revisions). */
import { Ids, RiskProfile } from "@agentledger/domain"
import * as Columns from "./Columns.js"

export const table = "risk_profiles"

export const columns = [
  "account_id",
  "id",
  "name",
  "description",
  "current_revision_id",
  "revision",
  "deleted_at",
  "inserted_at",
  "updated_at"
] as const

export const toRow = (profile: RiskProfile.RiskProfile): Columns.RowOf<(typeof columns)[number]> => ({
  account_id: profile.account_id,
  id: profile.id,
  name: profile.name,
  description: profile.description,
  current_revision_id: profile.current_revision_id,
  revision: profile.revision,
  deleted_at: Columns.toTimestampOrNull(profile.deleted_at),
  inserted_at: Columns.toTimestamp(profile.inserted_at),
  updated_at: Columns.toTimestamp(profile.updated_at)
})

/** The columns an update writes. */
export const changes = (profile: RiskProfile.RiskProfile) => ({
  name: profile.name,
  description: profile.description,
  current_revision_id: profile.current_revision_id,
  revision: profile.revision,
  deleted_at: Columns.toTimestampOrNull(profile.deleted_at),
  updated_at: Columns.toTimestamp(profile.updated_at)
})

export const fromRow = (row: Columns.Row): RiskProfile.RiskProfile =>
  new RiskProfile.RiskProfile({
    id: Columns.id(Ids.RiskProfileId)(row, "id"),
    account_id: Columns.id(Ids.AccountId)(row, "account_id"),
    name: Columns.text(row, "name"),
    description: Columns.textOrNull(row, "description"),
    current_revision_id: Columns.id(Ids.RiskProfileRevisionId)(row, "current_revision_id"),
    revision: Columns.integer(row, "revision"),
    deleted_at: Columns.timeOrNull(row, "deleted_at"),
    inserted_at: Columns.time(row, "inserted_at"),
    updated_at: Columns.time(row, "updated_at")
  }, true)
