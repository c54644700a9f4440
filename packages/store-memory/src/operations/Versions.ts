/**
 * `StoreTx.versions` and `StoreTx.schemaVersions` in memory: one set of operations over either
 * table, since the two are kept alike (per agent, unique by fingerprint and by sequence, never
 * updated).
 */
import type { Ids, IdentifierPair, ListQuery, StoreTx } from "@agentledger/domain"
import { Effect } from "effect"
import type { Scope } from "../State.js"
import { type Journal, listOf, type Table } from "../Table.js"
import * as Tallies from "../Tallies.js"

interface Versioned<K extends string> {
  readonly id: K
  readonly agent_id: Ids.AgentId
  readonly sequence: number
  readonly external_identifier: string | null
}

const versioned = <K extends string, A extends Versioned<K>>(journal: Journal, table: Table<K, A>) => ({
  get: (id: K) => table.get(id),
  byFingerprint: (agent: Ids.AgentId, fingerprint: string) => table.byKey(`fingerprint:${agent}:${fingerprint}`),
  lastSequence: (agent: Ids.AgentId) =>
    Effect.sync(() => {
      let last = 0
      for (const row of table.rows.values()) if (row.agent_id === agent && row.sequence > last) last = row.sequence
      return last
    }),
  insert: (row: A) => table.insert(journal, row.id, row),
  list: <F extends keyof A & string>(agent: Ids.AgentId, query: ListQuery<F>) =>
    Effect.sync(() => listOf(table.rows.values(), (row) => row.agent_id === agent, query)),
  identifierTallies: (pairs: ReadonlyArray<IdentifierPair>) => Effect.sync(() => Tallies.identifierTallies(table.rows.values(), pairs))
})

export const versions = ({ data, journal }: Scope): StoreTx["versions"] => versioned(journal, data.versions)

export const schemaVersions = ({ data, journal }: Scope): StoreTx["schemaVersions"] => versioned(journal, data.schemaVersions)
