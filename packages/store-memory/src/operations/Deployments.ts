/** `StoreTx.deployments` in memory: deployments, their history, and which point at what. */
import type { StoreTx } from "@agentledger/domain"
import { Effect } from "effect"
import type { Scope } from "../State.js"
import { listOf } from "../Table.js"
import * as Tallies from "../Tallies.js"

export const deployments = ({ data, journal }: Scope): StoreTx["deployments"] => ({
  get: (id) => data.deployments.get(id),
  for: (agent, environment) => data.deployments.byKey(`agent_environment:${agent}:${environment}`),
  insert: (row) => data.deployments.insert(journal, row.id, row),
  update: (row) => data.deployments.replace(journal, row.id, row).pipe(Effect.orDie),
  // A deployment's history goes with it (PostgreSQL: ON DELETE CASCADE).
  remove: (id) =>
    data.deployments.remove(journal, id).pipe(Effect.tap(() => {
      const history = data.history.get(id)
      if (history === undefined) return
      data.history.delete(id)
      journal(() => data.history.set(id, history))
    })),
  list: (filter, query) =>
    Effect.sync(() =>
      listOf(
        data.deployments.rows.values(),
        (row) =>
          (filter.agent_id === undefined || row.agent_id === filter.agent_id) &&
          (filter.environment_id === undefined || row.environment_id === filter.environment_id),
        query
      )
    ),
  appendHistory: (entry) =>
    Effect.sync(() => {
      const history = data.history.get(entry.agent_deployment_id)
      if (history === undefined) data.history.set(entry.agent_deployment_id, [entry])
      else history.push(entry)
      journal(() => {
        const current = data.history.get(entry.agent_deployment_id)
        current?.pop()
        if (current !== undefined && current.length === 0) data.history.delete(entry.agent_deployment_id)
      })
    }),
  history: (id) => Effect.sync(() => [...(data.history.get(id) ?? [])]),
  pointingAt: (versions) =>
    Effect.sync(() => {
      const wanted = new Set<string>(versions)
      return [...data.deployments.rows.values()].filter((row) => row.current_version_id !== null && wanted.has(row.current_version_id))
    }),
  pointingAtSchemas: (schemaVersions) =>
    Effect.sync(() =>
      Tallies.pointingAtSchemas(
        data.deployments.rows.values(),
        (version) => data.versions.rows.get(version)?.agent_schema_version_id,
        schemaVersions
      )
    )
})
