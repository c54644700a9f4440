/** `StoreTx.agents` in memory: the account's lock already serializes, so the lock read is a read. */
import type { StoreTx } from "@agentledger/domain"
import { Effect } from "effect"
import type { Scope } from "../State.js"
import { listOf } from "../Table.js"
import * as Tallies from "../Tallies.js"

export const agents = ({ data, journal }: Scope): StoreTx["agents"] => ({
  get: (id) => data.agents.get(id),
  lock: (id) => data.agents.get(id),
  byExternalIdentifier: (value) => data.agents.byKey(`external_identifier:${value}`),
  insert: (row) => data.agents.insert(journal, row.id, row),
  update: (row) => data.agents.replace(journal, row.id, row).pipe(Effect.orDie),
  remove: (id) =>
    Effect.gen(function*() {
      for (const version of [...data.versions.rows.values()]) if (version.agent_id === id) yield* data.versions.remove(journal, version.id)
      for (const version of [...data.schemaVersions.rows.values()]) if (version.agent_id === id) yield* data.schemaVersions.remove(journal, version.id)
      yield* data.agents.remove(journal, id)
    }),
  list: (filter, query) =>
    Effect.sync(() =>
      listOf(
        data.agents.rows.values(),
        (row) =>
          (filter.risk_profile_id === undefined || row.risk_profile_id === filter.risk_profile_id) &&
          (filter.status === undefined || row.status === filter.status),
        query
      )
    ),
  instanceCount: (id) =>
    Effect.sync(() => {
      let count = 0
      for (const row of data.instances.rows.values()) if (row.agent_id === id) count++
      return count
    }),
  instanceTallies: (ids) => Effect.sync(() => Tallies.instanceTallies(data.instances.rows.values(), ids)),
  deploymentTallies: (ids) => Effect.sync(() => Tallies.agentTallies(data.deployments.rows.values(), ids)),
  overview: (runs) => Effect.sync(() => Tallies.overviewRows(data.agents.rows.values(), data.instances.rows.values(), runs))
})
