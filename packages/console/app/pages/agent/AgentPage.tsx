/**
 * An agent: its header (status, description, runs by status, risk profile, retire or reinstate as
 * the API's `available_actions` say, erasing its runs of a window), its spans of the last day as a chart, the deployment
 * snapshot, and the Versions, Schema and Deployments tabs.
 */
import { useState } from "preact/hooks"
import { environment, riskProfile } from "../../api/Account.js"
import { type Agent, agent as readAgent, deployment } from "../../api/Agents.js"
import { maxPageSize, page } from "../../api/Page.js"
import { statuses } from "../../api/Runs.js"
import type { Session } from "../../session/Session.js"
import { useAction } from "../../ui/Action.js"
import { agentHref, href, navigate, profileHref } from "../../Router.js"
import { StatusBadge } from "../../ui/Badges.js"
import { Done, Failed, Loading } from "../../ui/Feedback.js"
import { count, dateTime, words } from "../../ui/Format.js"
import { useTitle } from "../../ui/Layout.js"
import { Link } from "../../ui/Link.js"
import { useAnswer } from "../../ui/Load.js"
import { Tabs } from "../../ui/Tabs.js"
import { ActivityPanel } from "../ActivityPanel.js"
import { DeploymentStrip } from "./DeploymentStrip.js"
import { EraseRuns } from "./EraseRuns.js"
import { Deployments } from "./Deployments.js"
import { Schemas } from "./Schemas.js"
import { Versions } from "./Versions.js"

type TabId = "versions" | "schema" | "deployments"
const tabs = [
  { id: "versions", label: "Versions" },
  { id: "schema", label: "Schema" },
  { id: "deployments", label: "Deployments" }
] as const

const tabOf = (query: URLSearchParams): TabId => {
  const tab = query.get("tab")
  return tab === "schema" || tab === "deployments" ? tab : "versions"
}

/** Retire / reinstate, and the risk profile: what the agent's available actions allow. */
const Actions = ({ session, agent, onDone }: { readonly session: Session; readonly agent: Agent; readonly onDone: (said: string) => void }) => {
  const profiles = useAnswer(() => session.client.get("/risk_profile", page(riskProfile), { "pagination[page_size]": maxPageSize }), [session])
  const [profile, setProfile] = useState(agent.risk_profile_id ?? "")
  const action = useAction()
  const act = (change: "retire" | "reinstate") =>
    action.run(() => session.client.post(`/agent/${agent.id}/${change}`, {}, (r) => r.object("details", readAgent, null)), () =>
      onDone(change === "retire" ? "The agent is retired: its deployments take no new runs." : "The agent is reinstated."))
  const assign = action.submit(() => session.client.put(`/agent/${agent.id}`, { details: { risk_profile_id: profile === "" ? null : profile } }, (r) => r.object("details", readAgent, null)), () =>
    onDone(profile === "" ? "The agent has no risk profile now: its next runs are not scored." : "Risk profile assigned: the agent's next runs are scored with it."))
  return (
    <div>
      <div class="actions">
        {agent.available_actions.retire ? <button type="button" class="danger" disabled={action.busy} onClick={() => void act("retire")}>Retire</button> : null}
        {agent.available_actions.reinstate ? <button type="button" disabled={action.busy} onClick={() => void act("reinstate")}>Reinstate</button> : null}
        <EraseRuns session={session} agent={agent} onDone={onDone} />
      </div>
      {agent.available_actions.update
        ? (
          <form class="inline-form" onSubmit={assign}>
            <div class="field">
              <label for="agent-risk-profile">Risk profile</label>
              <select id="agent-risk-profile" value={profile} onChange={(event) => setProfile(event.currentTarget.value)}>
                <option value="">none (runs are not scored)</option>
                {(profiles.state._tag === "Ok" ? profiles.state.value.items : []).map((p) => <option key={p.id} value={p.id}>{p.name}</option>)}
              </select>
            </div>
            <button type="submit" disabled={action.busy}>Assign</button>
          </form>
        )
        : null}
      {action.failure === null ? null : <Failed failure={action.failure} doing="change the agent" />}
    </div>
  )
}

export const AgentPage = ({ session, id, query }: { readonly session: Session; readonly id: string; readonly query: URLSearchParams }) => {
  const [said, setSaid] = useState<string | null>(null)
  // Counts the changes made here, so that the chart is read again after one (an erasure).
  const [changes, setChanges] = useState(0)
  const loaded = useAnswer(() => session.client.get(`/agent/${encodeURIComponent(id)}`, (r) => r.object("details", readAgent, null), { include_counts: true }), [session, id])
  const context = useAnswer(async () => {
    const [environments, deployments] = await Promise.all([
      session.client.get("/environment", page(environment), { "pagination[page_size]": maxPageSize }),
      session.client.get("/agent_deployment", page(deployment), { agent_id: id, "pagination[page_size]": maxPageSize })
    ])
    return {
      _tag: "Ok" as const,
      value: { environments: environments._tag === "Ok" ? environments.value.items : [], deployments: deployments._tag === "Ok" ? deployments.value.items : [] }
    }
  }, [session, id])
  const tab = tabOf(query)
  const agent = loaded.state._tag === "Ok" ? loaded.state.value : null
  useTitle(agent === null ? "Agent" : agent.name)
  if (loaded.state._tag === "Loading") return <Loading what="the agent" />
  if (loaded.state._tag === "Failed") return <Failed failure={loaded.state.failure} retry={loaded.reload} doing="read this agent" />
  if (agent === null) return null
  const { deployments, environments } = context.state._tag === "Ok" ? context.state.value : { deployments: [], environments: [] }
  const counts = agent.instance_counts ?? {}
  return (
    <article>
      <header class="page-head">
        <div>
          <h1>{agent.name}</h1>
          <p class="strip">
            <StatusBadge status={agent.status} />
            <span>registered {dateTime(agent.inserted_at)}</span>
            <span>last run {dateTime(agent.last_run_at)}</span>
            <span>
              profile {agent.risk_profile_id === null ? <span class="muted">none</span> : <Link to={profileHref(agent.risk_profile_id)}>view</Link>}
            </span>
          </p>
          {agent.description === null ? null : <p>{agent.description}</p>}
          <p class="muted">Agent id <code>{agent.id}</code></p>
        </div>
        <Actions
          key={agent.updated_at}
          session={session}
          agent={agent}
          onDone={(text) => {
            setSaid(text)
            setChanges((n) => n + 1)
            loaded.reload()
          }}
        />
      </header>
      {said === null ? null : <Done>{said}</Done>}
      <section aria-label="Runs by status">
        <h2>Runs <span class="muted">({count(counts["total"] ?? 0)})</span></h2>
        <ul class="counts">
          {statuses.map((status) => (
            <li key={status} class={(counts[status] ?? 0) === 0 ? "zero" : ""}>
              <Link to={href("/runs", { agent_id: agent.id, status })}>{words(status)} {count(counts[status] ?? 0)}</Link>
            </li>
          ))}
          <li><Link to={href("/runs", { agent_id: agent.id })}>all runs</Link></li>
        </ul>
      </section>
      <ActivityPanel session={session} query={{ agent_id: agent.id }} title="Spans of the last day" round={changes} />
      <section aria-label="Deployment snapshot">
        <h2>Deployments</h2>
        <DeploymentStrip session={session} deployments={deployments} environments={environments} />
      </section>
      <Tabs key={changes} label="Agent" tabs={tabs} selected={tab} onSelect={(next) => navigate(agentHref(agent.id, { tab: next === "versions" ? undefined : next }), { replace: true })}>
        {tab === "versions"
          ? <Versions session={session} agentId={agent.id} environments={environments} />
          : tab === "schema"
          ? <Schemas session={session} agentId={agent.id} environments={environments} />
          : <Deployments session={session} agentId={agent.id} environments={environments} />}
      </Tabs>
    </article>
  )
}
