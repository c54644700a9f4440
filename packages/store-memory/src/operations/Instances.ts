/**
 * `StoreTx.instances` in memory: the account's lock already serializes, so the lock read is a
 * read, and every write replaces the whole record (a unit of work writes what it read under that
 * lock, so `update` and `writeQuality` cannot carry back an older state of the other's fields).
 */
import { InstanceQuery, type StoreTx } from "@agentledger/domain"
import { Effect } from "effect"
import type { Scope } from "../State.js"
import { listOf } from "../Table.js"

export const instances = ({ data, journal }: Scope): StoreTx["instances"] => ({
  get: (id) => data.instances.get(id),
  lock: (id) => data.instances.get(id),
  insert: (row) => data.instances.insert(journal, row.id, row),
  update: (row) => data.instances.replace(journal, row.id, row).pipe(Effect.orDie),
  writeQuality: (row) => data.instances.replace(journal, row.id, row).pipe(Effect.orDie),
  list: (filter, query) =>
    Effect.sync(() => listOf(data.instances.rows.values(), InstanceQuery.matches(filter), query, InstanceQuery.sortValue))
})
