/** `StoreTx.instances` in memory: the account's lock already serializes, so the lock read is a read. */
import type { StoreTx } from "@agentledger/domain"
import { Effect } from "effect"
import type { Scope } from "../State.js"
import { listOf } from "../Table.js"

export const instances = ({ data, journal }: Scope): StoreTx["instances"] => ({
  get: (id) => data.instances.get(id),
  lock: (id) => data.instances.get(id),
  insert: (row) => data.instances.insert(journal, row.id, row),
  update: (row) => data.instances.replace(journal, row.id, row).pipe(Effect.orDie),
  list: (filter, query) =>
    Effect.sync(() =>
      listOf(
        data.instances.rows.values(),
        (row) =>
          (filter.agent_id === undefined || row.agent_id === filter.agent_id) &&
          (filter.agent_deployment_id === undefined || row.agent_deployment_id === filter.agent_deployment_id) &&
          (filter.agent_version_id === undefined || row.agent_version_id === filter.agent_version_id) &&
          (filter.environment_id === undefined || row.environment_id === filter.environment_id) &&
          (filter.status === undefined || row.status === filter.status),
        query
      )
    )
})
