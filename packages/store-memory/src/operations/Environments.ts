/** `StoreTx.environments` in memory. */
import type { StoreTx } from "@agentledger/domain"
import { Effect } from "effect"
import type { Scope } from "../State.js"
import { listOf } from "../Table.js"

export const environments = ({ data, journal }: Scope): StoreTx["environments"] => ({
  get: (id) => data.environments.get(id),
  byNameKey: (key) => data.environments.byKey(`name:${key}`),
  insert: (row) => data.environments.insert(journal, row.id, row),
  update: (row) => data.environments.replace(journal, row.id, row),
  remove: (id) => data.environments.remove(journal, id),
  list: (query) => Effect.sync(() => listOf(data.environments.rows.values(), () => true, query)),
  usage: (id) =>
    Effect.sync(() => {
      let deployments = 0
      let instances = 0
      for (const row of data.deployments.rows.values()) if (row.environment_id === id) deployments++
      for (const row of data.instances.rows.values()) if (row.environment_id === id) instances++
      return { deployments, instances }
    })
})
