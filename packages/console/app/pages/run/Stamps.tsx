/**
 * What a run was stamped with when it registered — agent, version, schema version, environment,
 * deployment, risk profile revision, and the protocol and SDK that reported it — by name where the
 * token may read the names (an account token), by id otherwise. A name that cannot be read falls
 * back to its id; the stamps never fail the page.
 */
import type { Client } from "../../api/Client.js"
import { type Environment, environment, type RiskProfileRevision, riskProfileRevision } from "../../api/Account.js"
import { type Agent, agent, type AgentVersion, agentVersion, type SchemaVersion, schemaVersion } from "../../api/Agents.js"
import type { Reader } from "../../api/Read.js"
import type { Instance, Protocol, ReportedBy } from "../../api/Runs.js"
import { isAccount, type Session } from "../../session/Session.js"
import { shortId, words } from "../../ui/Format.js"
import { Link } from "../../ui/Link.js"
import { useAnswer } from "../../ui/Load.js"
import { agentHref, href, profileHref } from "../../Router.js"

interface Names {
  readonly agent: Agent | null
  readonly version: AgentVersion | null
  readonly schema: SchemaVersion | null
  readonly environment: Environment | null
  readonly revision: { readonly profileId: string; readonly profileName: string; readonly revision: RiskProfileRevision } | null
}

const none: Names = { agent: null, version: null, schema: null, environment: null, revision: null }

/** A record's details, or null when it cannot be read. */
const maybe = async <A,>(client: Client, path: string, reader: (r: Reader) => A): Promise<A | null> => {
  const answer = await client.get(path, (r) => r.object("details", reader, null))
  return answer._tag === "Ok" ? answer.value : null
}

const namesOf = async (client: Client, run: Instance): Promise<Names> => {
  const [foundAgent, version, schema, foundEnvironment] = await Promise.all([
    maybe(client, `/agent/${run.agent_id}`, agent),
    maybe(client, `/agent_version/${run.agent_version_id}`, agentVersion),
    maybe(client, `/agent_schema_version/${run.agent_schema_version_id}`, schemaVersion),
    maybe(client, `/environment/${run.environment_id}`, environment)
  ])
  let revision: Names["revision"] = null
  const profileId = foundAgent?.risk_profile_id ?? null
  if (run.risk_profile_revision_id !== null && profileId !== null) {
    const [revisions, profile] = await Promise.all([
      client.get(`/risk_profile/${profileId}/revisions`, (r) => r.array("details", riskProfileRevision)),
      maybe(client, `/risk_profile/${profileId}`, (r) => ({ name: r.string("name") }))
    ])
    const found = revisions._tag === "Ok" ? revisions.value.find((candidate) => candidate.id === run.risk_profile_revision_id) : undefined
    if (found !== undefined) revision = { profileId, profileName: profile?.name ?? profileId, revision: found }
  }
  return { agent: foundAgent, version, schema, environment: foundEnvironment, revision }
}

const named = (id: string, name: string | null | undefined) => <span title={id}>{name ?? <code>{shortId(id)}</code>}</span>

const protocolNames: Record<Protocol, string> = { prefactor: "Prefactor API", otlp: "OpenTelemetry (OTLP)" }

/** The protocol in words, and the SDK as its client named it (text the client chose: shown, never trusted). */
const reporter = (reportedBy: ReportedBy | null) =>
  reportedBy === null
    ? "not recorded"
    : (
      <>
        {protocolNames[reportedBy.protocol]}
        {reportedBy.sdk === null ? ", no SDK named" : <>{", "}<code title={reportedBy.sdk}>{reportedBy.sdk}</code></>}
      </>
    )

export const Stamps = ({ session, run }: { readonly session: Session; readonly run: Instance }) => {
  const account = isAccount(session)
  const loaded = useAnswer(
    async () => ({ _tag: "Ok" as const, value: account ? await namesOf(session.client, run) : none }),
    [session, run.id, account]
  )
  const names = loaded.state._tag === "Ok" ? loaded.state.value : none
  const version = names.version
  const schema = names.schema
  return (
    <dl class="stamps">
      <div>
        <dt>Agent</dt>
        <dd>{account ? <Link to={agentHref(run.agent_id)}>{named(run.agent_id, names.agent?.name)}</Link> : named(run.agent_id, null)}</dd>
      </div>
      <div>
        <dt>Version</dt>
        <dd>
          {account
            ? <Link to={agentHref(run.agent_id, { tab: "versions" })}>{named(run.agent_version_id, version === null ? null : `${version.external_identifier ?? "unnamed"} (#${version.sequence})`)}</Link>
            : named(run.agent_version_id, null)}
        </dd>
      </div>
      <div>
        <dt>Schema version</dt>
        <dd>
          {account
            ? <Link to={agentHref(run.agent_id, { tab: "schema" })}>{named(run.agent_schema_version_id, schema === null ? null : `${schema.external_identifier ?? "unnamed"} (#${schema.sequence})`)}</Link>
            : named(run.agent_schema_version_id, null)}
        </dd>
      </div>
      <div>
        <dt>Environment</dt>
        <dd>{account ? <Link to={href("/runs", { environment_id: run.environment_id })}>{named(run.environment_id, names.environment?.name)}</Link> : named(run.environment_id, null)}</dd>
      </div>
      <div>
        <dt>Deployment</dt>
        <dd>
          {run.agent_deployment_id === null
            ? "none"
            : account
            ? <Link to={agentHref(run.agent_id, { tab: "deployments" })}>{named(run.agent_deployment_id, null)}</Link>
            : named(run.agent_deployment_id, null)}
        </dd>
      </div>
      <div>
        <dt>Risk profile</dt>
        <dd>
          {run.risk_profile_revision_id === null
            ? "none (not scored)"
            : names.revision === null
            ? named(run.risk_profile_revision_id, null)
            : <Link to={profileHref(names.revision.profileId)}>{names.revision.profileName}, revision {names.revision.revision.revision}</Link>}
        </dd>
      </div>
      <div>
        <dt>Purpose</dt>
        <dd>{words(run.purpose)}</dd>
      </div>
      <div class="reporter">
        <dt>Reported by</dt>
        <dd>{reporter(run.reported_by)}</dd>
      </div>
    </dl>
  )
}
