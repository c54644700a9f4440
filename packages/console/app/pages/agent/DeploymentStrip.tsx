/**
 * The deployment snapshot: one entry per environment the agent is deployed to, with the version
 * it runs there and when that last changed. Versions are named by their identifier, read once per
 * distinct version.
 */
import type { Environment } from "../../api/Account.js"
import { type AgentVersion, agentVersion, type Deployment } from "../../api/Agents.js"
import type { Session } from "../../session/Session.js"
import { dateTime, shortId } from "../../ui/Format.js"
import { useAnswer } from "../../ui/Load.js"

/** The versions named by `ids`, each read once; one that cannot be read is left out. */
export const useVersions = (session: Session, ids: ReadonlyArray<string>) => {
  const unique = [...new Set(ids)].sort()
  return useAnswer(async () => {
    const found = await Promise.all(unique.map((id) => session.client.get(`/agent_version/${encodeURIComponent(id)}`, (r) => r.object("details", agentVersion, null))))
    const versions = new Map<string, AgentVersion>()
    for (const answer of found) if (answer._tag === "Ok" && answer.value !== null) versions.set(answer.value.id, answer.value)
    return { _tag: "Ok" as const, value: versions }
  }, [session, unique.join(",")])
}

export const versionLabel = (version: AgentVersion | undefined, id: string | null): string =>
  id === null ? "no version" : version === undefined ? shortId(id) : `${version.external_identifier ?? "unnamed"} (#${version.sequence})`

export const DeploymentStrip = ({ session, deployments, environments, compact = false }: {
  readonly session: Session
  readonly deployments: ReadonlyArray<Deployment>
  readonly environments: ReadonlyArray<Environment>
  readonly compact?: boolean
}) => {
  const versions = useVersions(session, deployments.flatMap((d) => (d.current_version_id === null ? [] : [d.current_version_id])))
  const known = versions.state._tag === "Ok" ? versions.state.value : new Map<string, AgentVersion>()
  const environmentName = new Map(environments.map((e) => [e.id, e.name]))
  if (deployments.length === 0) return <span class="muted">not deployed</span>
  return (
    <ul class={compact ? "strip-list compact" : "strip-list"}>
      {deployments.map((d) => (
        <li key={d.id}>
          <strong>{environmentName.get(d.environment_id) ?? shortId(d.environment_id)}</strong>{" "}
          {d.current_version_id === null ? <span class="muted">no version</span> : versionLabel(known.get(d.current_version_id), d.current_version_id)}
          {compact ? null : <span class="muted"> · since {dateTime(d.updated_at)}</span>}
        </li>
      ))}
    </ul>
  )
}
