/**
 * An agent's versions: identifier, sequence, fingerprint, when first seen, where each is deployed,
 * how many runs it has (a list of one run each, whose page counts them), and — under the agent's risk profile — its theoretical risk and the agreed-risk
 * violations its schema declares (`GET /agent_version/{id}/risk`, one per version shown).
 */
import type { Environment } from "../../api/Account.js"
import { type AgentVersion, agentVersion, type VersionRisk, versionRisk } from "../../api/Agents.js"
import { page, pageSize } from "../../api/Page.js"
import { instance } from "../../api/Runs.js"
import type { Session } from "../../session/Session.js"
import { href } from "../../Router.js"
import { LevelBadge } from "../../ui/Badges.js"
import { Empty, Failed, Loading } from "../../ui/Feedback.js"
import { count, dateTime, points, words } from "../../ui/Format.js"
import { Link } from "../../ui/Link.js"
import { useAnswer } from "../../ui/Load.js"

/** How many runs a version has: one list of one run, whose page says how many there are. */
const Runs = ({ session, agentId, version }: { readonly session: Session; readonly agentId: string; readonly version: AgentVersion }) => {
  const loaded = useAnswer(
    () => session.client.get("/agent_instance", page(instance), { agent_id: agentId, agent_version_id: version.id, "pagination[page_size]": 1 }),
    [session, agentId, version.id]
  )
  const runs = loaded.state._tag === "Ok" ? loaded.state.value.pagination.item_count : null
  return <Link to={href("/runs", { agent_id: agentId, agent_version_id: version.id })}>{runs === null ? "runs" : `${count(runs)} ${runs === 1 ? "run" : "runs"}`}</Link>
}

const Risk = ({ session, version }: { readonly session: Session; readonly version: AgentVersion }) => {
  const loaded = useAnswer(() => session.client.get(`/agent_version/${version.id}/risk`, (r) => r.nullableObject("details", versionRisk)), [session, version.id])
  if (loaded.state._tag === "Loading") return <span class="muted">…</span>
  if (loaded.state._tag === "Failed") return <span class="muted">unreadable</span>
  const risk: VersionRisk | null = loaded.state.value
  if (risk === null) return <span class="muted">no profile</span>
  return (
    <>
      {points(risk.theoretical.total)} <LevelBadge level={risk.theoretical.level} />
      {risk.violations.length === 0
        ? <div class="muted">within the agreed risk</div>
        : (
          <ul class="errors">
            {risk.violations.map((v) => <li key={`${v.schema_name}-${v.kind}-${v.key}`}>⚑ <code>{v.schema_name}</code>: {words(v.kind)} <code>{v.key}</code> not agreed</li>)}
          </ul>
        )}
    </>
  )
}

export const Versions = ({ session, agentId, environments }: {
  readonly session: Session
  readonly agentId: string
  readonly environments: ReadonlyArray<Environment>
}) => {
  const loaded = useAnswer(() => session.client.get("/agent_version", page(agentVersion), { agent_id: agentId, "pagination[page_size]": pageSize }), [session, agentId])
  const environmentName = new Map(environments.map((e) => [e.id, e.name]))
  if (loaded.state._tag === "Loading") return <Loading what="versions" />
  if (loaded.state._tag === "Failed") return <Failed failure={loaded.state.failure} retry={loaded.reload} doing="list the versions" />
  const versions = loaded.state.value.items
  if (versions.length === 0) return <Empty>No version yet: a version is created by the agent's first run that reports it.</Empty>
  return (
    <table>
      <caption>Versions, newest first ({loaded.state.value.pagination.item_count})</caption>
      <thead>
        <tr>
          <th scope="col">Version</th>
          <th scope="col">Fingerprint</th>
          <th scope="col">First seen</th>
          <th scope="col">Deployed in</th>
          <th scope="col">Runs</th>
          <th scope="col">Theoretical risk and violations</th>
        </tr>
      </thead>
      <tbody>
        {versions.map((v) => (
          <tr key={v.id}>
            <th scope="row">
              {v.external_identifier ?? <span class="muted">unnamed</span>} <span class="muted">#{v.sequence}</span>
              {v.external_identifier_repeats > 1 ? <div class="muted">identifier used by {v.external_identifier_repeats} versions</div> : null}
            </th>
            <td><code title={v.fingerprint}>{v.fingerprint.slice(0, 12)}</code></td>
            <td>{dateTime(v.inserted_at)}</td>
            <td>
              {v.current_agent_deployment_refs.length === 0
                ? <span class="muted">not deployed</span>
                : v.current_agent_deployment_refs.map((ref) => environmentName.get(ref.environment_id) ?? ref.environment_id).join(", ")}
            </td>
            <td><Runs session={session} agentId={agentId} version={v} /></td>
            <td><Risk session={session} version={v} /></td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}
