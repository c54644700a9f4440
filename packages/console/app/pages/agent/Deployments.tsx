/**
 * An agent's deployments, one per environment: the version each runs, the history of every move
 * of its pointer (by a run, through the API, or a rollback), a rollback to an earlier version,
 * and a deployment to an environment that has none yet.
 */
import { useState } from "preact/hooks"
import type { Environment } from "../../api/Account.js"
import { type AgentVersion, agentVersion, type DeploymentDetails, deploymentDetails, deployment } from "../../api/Agents.js"
import { maxPageSize, page } from "../../api/Page.js"
import type { Session } from "../../session/Session.js"
import { useAction } from "../../ui/Action.js"
import { Done, Empty, Failed, Loading } from "../../ui/Feedback.js"
import { dateTime, shortId, words } from "../../ui/Format.js"
import { useAnswer } from "../../ui/Load.js"
import { versionLabel } from "./DeploymentStrip.js"

const Rollback = ({ session, details, versions, onDone }: {
  readonly session: Session
  readonly details: DeploymentDetails
  readonly versions: ReadonlyArray<AgentVersion>
  readonly onDone: () => void
}) => {
  const current = versions.find((v) => v.id === details.current_version_id)
  // A rollback goes back: the API refuses a version created after the current one.
  const earlier = current === undefined ? [] : versions.filter((v) => v.sequence < current.sequence)
  const [target, setTarget] = useState("")
  const action = useAction()
  if (earlier.length === 0) return <p class="muted">No earlier version to roll back to.</p>
  const submit = action.submit(() => session.client.post(`/agent_deployment/${details.id}/rollback`, { details: { version_id: target } }, (r) => r.object("details", deploymentDetails, null)), onDone)
  return (
    <form class="inline-form" onSubmit={submit}>
      <div class="field">
        <label for={`rollback-${details.id}`}>Roll back to</label>
        <select id={`rollback-${details.id}`} required value={target} onChange={(event) => setTarget(event.currentTarget.value)}>
          <option value="">choose an earlier version</option>
          {earlier.map((v) => <option key={v.id} value={v.id}>{versionLabel(v, v.id)}</option>)}
        </select>
      </div>
      <button type="submit" disabled={target === "" || action.busy}>Roll back</button>
      {action.failure === null ? null : <Failed failure={action.failure} doing="roll back" />}
    </form>
  )
}

const One = ({ session, id, environments, versions }: {
  readonly session: Session
  readonly id: string
  readonly environments: ReadonlyArray<Environment>
  readonly versions: ReadonlyArray<AgentVersion>
}) => {
  const loaded = useAnswer(() => session.client.get(`/agent_deployment/${id}`, (r) => r.object("details", deploymentDetails, null)), [session, id])
  const [moved, setMoved] = useState(false)
  const byId = new Map(versions.map((v) => [v.id, v]))
  const label = (versionId: string | null) => versionLabel(versionId === null ? undefined : byId.get(versionId), versionId)
  if (loaded.state._tag === "Loading") return <Loading what="the deployment" />
  if (loaded.state._tag === "Failed") return <Failed failure={loaded.state.failure} retry={loaded.reload} doing="read the deployment" />
  const details = loaded.state.value
  if (details === null) return null
  const environment = environments.find((e) => e.id === details.environment_id)
  return (
    <section class="card" aria-label={`Deployment to ${environment?.name ?? details.environment_id}`}>
      <h3>{environment?.name ?? shortId(details.environment_id)}: {label(details.current_version_id)}</h3>
      <p class="muted">Deployment <code>{details.id}</code>, last moved {dateTime(details.updated_at)}.</p>
      {moved ? <Done>Rolled back.</Done> : null}
      <Rollback
        session={session}
        details={details}
        versions={versions}
        onDone={() => {
          setMoved(true)
          loaded.reload()
        }}
      />
      {details.history.length === 0 ? <Empty>The deployment has pointed at no version yet: its first run, or an update, sets one.</Empty> : (
      <table>
        <caption>History</caption>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">From</th>
            <th scope="col">To</th>
            <th scope="col">By</th>
          </tr>
        </thead>
        <tbody>
          {[...details.history].reverse().map((entry, index) => (
            <tr key={index}>
              <td>{dateTime(entry.changed_at)}</td>
              <td>{label(entry.from_version_id)}</td>
              <td>{label(entry.to_version_id)}</td>
              <td>{words(entry.cause)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      )}
    </section>
  )
}

const Deploy = ({ session, agentId, environments, onDone }: {
  readonly session: Session
  readonly agentId: string
  readonly environments: ReadonlyArray<Environment>
  readonly onDone: () => void
}) => {
  const [target, setTarget] = useState("")
  const action = useAction()
  if (environments.length === 0) return null
  const submit = action.submit(() => session.client.post("/agent_deployment", { details: { agent_id: agentId, environment_id: target } }, (r) => r.object("details", deployment, null)), onDone)
  return (
    <form class="inline-form" onSubmit={submit}>
      <div class="field">
        <label for="deploy-environment">Deploy to environment</label>
        <select id="deploy-environment" required value={target} onChange={(event) => setTarget(event.currentTarget.value)}>
          <option value="">choose an environment</option>
          {environments.map((e) => <option key={e.id} value={e.id}>{e.name}</option>)}
        </select>
      </div>
      <button type="submit" disabled={target === "" || action.busy}>Deploy</button>
      {action.failure === null ? null : <Failed failure={action.failure} doing="create the deployment" />}
    </form>
  )
}

export const Deployments = ({ session, agentId, environments }: {
  readonly session: Session
  readonly agentId: string
  readonly environments: ReadonlyArray<Environment>
}) => {
  const loaded = useAnswer(async () => {
    const [deployments, versions] = await Promise.all([
      session.client.get("/agent_deployment", page(deployment), { agent_id: agentId, "pagination[page_size]": maxPageSize }),
      session.client.get("/agent_version", page(agentVersion), { agent_id: agentId, "pagination[page_size]": maxPageSize })
    ])
    if (deployments._tag === "Failed") return deployments
    return { _tag: "Ok" as const, value: { deployments: deployments.value.items, versions: versions._tag === "Ok" ? versions.value.items : [] } }
  }, [session, agentId])
  if (loaded.state._tag === "Loading") return <Loading what="deployments" />
  if (loaded.state._tag === "Failed") return <Failed failure={loaded.state.failure} retry={loaded.reload} doing="list the deployments" />
  const { deployments, versions } = loaded.state.value
  const deployedTo = new Set(deployments.map((d) => d.environment_id))
  return (
    <div>
      {deployments.length === 0 ? <Empty>This agent is deployed to no environment yet.</Empty> : null}
      {deployments.map((d) => <One key={d.id} session={session} id={d.id} environments={environments} versions={versions} />)}
      <Deploy session={session} agentId={agentId} environments={environments.filter((e) => !deployedTo.has(e.id))} onDone={loaded.reload} />
    </div>
  )
}
