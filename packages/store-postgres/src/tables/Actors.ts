/**
 * An actor (`Audit.Actor`) as three columns of a row — its type, id and scope — so that the
 * audit log's filters and a history's reads are plain comparisons. A row written before the
 * ledger kept actors has none: its type column is null.
 */
import { Audit } from "@agentledger/domain"
import * as Columns from "./Columns.js"

/** The three columns' names in a table. */
export interface ActorColumns {
  readonly type: string
  readonly id: string
  readonly scope: string
}

/** The three values to write, null for no actor. */
export const values = (actor: Audit.Actor | null) => ({
  type: actor?.type ?? null,
  id: actor?.id ?? null,
  scope: actor?.scope ?? null
})

/** The actor a row names, or null when its type column is null. */
export const read = (row: Columns.Row, columns: ActorColumns): Audit.Actor | null => {
  if (Columns.textOrNull(row, columns.type) === null) return null
  const scope = Columns.textOrNull(row, columns.scope)
  return {
    type: Columns.literal(row, columns.type, Audit.ActorType),
    id: Columns.textOrNull(row, columns.id),
    scope: scope === null ? null : Columns.literal(row, columns.scope, Audit.ActorScope)
  }
}
