/**
 * What the platform shows beside a record and the record alone does not hold: an agent's
 * available actions and run counts, the deployments on a version and how often its identifier
 * repeats. They are read through the caller's session and worked out by the domain's rules.
 */
import { Agent, AgentVersion, Commands, Deployment, type LedgerSession, Page, type Paged, SchemaVersion, Status } from "@agentledger/domain"
import { Effect } from "effect"
import type { AgentVersionView, AgentView, SchemaVersionView } from "./Resources.js"

const one: Pick<Commands.ListRequest, "offset" | "page_size"> = { offset: 0, page_size: 1 }

/** Every item of a list, page by page. */
const everything = <A, E>(page: (request: Commands.ListRequest) => Effect.Effect<Paged<A>, E>): Effect.Effect<ReadonlyArray<A>, E> =>
  Effect.gen(function*() {
    const items: Array<A> = []
    let offset: number | null = 0
    while (offset !== null) {
      const next: Paged<A> = yield* page({ offset, page_size: Page.maxPageSize })
      items.push(...next.items)
      offset = next.pagination.next_page_offset
    }
    return items
  })

/** An agent with its available actions, and with its runs by status when `includeCounts`. */
export const agentView = (session: LedgerSession, includeCounts = false) => (agent: Agent.Agent) =>
  Effect.gen(function*() {
    const [instances, deployments] = yield* Effect.all([
      session.listInstances({ ...one, agent_id: agent.id }),
      session.listDeployments({ ...one, agent_id: agent.id })
    ])
    const view: AgentView = {
      ...agent,
      available_actions: Agent.availableActions(agent, { instances: instances.pagination.item_count, deployments: deployments.pagination.item_count })
    }
    if (!includeCounts) return view
    const counts = new Map<Status.Status, number>()
    for (const status of Status.statuses) {
      counts.set(status, (yield* session.listInstances({ ...one, agent_id: agent.id, status })).pagination.item_count)
    }
    return { ...view, instance_counts: Status.countsOf((status) => counts.get(status) ?? 0) }
  })

export const agentViews = (session: LedgerSession) => (page: Paged<Agent.Agent>) =>
  Effect.map(Effect.forEach(page.items, agentView(session)), (items) => ({ ...page, items }))

/** Versions of one agent with the deployments on each and their identifiers' repeats. */
export const versionViews = (session: LedgerSession, agentId: Agent.Agent["id"]) =>
(versions: ReadonlyArray<AgentVersion.AgentVersion>) =>
  Effect.gen(function*() {
    const deployments = yield* everything((request) => session.listDeployments({ ...request, agent_id: agentId }))
    const all = yield* everything((request) => session.listVersions({ ...request, agent_id: agentId }))
    return versions.map((version): AgentVersionView => ({
      ...version,
      current_agent_deployment_refs: Deployment.currentRefs(deployments, (id) => id === version.id),
      external_identifier_repeats: AgentVersion.identifierRepeats(version, all)
    }))
  })

/** Schema versions of one agent with the deployments whose current version uses each. */
export const schemaVersionViews = (session: LedgerSession, agentId: Agent.Agent["id"]) =>
(schemaVersions: ReadonlyArray<SchemaVersion.SchemaVersion>) =>
  Effect.gen(function*() {
    const deployments = yield* everything((request) => session.listDeployments({ ...request, agent_id: agentId }))
    const versions = yield* everything((request) => session.listVersions({ ...request, agent_id: agentId }))
    const all = yield* everything((request) => session.listSchemaVersions({ ...request, agent_id: agentId }))
    const schemaOf = new Map(versions.map((version) => [version.id, version.agent_schema_version_id]))
    return schemaVersions.map((schemaVersion): SchemaVersionView => ({
      ...schemaVersion,
      current_agent_deployment_refs: Deployment.currentRefs(deployments, (id) => schemaOf.get(id) === schemaVersion.id),
      external_identifier_repeats: AgentVersion.identifierRepeats(schemaVersion, all)
    }))
  })
