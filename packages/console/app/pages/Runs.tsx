/**
 * The runs list: filtered by the query of the URL (`RunFilters.tsx`), sorted and paged by the
 * API, each run a row that opens its page.
 */
import { type Environment, environment } from "../api/Account.js"
import { type Agent, agent } from "../api/Agents.js"
import type { Client } from "../api/Client.js"
import { maxPageSize, page, pageSize } from "../api/Page.js"
import { type Instance, instance } from "../api/Runs.js"
import type { Session } from "../session/Session.js"
import { href, navigate, runHref } from "../Router.js"
import { LevelBadge, StatusBadge } from "../ui/Badges.js"
import { Empty, Failed, Loading } from "../ui/Feedback.js"
import { count, dateTime, duration, millisBetween, shortId, words } from "../ui/Format.js"
import { useTitle } from "../ui/Layout.js"
import { Link } from "../ui/Link.js"
import { useAnswer } from "../ui/Load.js"
import { Pager } from "../ui/Pager.js"
import { type Filters, filtersOf, RunFilters } from "./RunFilters.js"

/** The agents and environments the filters and rows name (one page of each: the API's largest). */
export const useNames = (client: Client) =>
  useAnswer(async () => {
    const [agents, environments] = await Promise.all([
      client.get("/agent", page(agent), { "pagination[page_size]": maxPageSize }),
      client.get("/environment", page(environment), { "pagination[page_size]": maxPageSize })
    ])
    return {
      _tag: "Ok" as const,
      value: {
        agents: agents._tag === "Ok" ? agents.value.items : [],
        environments: environments._tag === "Ok" ? environments.value.items : []
      }
    }
  }, [client])

export const RunTable = ({ runs, agents, environments, caption }: {
  readonly runs: ReadonlyArray<Instance>
  readonly agents: ReadonlyArray<Agent>
  readonly environments: ReadonlyArray<Environment>
  readonly caption: string
}) => {
  const agentName = new Map(agents.map((a) => [a.id, a.name]))
  const environmentName = new Map(environments.map((e) => [e.id, e.name]))
  return (
    <table class="runs">
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Run</th>
          <th scope="col">Agent</th>
          <th scope="col">Environment</th>
          <th scope="col">Status</th>
          <th scope="col">Started</th>
          <th scope="col" class="number">Duration</th>
          <th scope="col" class="number">Spans</th>
          <th scope="col" class="number">Flagged</th>
          <th scope="col">Risk</th>
          <th scope="col">Purpose</th>
        </tr>
      </thead>
      <tbody>
        {runs.map((run) => (
          <tr key={run.id}>
            <th scope="row"><Link to={runHref(run.id)} title={run.id}><code>{shortId(run.id)}</code></Link></th>
            <td>{agentName.get(run.agent_id) ?? <code>{shortId(run.agent_id)}</code>}</td>
            <td>{environmentName.get(run.environment_id) ?? <code>{shortId(run.environment_id)}</code>}</td>
            <td><StatusBadge status={run.status} /></td>
            <td>{dateTime(run.started_at ?? run.inserted_at)}</td>
            <td class="number">{duration(millisBetween(run.started_at, run.finished_at))}</td>
            <td class="number">{count(run.span_counts["total"] ?? 0)}</td>
            <td class="number">{run.conformance_counts.flagged === 0 ? "0" : <strong>⚑ {count(run.conformance_counts.flagged)}</strong>}</td>
            <td>{run.risk === null ? <LevelBadge level={null} /> : <LevelBadge level={run.risk.level} />}</td>
            <td>{words(run.purpose)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

export const Runs = ({ session, query }: { readonly session: Session; readonly query: URLSearchParams }) => {
  useTitle("Runs")
  const filters = filtersOf(query)
  const offset = Number(query.get("offset") ?? "0") || 0
  const key = query.toString()
  const names = useNames(session.client)
  const loaded = useAnswer(
    () => session.client.get("/agent_instance", page(instance), { ...filters, "pagination[offset]": offset, "pagination[page_size]": pageSize }),
    [session, key]
  )
  const go = (next: Filters, nextOffset = 0) => navigate(href("/runs", { ...next, offset: nextOffset === 0 ? undefined : String(nextOffset) }))
  const known = names.state._tag === "Ok" ? names.state.value : { agents: [], environments: [] }
  const filtered = Object.keys(filters).some((name) => name !== "sort")
  return (
    <section>
      <h1>Runs</h1>
      <RunFilters key={key} client={session.client} filters={filters} agents={known.agents} environments={known.environments} onApply={(next) => go(next)} />
      {loaded.state._tag === "Loading" ? <Loading what="runs" /> : null}
      {loaded.state._tag === "Failed" ? <Failed failure={loaded.state.failure} retry={loaded.reload} doing="list the runs" /> : null}
      {loaded.state._tag === "Ok"
        ? loaded.state.value.items.length === 0
          ? (
            <Empty>
              {filtered
                ? <>No run matches these filters. <Link to="/runs">Show all runs</Link>.</>
                : "No run has been recorded yet. Point an agent's Prefactor SDK at this server with a deployment token, and its runs appear here."}
            </Empty>
          )
          : (
            <>
              <RunTable runs={loaded.state.value.items} agents={known.agents} environments={known.environments} caption="Runs, as filtered" />
              <Pager pagination={loaded.state.value.pagination} what="runs" onOffset={(next) => go(filters, next)} />
            </>
          )
        : null}
    </section>
  )
}
