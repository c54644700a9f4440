/**
 * `StoreTx.instances` on PostgreSQL, in a unit of work: the lock read is `SELECT … FOR UPDATE`.
 * A run locked or written here is no longer as ingest last left it, so both tell ingest's
 * memory of written runs to `forget` it (`ingest/WrittenRuns.ts`).
 */
import type { Ids, StoreTx } from "@agentledger/domain"
import * as Instances from "../tables/Instances.js"
import * as Filters from "./Filters.js"
import { insert, list, one, type Scope, unguarded, update } from "./Statements.js"

export const instances = (scope: Scope, forget: (id: Ids.InstanceId) => void): StoreTx["instances"] => {
  const { byId, mine, sql } = scope
  return {
    get: (id) => one(sql`SELECT * FROM agent_instances WHERE ${byId(id)}`, Instances.fromRow),
    lock: (id) => {
      forget(id)
      return one(sql`SELECT * FROM agent_instances WHERE ${byId(id)} FOR UPDATE`, Instances.fromRow)
    },
    insert: (row) => insert(scope, Instances, row),
    update: (row) => {
      forget(row.id)
      return unguarded(update(scope, Instances.table, row.id, Instances.changes(row)))
    },
    writeQuality: (row) => {
      forget(row.id)
      return unguarded(update(scope, Instances.table, row.id, Instances.qualityChanges(row)))
    },
    list: (filter, query) =>
      list(
        scope,
        Instances.table,
        sql.and([mine, ...Filters.instanceConditions(scope, filter)]),
        query,
        Instances.fromRow,
        sql.literal("*"),
        // `InstanceQuery.sortValue`: a run sorts by when it took place.
        (field) => (field === "started_at" ? sql.literal(Filters.runStart) : undefined)
      )
  }
}
