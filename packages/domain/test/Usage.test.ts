/**
 * The page-bounded reads decide from aggregates exactly what the rules decide from every record:
 * the risk breakdown from tallies by (type, status) equals the breakdown of the spans, and the
 * usages of agents and versions equal `availableActions` / `countsOf` / `currentRefs` /
 * `identifierRepeats` applied to every run, deployment and version.
 */
import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { Agent, AgentVersion, Deployment, Ids, Risk, Status, Usage } from "@agentledger/domain"
import { runs } from "./arbitraries.js"
import { at, idOf } from "./fixtures.js"

const spanArb = fc.record({
  schema_name: fc.constantFrom("a", "b", "c"),
  status: fc.constantFrom(...Status.statuses),
  risk_points: fc.nat({ max: 5000 })
})

const agentOf = (n: number, status: Agent.Agent["status"]) =>
  Agent.Agent.make({
    id: idOf(Ids.AgentId, n),
    account_id: idOf(Ids.AccountId, 0),
    name: `a${n}`,
    description: null,
    external_identifier: null,
    status,
    risk_profile_id: null,
    last_run_at: null,
    inserted_at: at(0),
    updated_at: at(0)
  })

describe("Usage", () => {
  it("breakdownOf over (type, status) tallies equals the breakdown of the spans", () => {
    fc.assert(
      fc.property(fc.array(spanArb, { maxLength: 40 }), (spans) => {
        const tallies = new Map<string, Risk.SpanTally>()
        for (const span of spans) {
          const key = `${span.schema_name}/${span.status}`
          const tally = tallies.get(key)
          tallies.set(key, { schema_name: span.schema_name, status: span.status, span_count: (tally?.span_count ?? 0) + 1, points: (tally?.points ?? 0) + span.risk_points })
        }
        expect(Risk.breakdownOf([...tallies.values()])).toEqual(Risk.breakdown(spans))
      }),
      { numRuns: runs(200) }
    )
  })

  it("agentUsages from tallies equals the rules applied to every run and deployment", () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom<Agent.Agent["status"]>("pending", "active", "retired"), { minLength: 1, maxLength: 5 }),
        fc.array(fc.record({ agent: fc.nat({ max: 5 }), status: fc.constantFrom(...Status.statuses) }), { maxLength: 30 }),
        fc.array(fc.nat({ max: 5 }), { maxLength: 6 }),
        (statuses, runsOf, deploymentsOf) => {
          const agents = statuses.map((status, i) => agentOf(i, status))
          const agentId = (n: number) => idOf(Ids.AgentId, n % statuses.length)
          const tallies = runsOf.map((run) => ({ agent_id: agentId(run.agent), status: run.status, count: 1 }))
          const deployments = deploymentsOf.map((n) => ({ agent_id: agentId(n), count: 1 }))
          const usages = Usage.agentUsages(agents, tallies, deployments)
          expect(usages).toEqual(agents.map((agent) => {
            const mine = runsOf.filter((run) => agentId(run.agent) === agent.id)
            const instance_counts = Status.countsOf((status) => mine.filter((run) => run.status === status).length)
            return {
              available_actions: Agent.availableActions(agent, {
                instances: mine.length,
                deployments: deploymentsOf.filter((n) => agentId(n) === agent.id).length
              }),
              instance_counts
            }
          }))
        }
      ),
      { numRuns: runs(200) }
    )
  })

  it("versionUsages from the page's deployments and identifier tallies equals the rules over every record", () => {
    fc.assert(
      fc.property(
        fc.array(fc.option(fc.constantFrom("1.0", "2.0"), { nil: null }), { minLength: 1, maxLength: 6 }),
        fc.array(fc.option(fc.nat({ max: 5 }), { nil: null }), { maxLength: 5 }),
        fc.nat({ max: 6 }),
        (identifiers, pointers, pageSize) => {
          const agent = idOf(Ids.AgentId, 1)
          const versions = identifiers.map((external_identifier, i) => ({ id: idOf(Ids.AgentVersionId, i + 10), agent_id: agent, external_identifier }))
          const deployments = pointers.map((pointer, i) =>
            Deployment.Deployment.make({
              id: idOf(Ids.DeploymentId, i + 100),
              account_id: idOf(Ids.AccountId, 0),
              agent_id: agent,
              environment_id: idOf(Ids.EnvironmentId, i + 200),
              current_version_id: pointer === null ? null : versions[pointer % versions.length]?.id ?? null,
              inserted_at: at(0),
              updated_at: at(0)
            }))
          const page = versions.slice(0, pageSize)
          const onPage = new Set<string>(page.map((v) => v.id))
          const pageDeployments = deployments.filter((d) => d.current_version_id !== null && onPage.has(d.current_version_id))
          const tallies = Usage.identifiersOf(page).map((pair) => ({
            ...pair,
            count: versions.filter((v) => v.external_identifier === pair.external_identifier).length
          }))
          const newestFirst = [...deployments].sort((a, b) => (a.id < b.id ? 1 : -1))
          expect(Usage.versionUsages(page, pageDeployments, tallies)).toEqual(page.map((version) => ({
            current_agent_deployment_refs: Deployment.currentRefs(newestFirst, (id) => id === version.id),
            external_identifier_repeats: AgentVersion.identifierRepeats(version, versions)
          })))
        }
      ),
      { numRuns: runs(200) }
    )
  })
})
