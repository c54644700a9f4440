/** `StoreTx.riskProfiles` in memory: profiles and their revisions. */
import type { StoreTx } from "@agentledger/domain"
import { Effect } from "effect"
import type { Scope } from "../State.js"
import { listOf } from "../Table.js"

export const riskProfiles = ({ data, journal }: Scope): StoreTx["riskProfiles"] => ({
  get: (id) => data.profiles.get(id),
  insert: (row) => data.profiles.insert(journal, row.id, row),
  update: (row) => data.profiles.replace(journal, row.id, row).pipe(Effect.orDie),
  list: (query) => Effect.sync(() => listOf(data.profiles.rows.values(), () => true, query)),
  getRevision: (id) => data.revisions.get(id),
  insertRevision: (row) => data.revisions.insert(journal, row.id, row),
  revisions: (id) =>
    Effect.sync(() => [...data.revisions.rows.values()].filter((row) => row.risk_profile_id === id).sort((a, b) => a.revision - b.revision))
})
