/**
 * What the platform shows beside a record and the record alone does not hold: an agent's
 * available actions and run counts, the deployments on a version and how often its identifier
 * repeats. The session works them out for a whole page at once (`agentUsage`, `versionUsage`,
 * `schemaVersionUsage`: a constant number of store reads per page); this module only joins
 * each record to its usage.
 */
import type { Agent, AgentVersion, LedgerSession, Paged, SchemaVersion } from "@agentledger/domain"
import { Effect } from "effect"
import type { AgentVersionView, AgentView, SchemaVersionView } from "./Resources.js"

/** Each record beside its usage; a session answers one usage per record, in order. */
const joined = <A, U, V>(records: ReadonlyArray<A>, usages: ReadonlyArray<U>, join: (record: A, usage: U) => V): Effect.Effect<ReadonlyArray<V>> => {
  const out: Array<V> = []
  for (let i = 0; i < records.length; i++) {
    const record = records[i]
    const usage = usages[i]
    if (record === undefined || usage === undefined) break
    out.push(join(record, usage))
  }
  return out.length === records.length && usages.length === records.length
    ? Effect.succeed(out)
    : Effect.dieMessage("the session answered a usage count that differs from the records'")
}

/** Agents with their available actions, and with their runs by status when `includeCounts`. */
const agentsViewed = (session: LedgerSession, agents: ReadonlyArray<Agent.Agent>, includeCounts: boolean) =>
  Effect.flatMap(session.agentUsage(agents), (usages) =>
    joined(agents, usages, (agent, usage): AgentView =>
      includeCounts
        ? { ...agent, available_actions: usage.available_actions, instance_counts: usage.instance_counts }
        : { ...agent, available_actions: usage.available_actions }))

/** An agent with its available actions, and with its runs by status when `includeCounts`. */
export const agentView = (session: LedgerSession, includeCounts = false) => (agent: Agent.Agent) =>
  Effect.flatMap(agentsViewed(session, [agent], includeCounts), ([view]) =>
    view === undefined ? Effect.dieMessage("the view of one agent lost it") : Effect.succeed(view))

export const agentViews = (session: LedgerSession) => (page: Paged<Agent.Agent>) =>
  Effect.map(agentsViewed(session, page.items, false), (items) => ({ ...page, items }))

/** Versions with the deployments on each and their identifiers' repeats. */
export const versionViews = (session: LedgerSession) => (versions: ReadonlyArray<AgentVersion.AgentVersion>) =>
  Effect.flatMap(session.versionUsage(versions), (usages) =>
    joined(versions, usages, (version, usage): AgentVersionView => ({ ...version, ...usage })))

/** Schema versions with the deployments whose current version uses each, and their identifiers' repeats. */
export const schemaVersionViews = (session: LedgerSession) => (schemaVersions: ReadonlyArray<SchemaVersion.SchemaVersion>) =>
  Effect.flatMap(session.schemaVersionUsage(schemaVersions), (usages) =>
    joined(schemaVersions, usages, (schemaVersion, usage): SchemaVersionView => ({ ...schemaVersion, ...usage })))
