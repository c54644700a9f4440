/**
 * An agent's schema versions, each with its span types: title and description, whether each
 * definition compiled, what the type declares about data risk (allowed actions, included data
 * categories), and its payload and result definitions as JSON.
 */
import type { Environment } from "../../api/Account.js"
import { schemaVersion, type SpanTypeDefinition } from "../../api/Agents.js"
import { page, pageSize } from "../../api/Page.js"
import { isRecord } from "../../api/Read.js"
import type { Session } from "../../session/Session.js"
import { Empty, Failed, Loading } from "../../ui/Feedback.js"
import { dateTime, words } from "../../ui/Format.js"
import { Json } from "../../ui/Json.js"
import { useAnswer } from "../../ui/Load.js"

const named = (declared: Readonly<Record<string, string>> | undefined, value: string): ReadonlyArray<string> =>
  Object.entries(declared ?? {}).flatMap(([name, state]) => (state === value && name !== "classification" ? [words(name)] : []))

/** A definition's check as the server reports it: `{params: {status, message}, result: {…}}`. */
const checkOf = (checks: unknown, type: string, part: "params" | "result"): string => {
  const ofType = isRecord(checks) ? checks[type] : undefined
  const check = isRecord(ofType) ? ofType[part] : undefined
  if (!isRecord(check)) return "not reported"
  const status = typeof check["status"] === "string" ? check["status"] : "unknown"
  return typeof check["message"] === "string" ? `${status}: ${check["message"]}` : status
}

const SpanType = ({ definition, checks }: { readonly definition: SpanTypeDefinition; readonly checks: unknown }) => {
  const actions = named(definition.data_risk.action_profile, "allowed")
  const categories = [...new Set([...named(definition.data_risk.params_data_categories, "included"), ...named(definition.data_risk.result_data_categories, "included")])]
  return (
    <div class="card">
      <h4>
        {definition.title} <code class="muted">{definition.name}</code>
      </h4>
      {definition.description === null ? null : <p>{definition.description}</p>}
      <dl class="facts">
        <dt>Payload definition</dt>
        <dd>{checkOf(checks, definition.name, "params")}</dd>
        <dt>Result definition</dt>
        <dd>{checkOf(checks, definition.name, "result")}</dd>
        <dt>Allowed actions</dt>
        <dd>{actions.length === 0 ? <span class="muted">none declared</span> : actions.join(", ")}</dd>
        <dt>Included data categories</dt>
        <dd>{categories.length === 0 ? <span class="muted">none declared</span> : categories.join(", ")}</dd>
      </dl>
      <Json label="Payload (params) schema" value={definition.params_schema} />
      <Json label="Result schema" value={definition.result_schema} />
    </div>
  )
}

export const Schemas = ({ session, agentId, environments }: {
  readonly session: Session
  readonly agentId: string
  readonly environments: ReadonlyArray<Environment>
}) => {
  const loaded = useAnswer(() => session.client.get("/agent_schema_version", page(schemaVersion), { agent_id: agentId, "pagination[page_size]": pageSize }), [session, agentId])
  const environmentName = new Map(environments.map((e) => [e.id, e.name]))
  if (loaded.state._tag === "Loading") return <Loading what="schema versions" />
  if (loaded.state._tag === "Failed") return <Failed failure={loaded.state.failure} retry={loaded.reload} doing="list the schema versions" />
  const versions = loaded.state.value.items
  if (versions.length === 0) return <Empty>No schema version yet: one is created by the first run that reports the agent's activity schema.</Empty>
  return (
    <div>
      {versions.map((v, index) => (
        <details key={v.id} open={index === 0} class="card">
          <summary>
            <strong>{v.external_identifier ?? "unnamed"}</strong> #{v.sequence} · {v.span_type_schemas.length} span types · created {dateTime(v.inserted_at)} ·{" "}
            {v.current_agent_deployment_refs.length === 0
              ? "not deployed"
              : `in use in ${v.current_agent_deployment_refs.map((ref) => environmentName.get(ref.environment_id) ?? ref.environment_id).join(", ")}`}
          </summary>
          {v.span_type_schemas.length === 0
            ? <Empty>This schema version declares no span type: every span of its runs is an undeclared type.</Empty>
            : v.span_type_schemas.map(([name, definition]) => <SpanType key={name} definition={definition} checks={v.definition_checks} />)}
        </details>
      ))}
    </div>
  )
}
