/**
 * The `accounts` table: an account as a row. The port never reads an account back (a session
 * knows its account from its token), so there is no reader.
 */
import type { Account } from "@agentledger/domain"
import * as Columns from "./Columns.js"

export const table = "accounts"

export const columns = ["account_id", "name", "partition", "inserted_at", "updated_at"] as const

export const toRow = (account: Account.Account): Columns.RowOf<(typeof columns)[number]> => ({
  account_id: account.id,
  name: account.name,
  partition: account.partition,
  inserted_at: Columns.toTimestamp(account.inserted_at),
  updated_at: Columns.toTimestamp(account.updated_at)
})
