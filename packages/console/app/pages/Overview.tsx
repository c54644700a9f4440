/**
 * The overview: for the last day (or a chosen start), each agent with its status, its runs by
 * status and by risk level and its flagged runs, the totals, and the newest runs that need
 * attention (flagged, or high or critical). One API call (`GET /overview`), a store aggregate;
 * the spans of the last day as a chart beside it (`GET /activity`, another).
 * An account token also sees each agent's current version per environment (its deployments).
 */
import { type Overview as OverviewData, overview } from "../api/Account.js"
import type { Answer } from "../api/Client.js"
import { type Deployment, deployment } from "../api/Agents.js"
import { maxPageSize, page } from "../api/Page.js"
import { riskLevels, statuses } from "../api/Runs.js"
import { isAccount, type Session } from "../session/Session.js"
import { agentHref, href } from "../Router.js"
import { Empty, Failed, Loading } from "../ui/Feedback.js"
import { count, dateTime, words } from "../ui/Format.js"
import { useTitle } from "../ui/Layout.js"
import { Link } from "../ui/Link.js"
import { useAnswer } from "../ui/Load.js"
import { ActivityPanel } from "./ActivityPanel.js"
import { RunTable, useNames } from "./Runs.js"
import { DeploymentStrip } from "./agent/DeploymentStrip.js"

const placeholder: OverviewData = { since: "", agents: [], runs_by_status: {}, runs_by_risk_level: {}, flagged_runs: 0, recent_attention: [] }

const levelsWithNone = [...riskLevels, "none"] as const

const Counts = ({ counts, names, link }: {
  readonly counts: Readonly<Record<string, number>>
  readonly names: ReadonlyArray<string>
  readonly link?: (name: string) => string | undefined
}) => (
  <ul class="counts">
    {names.map((name) => {
      const n = counts[name] ?? 0
      const to = link?.(name)
      return (
        <li key={name} class={n === 0 ? "zero" : ""}>
          {to === undefined || n === 0 ? <span>{words(name)} {count(n)}</span> : <Link to={to}>{words(name)} {count(n)}</Link>}
        </li>
      )
    })}
  </ul>
)

const Totals = ({ data }: { readonly data: OverviewData }) => (
  <div class="totals">
    <section aria-label="Runs by status">
      <h2>Runs by status</h2>
      <Counts counts={data.runs_by_status} names={statuses} link={(status) => href("/runs", { status, started_after: data.since })} />
    </section>
    <section aria-label="Runs by risk level">
      <h2>Runs by risk level</h2>
      <Counts counts={data.runs_by_risk_level} names={levelsWithNone} link={(level) => (level === "none" ? undefined : href("/runs", { risk_level: level, started_after: data.since }))} />
    </section>
    <section aria-label="Flagged runs">
      <h2>Flagged runs</h2>
      <p class="big">{data.flagged_runs === 0 ? "0" : <Link to={href("/runs", { flagged: "true", started_after: data.since })}>⚑ {count(data.flagged_runs)}</Link>}</p>
    </section>
  </div>
)

export const Overview = ({ session }: { readonly session: Session }) => {
  useTitle("Overview")
  const account = isAccount(session)
  const loaded = useAnswer(() => session.client.get("/overview", (r) => r.object("details", overview, placeholder)), [session])
  const names = useNames(session.client)
  const deployments = useAnswer(
    async (): Promise<Answer<ReadonlyArray<Deployment>>> => {
      if (!account) return { _tag: "Ok", value: [] }
      const answer = await session.client.get("/agent_deployment", page(deployment), { "pagination[page_size]": maxPageSize })
      return answer._tag === "Ok" ? { _tag: "Ok", value: answer.value.items } : answer
    },
    [session, account]
  )
  const known = names.state._tag === "Ok" ? names.state.value : { agents: [], environments: [] }
  const byAgent = new Map<string, Array<Deployment>>()
  if (deployments.state._tag === "Ok") for (const d of deployments.state.value) byAgent.set(d.agent_id, [...(byAgent.get(d.agent_id) ?? []), d])
  if (loaded.state._tag === "Loading") return <Loading what="the overview" />
  if (loaded.state._tag === "Failed") {
    const failure = loaded.state.failure
    return (
      <section>
        <h1>Overview</h1>
        {failure.status === 404 && failure.message === "no such route"
          ? (
            <Empty>
              This server does not offer the overview (<code>GET /api/v1/overview</code> answered 404): it is older than this console. Its runs are still under{" "}
              {account ? <Link to="/runs">Runs</Link> : "Runs"}.
            </Empty>
          )
          : <Failed failure={failure} retry={loaded.reload} doing="read the overview" />}
      </section>
    )
  }
  const data = loaded.state.value
  return (
    <section class="overview">
      <h1>Overview</h1>
      <p class="muted">Runs since {dateTime(data.since)}.</p>
      <Totals data={data} />
      <ActivityPanel session={session} query={{}} title={account ? "Spans of the last day" : "Your agent's spans of the last day"} />
      <section aria-label="Agents">
        <h2>Agents</h2>
        {data.agents.length === 0
          ? <Empty>No agent yet. {account ? "Create one through the API or let an SDK register its first run." : ""}</Empty>
          : (
            <table class="agents">
              <caption>Agents and their runs since {dateTime(data.since)}</caption>
              <thead>
                <tr>
                  <th scope="col">Agent</th>
                  <th scope="col">Status</th>
                  {account ? <th scope="col">Current version per environment</th> : null}
                  <th scope="col">Runs by status</th>
                  <th scope="col">Runs by risk level</th>
                  <th scope="col" class="number">Flagged runs</th>
                </tr>
              </thead>
              <tbody>
                {data.agents.map((row) => (
                  <tr key={row.agent_id}>
                    <th scope="row">{account ? <Link to={agentHref(row.agent_id)}>{row.name}</Link> : row.name}</th>
                    <td>{words(row.status)}</td>
                    {account
                      ? <td><DeploymentStrip session={session} deployments={byAgent.get(row.agent_id) ?? []} environments={known.environments} compact /></td>
                      : null}
                    <td><Counts counts={row.runs_by_status} names={statuses.filter((s) => (row.runs_by_status[s] ?? 0) > 0)} /></td>
                    <td><Counts counts={row.runs_by_risk_level} names={levelsWithNone.filter((l) => (row.runs_by_risk_level[l] ?? 0) > 0)} /></td>
                    <td class="number">{count(row.flagged_runs)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
      </section>
      <section aria-label="Needs attention">
        <h2>Needs attention</h2>
        {data.recent_attention.length === 0
          ? <Empty>No run since {dateTime(data.since)} is flagged or at high or critical risk.</Empty>
          : <RunTable runs={data.recent_attention} agents={known.agents} environments={known.environments} caption="The newest flagged or high-risk runs" />}
      </section>
    </section>
  )
}
